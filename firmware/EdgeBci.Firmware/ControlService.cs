using System.Globalization;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Control;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Simulated;
using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;
using EdgeBci.Decoding.Live;
using EdgeBci.Signal.Quality;

namespace EdgeBci.Firmware;

/// <summary>
/// The safety supervisor in the firmware: every actuator command goes through it. Feeds <see cref="ControlInputs"/> from
/// every stage (the acquisition thread's last good frame and lead-off bits, the signal stage's railing and quality
/// verdicts, each decision and the decoder's health from the decoding stage, the e-stop, inhibit and arm lines on a real
/// board, the console), runs <see cref="SupervisorLoop"/> at <c>Control:TickHz</c>, logs every supervisor event with its
/// reason and, for each STOP, how long after the last good frame the output was neutral; once a second logs the
/// platform's state. Exceptions of the other stages (their catch blocks, and any unhandled exception in the process) are
/// pipeline faults: SafeStop. Stopping the host is switch-off: the loop is disposed (neutral, Disarmed), then the actuator.
/// </summary>
internal sealed partial class ControlService : BackgroundService
{
    private static readonly TimeSpan AutoArmRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StopAttribution = TimeSpan.FromSeconds(2);

    private readonly ControlStage _stage;
    private readonly AcquisitionService _acquisition;
    private readonly SignalService _signal;
    private readonly DecodingService _decoding;
    private readonly EmulatorFaultService _faults;
    private readonly TimeProvider _time;
    private readonly ILogger<ControlService> _logger;
    private readonly ControlInputs _inputs;
    private readonly IActuator _actuator;
    private readonly IReadOnlyList<string> _channelNames;

    // Written on the loop thread only.
    private long _lastFrameTimestamp;
    private TimeSpan? _lastFrameTime;
    private ulong _leadOff;
    private ulong _railing;
    private ulong _bad;
    private ulong _settling;
    private readonly ChannelCondition[] _settlingFrom;
    private bool _channelsReported;
    private SupervisorInputs _lastInputs = new();
    private bool _raised;
    private TimeSpan? _lastAutoArm;
    private TimeSpan? _previousTick;
    private long _attributedInjection;

    private readonly Lock _pendingGate = new();
    private readonly List<PendingOutcome> _pending = [];
    private long _observedTicks;

    private volatile bool _autoArmPending;
    private SupervisorLoop? _loop;
    private ControlPipeline? _pipeline;
    private Thread? _console;
    private LocalCommandServer? _commandSocket;

    public ControlService(ControlStage stage, FrontEnd frontEnd, AcquisitionService acquisition, SignalService signal, DecodingService decoding,
        EmulatorFaultService faults, TimeProvider time, ILogger<ControlService> logger)
    {
        _stage = stage;
        _acquisition = acquisition;
        _signal = signal;
        _decoding = decoding;
        _faults = faults;
        _time = time;
        _logger = logger;
        _inputs = stage.Inputs;
        _actuator = stage.Actuator ?? throw new InvalidOperationException("The control stage's devices are not open.");
        _channelNames = frontEnd.ChannelNames;
        _settlingFrom = new ChannelCondition[_channelNames.Count];
        _autoArmPending = stage.AutoArm;

        // Subscribed before any stage starts, so no decision and no status change is missed.
        decoding.DecisionMade += OnDecision;
        decoding.StatusChanged += OnDecoderStatus;
        decoding.Faulted += ReportPipelineFault;
        signal.Faulted += ReportPipelineFault;
        acquisition.Faulted += ReportPipelineFault;
    }

    /// <summary>The last tick's output (state, command, events).</summary>
    public SupervisorOutput? Last => _loop?.Last;

    /// <summary>The channels the supervisor requires good.</summary>
    public IReadOnlyList<string> RequiredChannels => _stage.Options.RequiredChannels;

    /// <summary>The longest interval between two supervisor ticks so far.</summary>
    public TimeSpan LongestTickInterval => _loop?.MaxInterval ?? TimeSpan.Zero;

    /// <summary>The actuator's kind, its output now and whether that is neutral.</summary>
    public (string Kind, string Output, bool Neutral) Actuator
    {
        get
        {
            var output = _actuator.Output;
            return (_actuator.Kind, output.ToString(), output.IsNeutral);
        }
    }

