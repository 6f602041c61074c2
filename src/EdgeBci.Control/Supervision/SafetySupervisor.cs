using EdgeBci.Control.Actuators;

namespace EdgeBci.Control.Supervision;

/// <summary>
/// The safety supervisor: a deterministic state machine between the decoder and the actuator. It owns no thread, no
/// clock and no device: each <see cref="Tick"/> takes the time and what is observed as plain values and returns the
/// shaped command and the transitions, so every rule can be tested with exact times. Anything it does not hear about in
/// time means STOP.
/// <list type="bullet">
/// <item>Switch-on goes Boot → Disarmed with neutral outputs whatever intent is present; arming needs a local action
/// and every precondition, and after arming a move intent must first be released (a stop or a low-evidence decision)
/// and then built up again, so an intent present at switch-on or at arming never moves the platform.</item>
/// <item>Moving needs the policy's move intent with evidence above its threshold for the dwell time; stopping needs
/// nothing (rest, a confidence drop, a changed class).</item>
/// <item>Every fault is a STOP: the command is neutral in the same tick, and SafeStop latches until the cause has
/// cleared and a local action re-arms.</item>
/// <item>Remote requests can stop or disarm; arming and moving from afar are refused and recorded.</item>
/// </list>
/// Not thread-safe: one thread ticks it (see <see cref="SupervisorLoop"/>).
/// </summary>
public sealed class SafetySupervisor
{
    private static readonly IReadOnlyList<SupervisorEvent> NoEvents = [];

    private readonly ControlOptions _options;
    private readonly IntentPolicy _policy;
    private readonly CommandLimits _limits;
    private readonly MotionShaper _shaper;
    private readonly HashSet<string>? _requiredChannels;
    private readonly bool _inhibitStopsAll;
    private readonly TimeSpan _frameTimeout;
    private readonly TimeSpan _decisionTimeout;
    private readonly TimeSpan _decisionMaxAge;
    private readonly TimeSpan _ackTimeout;
    private readonly TimeSpan _dwell;

    private List<SupervisorEvent>? _events;
    private TimeSpan? _lastTick;
    private bool _hasDecision;
    private long _lastSampleIndex;
    private TimeSpan _lastNewDecisionAt;
    private long _pipelineFaultsSeen;
    private bool _releasedSinceArm;
    private IntentCommand? _dwellIntent;
    private TimeSpan _dwellSince;
    private IntentCommand? _activeIntent;
    private TimeSpan? _latchedAt;

    public SafetySupervisor(ControlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Control options are not valid: " + string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _policy = new IntentPolicy(options.EffectivePolicy);
        _limits = CommandLimits.From(options);
        _shaper = new MotionShaper(options);
        _requiredChannels = options.RequiredChannels.Length == 0 ? null : new HashSet<string>(options.RequiredChannels, StringComparer.OrdinalIgnoreCase);
        _inhibitStopsAll = options.InhibitMode == InhibitModes.StopAll;
        _frameTimeout = options.FrameTimeout;
        _decisionTimeout = options.DecisionTimeout;
        _decisionMaxAge = options.DecisionMaxAge;
        _ackTimeout = options.ActuatorAckTimeout;
        _dwell = options.Dwell;
    }

    public SupervisorState State { get; private set; } = SupervisorState.Boot;

    /// <summary>The STOP rule that latched SafeStop, while latched.</summary>
    public SupervisorReason? LatchedReason { get; private set; }

    /// <summary>The intent being executed while Active.</summary>
    public IntentCommand? ActiveIntent => _activeIntent;

    public CommandLimits Limits => _limits;

    public ControlOptions Options => _options;

    /// <summary>One supervisor step at <paramref name="now"/> (control clock) on what is observed.</summary>
    public SupervisorOutput Tick(TimeSpan now, SupervisorInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        _events = null;
        var elapsed = _lastTick is { } last ? now - last : TimeSpan.Zero;
        _lastTick = now;
        TrackDecision(inputs.LastDecision);

        if (State == SupervisorState.Boot)
        {
            // Switch-on: whatever the decoder says and whatever was pressed before now, outputs are neutral and
            // arming needs a fresh local action.
            _pipelineFaultsSeen = inputs.PipelineFaults;
            Transition(now, SupervisorState.Disarmed, SupervisorReason.SwitchOn, "switch-on: outputs neutral; arming needs a local action");
            return Output(now, elapsed);
        }

        if (elapsed < TimeSpan.Zero)
        {
            Latch(now, SupervisorReason.PipelineException, ControlOptions.Invariant($"the control clock went backwards by {-elapsed.TotalMilliseconds:0.###} ms"));
            elapsed = TimeSpan.Zero;
        }

        if (inputs.PipelineFaults != _pipelineFaultsSeen)
        {
            _pipelineFaultsSeen = inputs.PipelineFaults;
            var message = "unhandled exception in the pipeline: " + (inputs.LastPipelineFault ?? "(no message)");
            if (State is SupervisorState.Armed or SupervisorState.Active)
            {
                Latch(now, SupervisorReason.PipelineException, message);
            }
            else
            {
                Record(now, State, SupervisorReason.PipelineException, message);
            }
        }

        var armRequested = HandleRequests(now, inputs.Requests ?? []);
        var fault = FindFault(now, inputs);
        switch (State)
        {
            case SupervisorState.Disarmed or SupervisorState.SafeStop when armRequested is { } origin:
                TryArm(now, inputs, fault, origin);
                break;
            case SupervisorState.Armed or SupervisorState.Active when fault is { } stop:
                Latch(now, stop.Reason, stop.Message);
                break;
        }

        if (State is SupervisorState.Armed or SupervisorState.Active)
        {
            EvaluateIntent(now, inputs);
        }

        return Output(now, elapsed);
    }

