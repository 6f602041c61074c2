using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Streaming;
using EdgeBci.Control;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Supervision;
using EdgeBci.Decoding.Live;
using EdgeBci.Signal.Quality;

namespace EdgeBci.Firmware;

/// <summary>
/// The safety core of the firmware: every actuator command goes through the supervisor it runs. Feeds
/// <see cref="ControlInputs"/> from every stage (the acquisition thread's last good frame and lead-off bits, the signal
/// stage's railing and quality verdicts, each decision and the decoder's health from the decoding stage, the e-stop,
/// inhibit and arm lines on a real board), runs <see cref="SupervisorLoop"/> at <c>Control:TickHz</c> and logs every
/// supervisor event. Exceptions of the other stages (their catch blocks, and any unhandled exception in the process) are
/// pipeline faults: SafeStop. Stopping the host is switch-off: the loop is disposed (neutral, Disarmed), then the
/// actuator. Nothing here knows the console, the command socket or the emulator: the operator side
/// (<see cref="OperatorRequests"/>, <see cref="LocalOperator"/>) and the reports (<see cref="StopReport"/>,
/// <see cref="PlatformReport"/>) watch it through <see cref="Ticked"/> and <see cref="SupervisorEventRaised"/>.
/// </summary>
internal sealed partial class SupervisorService : IHostedService
{
    private readonly ControlStage _stage;
    private readonly AcquisitionService _acquisition;
    private readonly SignalService _signal;
    private readonly DecodingService _decoding;
    private readonly TimeProvider _time;
    private readonly ILogger<SupervisorService> _logger;
    private readonly ControlInputs _inputs;
    private readonly IActuator _actuator;
    private readonly IReadOnlyList<string> _channelNames;

    // Written on the loop thread only.
    private long _lastFrameTimestamp;
    private ulong _leadOff;
    private ulong _railing;
    private ulong _bad;
    private ulong _settling;
    private readonly ChannelCondition[] _settlingFrom;
    private bool _channelsReported;
    private bool _raised;
    private TimeSpan? _previousTick;

    private SupervisorLoop? _loop;
    private ControlPipeline? _pipeline;

    public SupervisorService(ControlStage stage, FrontEnd frontEnd, AcquisitionService acquisition, SignalService signal, DecodingService decoding,
        TimeProvider time, ILogger<SupervisorService> logger)
    {
        _stage = stage;
        _acquisition = acquisition;
        _signal = signal;
        _decoding = decoding;
        _time = time;
        _logger = logger;
        _inputs = stage.Inputs;
        _actuator = stage.Actuator ?? throw new InvalidOperationException("The control stage's devices are not open.");
        _channelNames = frontEnd.ChannelNames;
        _settlingFrom = new ChannelCondition[_channelNames.Count];

        // Subscribed before any stage starts, so no decision and no status change is missed.
        decoding.DecisionMade += OnDecision;
        decoding.StatusChanged += OnDecoderStatus;

        // A changed model takes over only while the platform is still: Disarmed or SafeStop, and not ramping down.
        decoding.SwapPermitted = () => _loop?.Last is { State: SupervisorState.Disarmed or SupervisorState.SafeStop, Ramping: false };
        decoding.Faulted += ReportPipelineFault;
        signal.Faulted += ReportPipelineFault;
        acquisition.Faulted += ReportPipelineFault;
    }

    public ControlStage Stage => _stage;

    /// <summary>Where operator requests and every stage's observations go.</summary>
    public ControlInputs Inputs => _inputs;

    /// <summary>The last tick's output (state, command, events).</summary>
    public SupervisorOutput? Last => _loop?.Last;

    /// <summary>The observations the last tick was given.</summary>
    public SupervisorInputs LastInputs { get; private set; } = new();

    /// <summary>Control-clock time of the last frame the acquisition thread read, as the supervisor last saw it.</summary>
    public TimeSpan? LastFrameTime { get; private set; }

    /// <summary>The STOP rule that latched SafeStop, while latched.</summary>
    public SupervisorReason? LatchedReason => _pipeline?.Supervisor.LatchedReason;

    /// <summary>The model (id and version) the supervisor was last armed with.</summary>
    public string? ArmedModel => _pipeline?.Supervisor.ArmedModel;

    /// <summary>Ticks so far: the loop's progress, for the service watchdog.</summary>
    public long Ticks => _loop?.Ticks ?? 0;

    /// <summary>The channels the supervisor requires good.</summary>
    public IReadOnlyList<string> RequiredChannels => _stage.Options.RequiredChannels;

    /// <summary>The longest interval between two supervisor ticks so far.</summary>
    public TimeSpan LongestTickInterval => _loop?.MaxInterval ?? TimeSpan.Zero;

    /// <summary>The driven actuator (the emulation link around it, when there is one).</summary>
    public IActuator ActuatorDevice => _actuator;

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
    /// Raised on the supervisor's thread after every tick, once its events are logged and raised. Handlers must return
    /// at once; a throw is a pipeline fault (SafeStop).
    /// </summary>
    public event Action<SupervisorOutput>? Ticked;