    /// <summary>
    /// Raised on the supervisor's thread with every supervisor event, after it is logged. Handlers must return at once
    /// and not throw (a throw is a pipeline fault: SafeStop).
    /// </summary>
    public event Action<SupervisorEvent>? SupervisorEventRaised;

    /// <summary>Raised with every pipeline fault reported to the supervisor (a stage's catch block, an unhandled exception).</summary>
    public event Action<string>? PipelineFaulted;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        var options = _stage.Options;
        LogConfiguration(_actuator.Kind, options.TickHz, options.FrameTimeoutMs, options.HopMs, options.DecisionMaxAgeMs, options.EvidenceThreshold,
            options.MinConfidence, options.DwellMs, options.HeartbeatTimeoutMs, string.Join(", ", options.RequiredChannels));
        foreach (var note in _stage.Notes)
        {
            LogNote(note);
        }

        OnDecoderStatus(_decoding.Status);
        if (_stage.Switches is null)
        {
            // Not wired: said so, and reported closed explicitly (the supervisor's default is open).
            _inputs.SetEStopClosed(true);
            _inputs.SetInhibit(false);
            if (_stage.IsEmulator)
            {
                LogEStopEmulator();
            }
            else
            {
                LogEStopNotWired(_stage.Board, _actuator.Kind);
            }
        }
        else
        {
            LogSwitches(options.EStopPin, options.InhibitPin, options.ArmButtonPin);
        }

        if (_actuator is BoardWatchdogLink link)
        {
            LogBoardWatchdog(link.ProcessId, link.StateFile, options.HeartbeatTimeoutMs);
        }

        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
        var pipeline = new ControlPipeline(new SafetySupervisor(options), _actuator);
        _pipeline = pipeline;
        _loop = new SupervisorLoop(pipeline, Gather, _time, Observe);
        _loop.Start();
        StartCommandSocket();
        var local = new List<string>(3);
        if (options.ArmButtonPin >= 0)
        {
            local.Add($"the arm button (GPIO {options.ArmButtonPin})");
        }

        if (_commandSocket is { } socket)
        {
            local.Add($"'edgebci arm' on the unit (socket {socket.Path})");
        }

        if (_stage.Firmware.ConsoleCommands)
        {
            local.Add("'arm' on the firmware's console");
        }

        LogArming(local.Count == 0
            ? "nothing: no arm button wired, no command socket (Control:CommandSocket) and console commands off (Control:ConsoleCommands); this unit cannot arm"
            : _stage.AutoArm
                ? "a local action; Control:AutoArmOnEmulator makes the first one (a LocalCli request once every precondition holds after switch-on); after a STOP: " + string.Join(" or ", local)
                : "a local action: " + string.Join(" or ", local));
        if (_stage.Firmware.ConsoleCommands && Terminal.InputIsBackgroundTerminal())
        {
            LogConsoleBackground();
        }
        else if (_stage.Firmware.ConsoleCommands)
        {
            _console = new Thread(ReadConsole) { IsBackground = true, Name = "edgebci-console" };
            _console.Start();
        }

        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Interlocked.Exchange(ref _commandSocket, null)?.Dispose();
        AppDomain.CurrentDomain.UnhandledException -= OnUnhandledException;
        _decoding.DecisionMade -= OnDecision;
        if (Interlocked.Exchange(ref _loop, null) is { } loop)
        {
            loop.Dispose();
            if (loop.Last is { } last)
            {
                foreach (var supervisorEvent in last.Events)
                {
                    LogEvent(supervisorEvent.From, supervisorEvent.To, supervisorEvent.Reason, supervisorEvent.Message, supervisorEvent.Time.TotalMilliseconds);
                }
            }

            LogLoopStopped(loop.Ticks, loop.MaxInterval.TotalMilliseconds);
        }