    /// <summary>
    /// A fault found outside the tick (the actuator threw, the loop caught an exception): SafeStop at once, neutral.
    /// </summary>
    public SupervisorOutput ReportFault(TimeSpan now, SupervisorReason reason, string message)
    {
        _events = null;
        if (!SupervisorReasons.IsLatching(reason))
        {
            throw new ArgumentOutOfRangeException(nameof(reason), reason, "Only STOP rules latch SafeStop.");
        }

        if (State == SupervisorState.Boot)
        {
            Transition(now, SupervisorState.Disarmed, SupervisorReason.SwitchOn, "switch-on: outputs neutral; arming needs a local action");
        }

        Latch(now, reason, message);
        return Output(now, TimeSpan.Zero);
    }

    /// <summary>Switch-off while driving: neutral at once, Disarmed.</summary>
    public SupervisorOutput Shutdown(TimeSpan now)
    {
        _events = null;
        if (State != SupervisorState.Disarmed)
        {
            Transition(now, SupervisorState.Disarmed, SupervisorReason.Shutdown, "switch-off: outputs neutral");
        }

        ClearIntent();
        return Output(now, TimeSpan.Zero);
    }

    private void TrackDecision(IntentDecision? decision)
    {
        if (decision is null)
        {
            return;
        }

        if (!_hasDecision || decision.SampleIndex != _lastSampleIndex)
        {
            _hasDecision = true;
            _lastSampleIndex = decision.SampleIndex;
            _lastNewDecisionAt = decision.ReceivedAt;
        }
    }

    /// <summary>Stops and disarms take effect here; returns the origin of a local arm request, if any.</summary>
    private RequestOrigin? HandleRequests(TimeSpan now, IReadOnlyList<OperatorRequest> requests)
    {
        RequestOrigin? arm = null;
        var stoppedOrDisarmed = false;
        foreach (var request in requests)
        {
            switch (request.Kind)
            {
                case RequestKind.Stop:
                    stoppedOrDisarmed = true;
                    if (request.IsLocal)
                    {
                        Latch(now, SupervisorReason.LocalStop, $"stop requested on the unit ({request.Origin})");
                    }
                    else
                    {
                        Latch(now, SupervisorReason.RemoteStop, "stop requested remotely");
                    }

                    break;
                case RequestKind.Disarm:
                    stoppedOrDisarmed = true;
                    if (State != SupervisorState.Disarmed)
                    {
                        var reason = request.IsLocal ? SupervisorReason.LocalDisarm : SupervisorReason.RemoteDisarm;
                        Transition(now, SupervisorState.Disarmed, reason, $"disarmed ({request.Origin})");
                        ClearIntent();
                    }

                    break;
                case RequestKind.Arm when request.IsLocal:
                    arm = request.Origin;
                    break;
                case RequestKind.Arm:
                    Record(now, State, SupervisorReason.RequestRefused, "a remote request may stop or disarm, never arm");
                    break;
                default:
                    Record(now, State, SupervisorReason.RequestRefused, $"a {request.Origin} request to move is refused: movement comes only from decoded intent");
                    break;
            }
        }

        // A stop or disarm in the same tick wins over an arm, whatever the order they arrived in.
        return stoppedOrDisarmed ? null : arm;
    }