    /// <summary>
    /// Raised on the supervisor's thread with every supervisor event, after it is logged. Handlers must return at once
    /// and not throw (a throw is a pipeline fault: SafeStop).
    /// </summary>
    public event Action<SupervisorEvent>? SupervisorEventRaised;

    /// <summary>Raised with every pipeline fault reported to the supervisor (a stage's catch block, an unhandled exception).</summary>
    public event Action<string>? PipelineFaulted;

    public Task StartAsync(CancellationToken cancellationToken)
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
            LogSwitches(options.EStopPin, options.EStopSecondPin, options.EStopSecondContact, options.InhibitPin, options.ArmButtonPin);

            // A line that is not wired is not read, and the supervisor starts from the unsafe reading: said explicitly here.
            // An e-stop without a line passed the start-up checks only where the board cuts the actuator's power in hardware.
            if (options.InhibitPin < 0)
            {
                _inputs.SetInhibit(false);
            }

            if (options.EStopPin < 0)
            {
                _inputs.SetEStopClosed(true);
            }
        }


        AppDomain.CurrentDomain.UnhandledException += OnUnhandledException;
        var pipeline = new ControlPipeline(new SafetySupervisor(options), _actuator);
        _pipeline = pipeline;
        _loop = new SupervisorLoop(pipeline, Gather, _time, Observe);
        _loop.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
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
        return Task.CompletedTask;
    }

    /// <summary>A request from an operator (the console, the socket, the network, the emulator's automatic arm).</summary>
    public void Request(OperatorRequest request) => _inputs.Request(request);

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
                LastFrameTime = _time.ToControlTime(timestamp);
                _inputs.ReportFrame(LastFrameTime.Value);
            }

            ReportChannels(counters.ElectrodesOff, _signal.RailingMask, _signal.BadQualityMask, _signal.SettlingMask);
        }

        LastInputs = _inputs.Snapshot();
        return LastInputs;
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
    /// After each tick, on the loop thread: events to the log and to the watchers. If this throws, the loop latches
    /// SafeStop without calling it again for that event, so the failure is logged here first.
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
            SupervisorEventRaised?.Invoke(supervisorEvent);
        }

        Ticked?.Invoke(output);
    }

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

        // The supervisor arms only with a known model, names it in the Armed event, and stops if it changes while armed.
        _inputs.SetModel(status.ModelId is { } id ? $"{id} v{status.ModelVersion}" : null);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "control: actuator {Actuator}, supervisor at {TickHz} Hz, frame timeout {FrameTimeout} ms, hop {Hop} ms, decision max age {MaxAge} ms, evidence {Evidence:0.00} / confidence {Confidence:0.00} held {Dwell} ms to move, heartbeat timeout {Heartbeat} ms, required channels {Channels}")]
    private partial void LogConfiguration(string actuator, int tickHz, int frameTimeout, int hop, int maxAge, double evidence, double confidence, int dwell, int heartbeat, string channels);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: {Note}")]
    private partial void LogNote(string note);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: e-stop not wired on the emulator; reported closed")]
    private partial void LogEStopEmulator();

    [LoggerMessage(Level = LogLevel.Warning, Message = "control: no e-stop, inhibit or arm line wired on {Board}; e-stop reported closed for the {Actuator}")]
    private partial void LogEStopNotWired(string board, string actuator);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: e-stop on GPIO {EStop} (second channel {EStopSecond}, {Contact} contact), inhibit on {Inhibit}, arm button on {Arm} (-1: not wired); e-stop edges watched, every line read every tick")]
    private partial void LogSwitches(int eStop, int eStopSecond, string contact, int inhibit, int arm);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: supervisor thread {Scheduling}, tick {Period:0.0} ms")]
    private partial void LogLoopThread(string scheduling, double period);

    [LoggerMessage(Level = LogLevel.Information, Message = "supervisor: {From} -> {To} {Reason}: {Message} (at {Time:0.0} ms)")]
    private partial void LogEvent(SupervisorState from, SupervisorState to, SupervisorReason reason, string message, double time);

    [LoggerMessage(Level = LogLevel.Critical, Message = "control: pipeline fault reported to the supervisor: {Message}")]
    private partial void LogPipelineFault(string message);

    [LoggerMessage(Level = LogLevel.Debug, Message = "control: tick {Interval:0.0} ms after the previous one (at {Time:0.0} ms)")]
    private partial void LogLateTick(double interval, double time);

    [LoggerMessage(Level = LogLevel.Critical, Message = "control: the tick observer threw {Type}: {Message}; the supervisor latches SafeStop (PipelineException)")]
    private partial void LogObserverFailed(string type, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: supervisor loop stopped after {Ticks} ticks, longest interval {MaxInterval:0.0} ms")]
    private partial void LogLoopStopped(long ticks, double maxInterval);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: switched off; {Actuator} output {Output}, released")]
    private partial void LogSwitchedOff(string actuator, string output);
}