        _stage.Dispose();
        LogSwitchedOff(_actuator.Kind, _actuator.Output.ToString());
    }

    /// <summary>Once a second: where the platform is and what it does, beside the supervisor's state.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var last = _loop?.Last;
            var supervisor = last is null ? "starting" : last.Intent is { } intent ? $"{last.State} ({IntentCommands.Name(intent)})" : last.State.ToString();
            var loop = _loop;
            var ticks = loop?.Ticks ?? 0;
            var maxInterval = loop?.MaxInterval.TotalMilliseconds ?? 0;
            var platform = _actuator is BoardWatchdogLink link ? link.Inner : _actuator;
            switch (platform)
            {
                case SimulatedWheelchair chair:
                    var state = chair.State;
                    LogWheelchair(state.X, state.Y, Degrees(state.Heading), state.Speed, state.TurnRate, chair.Command.ToString(), supervisor, ticks, maxInterval);
                    break;
                case SimulatedHand hand:
                    var joints = string.Join(" ", hand.JointNames.Zip(hand.Positions, (name, position) => string.Create(CultureInfo.InvariantCulture, $"{name} {position:0.00}")));
                    LogHand(joints, hand.Grip?.ToString() ?? "holding", supervisor, ticks, maxInterval);
                    break;
                default:
                    LogActuator(platform.Kind, platform.Output.ToString(), supervisor, ticks, maxInterval);
                    break;
            }
        }
    }

    /// <summary>One tick's observations: the switches, the acquisition thread's last good frame and lead-off bits, the signal stage's verdicts.</summary>
    private SupervisorInputs Gather()
    {
        var now = _time.MonotonicNow();
        _stage.Switches?.Poll(now);
        if (_acquisition.Loop is { } loop)
        {
            var counters = loop.Counters;
            var timestamp = counters.LastFrameTimestamp;
            if (timestamp != 0 && timestamp != _lastFrameTimestamp)
            {
                _lastFrameTimestamp = timestamp;
                _lastFrameTime = _time.ToControlTime(timestamp);
                _inputs.ReportFrame(_lastFrameTime.Value);
            }

            ReportChannels(counters.ElectrodesOff, _signal.RailingMask, _signal.BadQualityMask, _signal.SettlingMask);
        }

        _lastInputs = _inputs.Snapshot();
        return _lastInputs;
    }

    /// <summary>Channel states are rebuilt only when a verdict changed; the supervisor picks the required ones.</summary>
    private void ReportChannels(ulong leadOff, ulong railing, ulong bad, ulong settling)
    {
        // Why a channel settles can change between two polls that see the same masks (bad for one block, then settling).
        var conditions = _signal.Conditions;
        var settlingFromChanged = false;
        for (var c = 0; c < _settlingFrom.Length; c++)
        {
            var from = (settling & (1UL << c)) != 0 ? conditions.SettlingFrom(c) : ChannelCondition.Good;
            settlingFromChanged |= from != _settlingFrom[c];
            _settlingFrom[c] = from;
        }

        if (_channelsReported && !settlingFromChanged && leadOff == _leadOff && railing == _railing && bad == _bad && settling == _settling)
        {
            return;
        }

        var states = new ChannelState[_channelNames.Count];
        for (var c = 0; c < states.Length; c++)
        {
            var bit = 1UL << c;
            var isSettling = (settling & bit) != 0;
            states[c] = new ChannelState(_channelNames[c], (bad & bit) == 0, (leadOff & bit) != 0, (railing & bit) != 0, isSettling,
                isSettling ? _settlingFrom[c].DescribeSettling() : null);
        }

        _inputs.ReportChannels(states);
        _leadOff = leadOff;
        _railing = railing;
        _bad = bad;
        _settling = settling;
        _channelsReported = true;
    }

    /// <summary>
    /// After each tick, on the loop thread: events to the log, STOP timing, the emulator's one automatic arm. If this
    /// throws, the loop latches SafeStop without calling it again for that event, so the failure is logged here first.
    /// </summary>
    private void Observe(SupervisorOutput output)
    {
        try
        {
            ObserveTick(output);
        }
        catch (Exception exception)
        {
            LogObserverFailed(exception.GetType().Name, exception.Message);
            throw;
        }
    }

    private void ObserveTick(SupervisorOutput output)
    {
        if (_previousTick is { } previousTick && output.Time - previousTick > 2 * _stage.Options.TickPeriod)
        {
            LogLateTick((output.Time - previousTick).TotalMilliseconds, output.Time.TotalMilliseconds);
        }

        _previousTick = output.Time;
        if (!_raised)
        {
            _raised = true;
            LogLoopThread(RealTimeScheduling.TryRaiseCurrentThread(_stage.Firmware.RealTimePriority), _loop?.Period.TotalMilliseconds ?? 0);
        }

        foreach (var supervisorEvent in output.Events)
        {
            LogEvent(supervisorEvent.From, supervisorEvent.To, supervisorEvent.Reason, supervisorEvent.Message, supervisorEvent.Time.TotalMilliseconds);
            if (SupervisorReasons.IsLatching(supervisorEvent.Reason) && supervisorEvent.To == SupervisorState.SafeStop)
            {
                LogStopTiming(supervisorEvent);
            }

            SupervisorEventRaised?.Invoke(supervisorEvent);

            if (supervisorEvent.Reason == SupervisorReason.Armed)
            {
                _autoArmPending = false;
            }
        }

        CompletePendingOutcomes(output);
        if (_autoArmPending && output.State == SupervisorState.Disarmed && (_lastAutoArm is not { } previous || output.Time - previous >= AutoArmRetry) && PreconditionsVisible(output.Time))
        {
            _lastAutoArm = output.Time;
            _inputs.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalCli));
            LogAutoArm(output.Time.TotalMilliseconds);
        }
    }

    /// <summary>What the firmware can see is ready before it asks; the supervisor checks every precondition itself.</summary>
    private bool PreconditionsVisible(TimeSpan now)
    {
        var inputs = _lastInputs;
        var options = _stage.Options;
        return inputs.EStopClosed && inputs.ModelVerified && inputs.DecoderHealthy
            && inputs.LastFrameTime is { } frame && now - frame <= options.FrameTimeout
            && inputs.LastDecision is { } decision && now - decision.ReceivedAt <= options.DecisionTimeout
            && RequiredChannelsSettled(inputs.Channels, options.RequiredChannels);
    }

    /// <summary>
    /// Every required channel (all, when none is named) reported good and past its quality hold-off: the automatic arm
    /// waits for that instead of asking once a second while the channels settle after switch-on.
    /// </summary>
    private static bool RequiredChannelsSettled(IReadOnlyList<ChannelState> channels, string[] required)
    {
        if (channels.Count == 0)
        {
            return false;
        }

        var usable = 0;
        foreach (var channel in channels)
        {
            if (required.Length > 0 && !Names(required, channel.Name))
            {
                continue;
            }

            if (!channel.QualityGood || channel.LeadOff || channel.Railing || channel.Settling)
            {
                return false;
            }

            usable++;
        }

        return usable >= required.Length;

        static bool Names(string[] names, string name)
        {
            foreach (var candidate in names)
            {
                if (string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// The STOP's timing, from the supervisor event's own time: the tick that saw the fault drove the output neutral
    /// before this observer ran, so "neutral by" is an upper bound. The last good frame is the one read before an
    /// injected fault was set (emulator), or for a frame timeout the last frame received.
    /// </summary>
    private void LogStopTiming(SupervisorEvent stop)
    {
        var neutralBy = _time.MonotonicNow();
        var output = _actuator.Output.IsNeutral ? "neutral" : "NOT NEUTRAL: " + _actuator.Output;
        var platform = DescribePlatform();
        var injection = _faults.LastInjection;
        if (injection is not null && injection.Sequence != _attributedInjection && stop.Time >= injection.InjectedAt && stop.Time - injection.InjectedAt <= StopAttribution)
        {
            _attributedInjection = injection.Sequence;
            var lastGood = injection.LastCleanFrame ?? injection.InjectedAt;
            LogStopAfterFault(stop.Reason, output, Milliseconds(neutralBy - lastGood), Milliseconds(neutralBy - injection.InjectedAt), injection.Fault,
                stop.Time.TotalMilliseconds, neutralBy.TotalMilliseconds, lastGood.TotalMilliseconds, injection.InjectedAt.TotalMilliseconds, platform);
            return;
        }

        if (stop.Reason == SupervisorReason.FrameTimeout && _lastFrameTime is { } lastFrame)
        {
            LogStopAfterFrame(stop.Reason, output, Milliseconds(neutralBy - lastFrame), stop.Time.TotalMilliseconds, neutralBy.TotalMilliseconds, lastFrame.TotalMilliseconds, platform);
            return;
        }

        LogStop(stop.Reason, output, Milliseconds(neutralBy - stop.Time), stop.Time.TotalMilliseconds, neutralBy.TotalMilliseconds, platform);
    }

    /// <summary>What the simulated platform was doing when its command went neutral (it then brakes at its fastest).</summary>
    private string DescribePlatform() => (_actuator is BoardWatchdogLink link ? link.Inner : _actuator) switch
    {
        SimulatedWheelchair chair when chair.State is var state && state.IsMoving =>
            string.Create(CultureInfo.InvariantCulture, $"the simulated wheelchair was moving at speed {state.Speed:0.00} m/s turn {state.TurnRate:0.00} rad/s and brakes"),
        SimulatedWheelchair => "the simulated wheelchair was standing still",
        SimulatedHand hand => $"the simulated hand holds ({(hand.AtTarget ? "at its grip" : "mid-way")})",
        var other => $"{other.Kind} output {other.Output}",
    };

    private void OnDecision(in Decision decision, ReadOnlySpan<float> probabilities)
    {
        if (decision.EvidenceClass < 0)
        {
            return;
        }

        // The supervisor acts on the integrated verdict; its confidence is this window's probability of that class.
        var confidence = decision.EvidenceClass < probabilities.Length ? probabilities[decision.EvidenceClass]
            : decision.ClassIndex == decision.EvidenceClass ? decision.Confidence : 0f;
        _inputs.ReportDecision(new IntentDecision(decision.EvidenceClassName, confidence, decision.Evidence, decision.LastSampleIndex,
            _time.ToControlTime(decision.Timestamp), _time.MonotonicNow()));
        // No good focus channel: unknown, which RequireFocus reads as not focused (never the last number seen).
        _inputs.SetFocus(double.IsFinite(decision.Focus) ? decision.Focus : null);
    }

    private void OnDecoderStatus(DecoderStatus status)
    {
        _inputs.SetModelVerified(status.ModelVerified);
        _inputs.SetDecoderHealthy(status.Healthy);
    }

    private void ReportPipelineFault(string message)
    {
        LogPipelineFault(message);
        _inputs.ReportPipelineFault(message);
        PipelineFaulted?.Invoke(message);
    }

    /// <summary>
    /// The process is about to end: the fault is reported, the loop gets a few ticks to latch SafeStop (and log it), and
    /// the actuator is driven neutral directly in any case.
    /// </summary>
    private void OnUnhandledException(object? sender, UnhandledExceptionEventArgs e)
    {
        var message = e.ExceptionObject is Exception exception ? $"{exception.GetType().Name}: {exception.Message}" : "unknown exception";
        ReportPipelineFault("unhandled exception: " + message);
        var deadline = _time.GetTimestamp() + (_time.TimestampFrequency / 20);
        while (_loop?.Last?.State is not (SupervisorState.SafeStop or null) && _time.GetTimestamp() < deadline)
        {
            Thread.Sleep(1);
        }

        try
        {
            _actuator.Neutral();
        }
#pragma warning disable CA1031 // Whatever neutral throws, the process is ending; the watchdog is the last resort.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// The local command socket <c>edgebci arm|disarm|stop|state</c> talks to. A socket that cannot be opened (a second
    /// firmware holds it, a folder that cannot be made private) is said and the unit runs on: the arm button and the
    /// console remain, and nothing about stopping depends on it.
    /// </summary>
    private void StartCommandSocket()
    {
        string? path;
        try
        {
            path = LocalCommandSocket.Resolve(_stage.Firmware.CommandSocket);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            LogCommandSocketFailed(_stage.Firmware.CommandSocket, $"Control:CommandSocket is not a usable path: {exception.Message}");
            return;
        }

        if (path is null)
        {
            LogCommandSocketOff();
            return;
        }

        try
        {
            _commandSocket = LocalCommandServer.Start(path, (line, token) => ExecuteAsync(line, "socket", token));
            LogCommandSocket(path);
        }
        catch (IOException exception)
        {
            LogCommandSocketFailed(path, exception.Message);
        }
    }

    /// <summary>The unit's console: the same commands as the socket, each answered in the log.</summary>
    private void ReadConsole()
    {
        try
        {
            while (Console.In.ReadLine() is { } line)
            {
                var reply = ExecuteAsync(line.Trim(), "console", CancellationToken.None).GetAwaiter().GetResult();
                LogLocalReply("console", line.Trim(), reply.ToString());
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// One local command (LocalCli origin): arm, disarm and stop are requests the supervisor answers on its next tick,
    /// and the reply says what it did (armed, or why not); state reads the last tick; inject and clear drive the
    /// emulator's faults.
    /// </summary>
    private async Task<LocalReply> ExecuteAsync(string line, string channel, CancellationToken cancellationToken)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? line : line[..space]).ToLowerInvariant();
        var argument = space < 0 ? string.Empty : line[(space + 1)..].Trim();
        var usage = _faults.Available
            ? "use arm, disarm, stop, state, inject <fault> (" + EmulatorFaultService.Usage + ") or clear"
            : "use arm, disarm, stop or state";
        switch (verb)
        {
            case "arm":
            case "disarm":
            case "stop":
                var kind = verb switch { "arm" => RequestKind.Arm, "disarm" => RequestKind.Disarm, _ => RequestKind.Stop };
                return await RequestAsync(kind, RequestOrigin.LocalCli, channel, cancellationToken).ConfigureAwait(false);
            case "state":
                return _loop?.Last is { } last ? LocalReply.Ok(DescribeState(last)) : LocalReply.Error("the supervisor has not ticked yet");
            case "inject":
                return _faults.TryInject(argument, channel, out var error) ? LocalReply.Ok($"fault '{argument}' injected") : LocalReply.Refused(error);
            case "clear":
                return _faults.ClearAll() ? LocalReply.Ok("emulator faults cleared") : LocalReply.Refused("no emulator here, or no fault to clear");
            case "":
                return LocalReply.Error("empty command; " + usage);
            default:
                return LocalReply.Error($"'{line}' is not a command; {usage}");
        }
    }

    /// <summary>
    /// A stop or disarm from the network (the MQTT commands): a Remote request, answered like a local one with what the
    /// supervisor did. The supervisor refuses anything else from a remote origin; this refuses it first.
    /// </summary>
    public Task<LocalReply> RemoteRequestAsync(RequestKind kind, string channel, CancellationToken cancellationToken) =>
        kind is RequestKind.Stop or RequestKind.Disarm
            ? RequestAsync(kind, RequestOrigin.Remote, channel, cancellationToken)
            : Task.FromResult(LocalReply.Refused($"a remote {kind} is refused: the network may stop or disarm, never arm or move"));

    private async Task<LocalReply> RequestAsync(RequestKind kind, RequestOrigin origin, string channel, CancellationToken cancellationToken)
    {
        if (origin != RequestOrigin.Remote)
        {
            _autoArmPending = false;
        }

        // Registered and queued under the gate the tick observer counts under: a stall of this thread between the two
        // cannot let the two ticks that answer it pass before the request is even queued (the reply then said
        // "already Disarmed" of an arm the supervisor went on to perform).
        PendingOutcome pending;
        lock (_pendingGate)
        {
            pending = new PendingOutcome(Interlocked.Read(ref _observedTicks));
            _pending.Add(pending);
            _inputs.Request(new OperatorRequest(kind, origin));
        }

        LogRequest(origin == RequestOrigin.Remote ? "remote" : "local", kind, channel, origin);
        SupervisorOutput output;
        try
        {
            output = await pending.Done.Task.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_pendingGate)
            {
                _pending.Remove(pending);
            }

            return LocalReply.Error($"{kind} requested, but the supervisor did not tick within 1 s");
        }

        return Answer(kind, pending.Events, output);
    }

    /// <summary>What the supervisor did with a request, from the events of the ticks that consumed it.</summary>
    private static LocalReply Answer(RequestKind kind, List<SupervisorEvent> events, SupervisorOutput output)
    {
        foreach (var supervisorEvent in events)
        {
            switch (supervisorEvent.Reason)
            {
                case SupervisorReason.ArmRefused or SupervisorReason.RequestRefused:
                    return LocalReply.Refused(supervisorEvent.Message);
                case SupervisorReason.Armed when kind == RequestKind.Arm:
                case SupervisorReason.LocalDisarm or SupervisorReason.RemoteDisarm when kind == RequestKind.Disarm:
                case SupervisorReason.LocalStop or SupervisorReason.RemoteStop when kind == RequestKind.Stop:
                    return LocalReply.Ok($"{supervisorEvent.From} -> {supervisorEvent.To}: {supervisorEvent.Message}");
            }
        }

        return LocalReply.Ok($"supervisor already {output.State}; nothing to do");
    }

    private string DescribeState(SupervisorOutput last)
    {
        var intent = last.Intent is { } current ? $" ({IntentCommands.Name(current)})" : string.Empty;
        var latched = last.State == SupervisorState.SafeStop && _pipeline?.Supervisor.LatchedReason is { } reason ? $" latched by {reason}" : string.Empty;
        return $"supervisor {last.State}{intent}{latched}; {_actuator.Kind} output {_actuator.Output}; decoder {(_decoding.Status.Healthy ? "healthy" : "not healthy")}";
    }

    /// <summary>Answers the local requests waiting for this tick: a request is consumed at the first or second tick after it was made.</summary>
    private void CompletePendingOutcomes(SupervisorOutput output)
    {
        lock (_pendingGate)
        {
            var tick = Interlocked.Increment(ref _observedTicks);
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var pending = _pending[i];
                if (tick > pending.AfterTick)
                {
                    pending.Events.AddRange(output.Events);
                }

                if (tick >= pending.AfterTick + 2)
                {
                    _pending.RemoveAt(i);
                    pending.Done.TrySetResult(output);
                }
            }
        }
    }

    /// <summary>A local request waiting for the ticks that consume it.</summary>
    private sealed class PendingOutcome(long afterTick)
    {
        public long AfterTick { get; } = afterTick;

        public List<SupervisorEvent> Events { get; } = [];

        public TaskCompletionSource<SupervisorOutput> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private static double Milliseconds(TimeSpan span) => span.TotalMilliseconds;

    /// <summary>A heading in degrees within (-180, 180].</summary>
    private static double Degrees(double radians)
    {
        var degrees = Math.IEEERemainder(radians * 180 / Math.PI, 360);
        return degrees <= -180 ? degrees + 360 : degrees;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "control: actuator {Actuator}, supervisor at {TickHz} Hz, frame timeout {FrameTimeout} ms, hop {Hop} ms, decision max age {MaxAge} ms, evidence {Evidence:0.00} / confidence {Confidence:0.00} held {Dwell} ms to move, heartbeat timeout {Heartbeat} ms, required channels {Channels}")]
    private partial void LogConfiguration(string actuator, int tickHz, int frameTimeout, int hop, int maxAge, double evidence, double confidence, int dwell, int heartbeat, string channels);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: {Note}")]
    private partial void LogNote(string note);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: e-stop not wired on the emulator; reported closed")]
    private partial void LogEStopEmulator();

    [LoggerMessage(Level = LogLevel.Warning, Message = "control: no e-stop, inhibit or arm line wired on {Board}; e-stop reported closed for the {Actuator}")]
    private partial void LogEStopNotWired(string board, string actuator);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: e-stop on GPIO {EStop}, inhibit on {Inhibit}, arm button on {Arm} (-1: not wired), read every tick")]
    private partial void LogSwitches(int eStop, int inhibit, int arm);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: board watchdog process {Pid} mirrors every heartbeat and goes neutral {Timeout} ms after the last; state in {File}")]
    private partial void LogBoardWatchdog(int pid, string file, int timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: arming needs {How}")]
    private partial void LogArming(string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: supervisor thread {Scheduling}, tick {Period:0.0} ms")]
    private partial void LogLoopThread(string scheduling, double period);

    [LoggerMessage(Level = LogLevel.Information, Message = "supervisor: {From} -> {To} {Reason}: {Message} (at {Time:0.0} ms)")]
    private partial void LogEvent(SupervisorState from, SupervisorState to, SupervisorReason reason, string message, double time);

    [LoggerMessage(Level = LogLevel.Information, Message = "STOP {Reason}: output {Output} {FromLastGood:0.0} ms after the last good frame, {FromFault:0.0} ms after the fault '{Fault}' was injected (STOP tick {Tick:0.0} ms, neutral by {NeutralBy:0.0} ms, last good frame {LastGood:0.0} ms, injected {Injected:0.0} ms) | {Platform}")]
    private partial void LogStopAfterFault(SupervisorReason reason, string output, double fromLastGood, double fromFault, string fault, double tick, double neutralBy, double lastGood, double injected, string platform);

    [LoggerMessage(Level = LogLevel.Information, Message = "STOP {Reason}: output {Output} {FromLastGood:0.0} ms after the last good frame (STOP tick {Tick:0.0} ms, neutral by {NeutralBy:0.0} ms, last good frame {LastGood:0.0} ms) | {Platform}")]
    private partial void LogStopAfterFrame(SupervisorReason reason, string output, double fromLastGood, double tick, double neutralBy, double lastGood, string platform);

    [LoggerMessage(Level = LogLevel.Information, Message = "STOP {Reason}: output {Output} {FromTick:0.0} ms after the tick that saw it (STOP tick {Tick:0.0} ms, neutral by {NeutralBy:0.0} ms) | {Platform}")]
    private partial void LogStop(SupervisorReason reason, string output, double fromTick, double tick, double neutralBy, string platform);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: auto-arm (Control:AutoArmOnEmulator): preconditions hold, arm requested as LocalCli at {Time:0.0} ms")]
    private partial void LogAutoArm(double time);

    [LoggerMessage(Level = LogLevel.Information, Message = "platform: simulated-wheelchair x {X:0.00} m y {Y:0.00} m heading {Heading:0.0} deg speed {Speed:0.00} m/s turn {Turn:0.00} rad/s | command {Command} | supervisor {Supervisor} | {Ticks} ticks, longest interval {MaxInterval:0.0} ms")]
    private partial void LogWheelchair(double x, double y, double heading, double speed, double turn, string command, string supervisor, long ticks, double maxInterval);

    [LoggerMessage(Level = LogLevel.Information, Message = "platform: simulated-hand {Joints} | grip {Grip} | supervisor {Supervisor} | {Ticks} ticks, longest interval {MaxInterval:0.0} ms")]
    private partial void LogHand(string joints, string grip, string supervisor, long ticks, double maxInterval);

    [LoggerMessage(Level = LogLevel.Information, Message = "platform: {Actuator} output {Output} | supervisor {Supervisor} | {Ticks} ticks, longest interval {MaxInterval:0.0} ms")]
    private partial void LogActuator(string actuator, string output, string supervisor, long ticks, double maxInterval);

    [LoggerMessage(Level = LogLevel.Critical, Message = "control: pipeline fault reported to the supervisor: {Message}")]
    private partial void LogPipelineFault(string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "control: tick {Interval:0.0} ms after the previous one (at {Time:0.0} ms)")]
    private partial void LogLateTick(double interval, double time);

    [LoggerMessage(Level = LogLevel.Critical, Message = "control: the tick observer threw {Type}: {Message}; the supervisor latches SafeStop (PipelineException)")]
    private partial void LogObserverFailed(string type, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "console: not read, the firmware runs in the background of its terminal (reading would stop the process); run it in the foreground to type arm, disarm, stop")]
    private partial void LogConsoleBackground();

    [LoggerMessage(Level = LogLevel.Information, Message = "{Scope}: {Kind} requested on the {Channel} ({Origin})")]
    private partial void LogRequest(string scope, RequestKind kind, string channel, RequestOrigin origin);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel}: '{Line}' -> {Reply}")]
    private partial void LogLocalReply(string channel, string line, string reply);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: local commands on {Path} (edgebci arm|disarm|stop|state; this user and root only)")]
    private partial void LogCommandSocket(string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: command socket off (Control:CommandSocket)")]
    private partial void LogCommandSocketOff();

    [LoggerMessage(Level = LogLevel.Warning, Message = "control: no command socket at {Path}: {Reason}; the arm button and the console remain")]
    private partial void LogCommandSocketFailed(string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: supervisor loop stopped after {Ticks} ticks, longest interval {MaxInterval:0.0} ms")]
    private partial void LogLoopStopped(long ticks, double maxInterval);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: switched off; {Actuator} output {Output}, released")]
    private partial void LogSwitchedOff(string actuator, string output);
}

/// <summary>Timestamps of the acquisition clock (<see cref="TimeProvider.GetTimestamp"/>) on the control clock.</summary>
internal static class ControlTime
{
    /// <summary>The same conversion as <see cref="ControlClock.MonotonicNow"/>, for a timestamp taken earlier.</summary>
    public static TimeSpan ToControlTime(this TimeProvider time, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(time);
        var frequency = time.TimestampFrequency;
        if (frequency == TimeSpan.TicksPerSecond)
        {
            return TimeSpan.FromTicks(timestamp);
        }

        var seconds = timestamp / frequency;
        var remainder = timestamp % frequency;
        return TimeSpan.FromTicks((seconds * TimeSpan.TicksPerSecond) + (remainder * TimeSpan.TicksPerSecond / frequency));
    }
}