    private void TryArm(TimeSpan now, SupervisorInputs inputs, Fault? fault, RequestOrigin origin)
    {
        if (_latchedAt == now)
        {
            // The operator cannot have seen this STOP yet: an arm pressed in the same tick does not clear it.
            Record(now, State, SupervisorReason.ArmRefused, $"cannot arm: {LatchedReason} latched in this tick");
            return;
        }

        if (fault is { } refused)
        {
            Record(now, State, SupervisorReason.ArmRefused, $"cannot arm: {refused.Message} ({refused.Reason})");
            return;
        }

        if (!FocusOk(inputs))
        {
            Record(now, State, SupervisorReason.ArmRefused, ControlOptions.Invariant($"cannot arm: focus {inputs.Focus?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} is below {_options.FocusThreshold:0.00}"));
            return;
        }

        var from = State == SupervisorState.SafeStop ? $" after {LatchedReason}" : "";
        LatchedReason = null;
        Transition(now, SupervisorState.Armed, SupervisorReason.Armed, $"armed by {origin}{from}; a move intent must be released and built up again");
        ClearIntent();
        _releasedSinceArm = false;
    }

    private void EvaluateIntent(TimeSpan now, SupervisorInputs inputs)
    {
        var decision = inputs.LastDecision!;
        var intent = _policy.Map(decision.ClassName);
        var target = IntentCommands.Target(intent, _limits);
        var isMove = !target.IsNeutral;
        var confident = decision.Evidence >= _options.EvidenceThreshold && decision.Confidence >= _options.MinConfidence;
        var inhibited = inputs.InhibitTripped && Inhibits(intent);
        var focusOk = FocusOk(inputs);

        if (State == SupervisorState.Active)
        {
            if (!isMove)
            {
                var why = _policy.IsKnown(decision.ClassName) ? $"decoded '{decision.ClassName}' means stop" : $"decoded '{decision.ClassName}' has no policy entry: stop";
                StopIntent(now, SupervisorReason.IntentStop, why);
            }
            else if (intent != _activeIntent)
            {
                StopIntent(now, SupervisorReason.IntentReleased, $"'{IntentCommands.Name(_activeIntent!.Value)}' released: decoded '{decision.ClassName}'");
            }
            else if (!confident)
            {
                StopIntent(now, SupervisorReason.ConfidenceDrop, ControlOptions.Invariant($"evidence {decision.Evidence:0.00} / confidence {decision.Confidence:0.00} below {_options.EvidenceThreshold:0.00} / {_options.MinConfidence:0.00}"));
            }
            else if (inhibited)
            {
                StopIntent(now, SupervisorReason.Inhibited, $"obstacle/inhibit input tripped: '{IntentCommands.Name(intent)}' inhibited ({_options.InhibitMode})");
            }
            else if (!focusOk)
            {
                StopIntent(now, SupervisorReason.FocusLow, "focus below its threshold");
            }

            return;
        }

        if (!isMove || !confident)
        {
            _releasedSinceArm = true;
            _dwellIntent = null;
            return;
        }

        if (!_releasedSinceArm || inhibited || !focusOk)
        {
            _dwellIntent = null;
            return;
        }

        if (_dwellIntent != intent)
        {
            _dwellIntent = intent;
            _dwellSince = now;
        }

        if (now - _dwellSince >= _dwell)
        {
            _activeIntent = intent;
            _dwellIntent = null;
            Transition(now, SupervisorState.Active, SupervisorReason.MoveStarted,
                ControlOptions.Invariant($"'{IntentCommands.Name(intent)}' from '{decision.ClassName}', evidence {decision.Evidence:0.00} held {(now - _dwellSince).TotalMilliseconds:0} ms"));
        }
    }

    private Fault? FindFault(TimeSpan now, SupervisorInputs inputs)
    {
        if (!inputs.EStopClosed)
        {
            return new(SupervisorReason.EStopOpen, "the e-stop circuit is open");
        }

        if (inputs.LastFrameTime is not { } frame)
        {
            return new(SupervisorReason.FrameTimeout, "no EEG frame received");
        }

        if (Late(now, frame, _frameTimeout))
        {
            return new(SupervisorReason.FrameTimeout, ControlOptions.Invariant($"last EEG frame {(now - frame).TotalMilliseconds:0.#} ms ago (bound {_frameTimeout.TotalMilliseconds:0} ms)"));
        }

        if (ChannelFault(inputs.Channels ?? []) is { } channel)
        {
            return channel;
        }

        if (!inputs.ModelVerified)
        {
            return new(SupervisorReason.ModelFault, "the model is not verified");
        }

        if (!inputs.DecoderHealthy)
        {
            return new(SupervisorReason.DecoderFault, "the decoder reports a failure");
        }

        if (inputs.LastDecision is not { } decision)
        {
            return new(SupervisorReason.DecisionTimeout, "no decision received");
        }

        if (Late(now, _lastNewDecisionAt, _decisionTimeout))
        {
            return new(SupervisorReason.DecisionTimeout, ControlOptions.Invariant($"no new decision for {(now - _lastNewDecisionAt).TotalMilliseconds:0.#} ms (bound two hops, {_decisionTimeout.TotalMilliseconds:0} ms)"));
        }

        if (Late(now, decision.DataTime, _decisionMaxAge))
        {
            return new(SupervisorReason.DecisionStale, ControlOptions.Invariant($"the decision describes data {(now - decision.DataTime).TotalMilliseconds:0.#} ms old (bound {_decisionMaxAge.TotalMilliseconds:0} ms)"));
        }

        if (inputs.ActuatorAcknowledged is not { } ack)
        {
            return new(SupervisorReason.ActuatorNoAck, "the actuator has not acknowledged");
        }

        if (Late(now, ack, _ackTimeout))
        {
            return new(SupervisorReason.ActuatorNoAck, ControlOptions.Invariant($"the actuator last acknowledged {(now - ack).TotalMilliseconds:0.#} ms ago (bound {_ackTimeout.TotalMilliseconds:0} ms)"));
        }

        return null;
    }

    private Fault? ChannelFault(IReadOnlyList<ChannelState> channels)
    {
        if (channels.Count == 0)
        {
            return new(SupervisorReason.ChannelQuality, "no channel quality reported");
        }

        if (_requiredChannels is not null)
        {
            foreach (var name in _requiredChannels)
            {
                var found = false;
                foreach (var channel in channels)
                {
                    if (string.Equals(channel.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        found = true;
                        break;
                    }
                }

                if (!found)
                {
                    return new(SupervisorReason.ChannelQuality, $"required channel {name} is not reported");
                }
            }
        }

        foreach (var channel in channels)
        {
            if (_requiredChannels is not null && !_requiredChannels.Contains(channel.Name))
            {
                continue;
            }

            if (channel.LeadOff)
            {
                return new(SupervisorReason.LeadOff, $"lead-off on {channel.Name}");
            }

            if (channel.Railing)
            {
                return new(SupervisorReason.Railing, $"{channel.Name} is railing");
            }

            if (!channel.QualityGood)
            {
                return new(SupervisorReason.ChannelQuality, $"{channel.Name} quality is bad");
            }

            if (channel.Settling)
            {
                // Reached only by a channel that was bad (which already stopped an armed unit) or has not been good for
                // the hold-off since switch-on: in effect an arming rule. A channel must have been good for the whole hold-off.
                return new(SupervisorReason.ChannelQuality, channel.SettlingReason is { } why
                    ? $"{channel.Name} has not been good for the quality hold-off yet (settling {why})"
                    : $"{channel.Name} has not been good for the quality hold-off yet");
            }
        }

        return null;
    }

    /// <summary>Older than the bound, or so far in the future that the producer's clock cannot be this one.</summary>
    private static bool Late(TimeSpan now, TimeSpan then, TimeSpan bound)
    {
        var age = now - then;
        return age > bound || age < -bound;
    }

    private bool FocusOk(SupervisorInputs inputs) =>
        !_options.RequireFocus || (inputs.Focus is { } focus && focus >= _options.FocusThreshold);

    private bool Inhibits(IntentCommand intent) =>
        _inhibitStopsAll || IntentCommands.IsGrip(intent) || IntentCommands.Translates(intent);

    private void StopIntent(TimeSpan now, SupervisorReason reason, string message)
    {
        Transition(now, SupervisorState.Armed, reason, message);
        ClearIntent();
    }

    private void Latch(TimeSpan now, SupervisorReason reason, string message)
    {
        ClearIntent();
        if (State == SupervisorState.SafeStop)
        {
            return;
        }

        LatchedReason = reason;
        _latchedAt = now;
        Transition(now, SupervisorState.SafeStop, reason, message);
    }

    private void ClearIntent()
    {
        _activeIntent = null;
        _dwellIntent = null;
        _shaper.Stop();
    }

    private void Transition(TimeSpan now, SupervisorState to, SupervisorReason reason, string message)
    {
        var from = State;
        State = to;
        Record(now, from, reason, message);
    }

    private void Record(TimeSpan now, SupervisorState from, SupervisorReason reason, string message) =>
        (_events ??= []).Add(new SupervisorEvent(now, from, State, reason, message));

    private SupervisorOutput Output(TimeSpan now, TimeSpan elapsed)
    {
        ActuatorCommand command;
        if (State == SupervisorState.Active && _activeIntent is { } intent)
        {
            command = _shaper.Step(IntentCommands.Target(intent, _limits), elapsed);
        }
        else
        {
            _shaper.Stop();
            command = ActuatorCommand.Neutral;
        }

        return new SupervisorOutput(now, State, command, _activeIntent, _events ?? NoEvents);
    }

    private readonly record struct Fault(SupervisorReason Reason, string Message);
}
