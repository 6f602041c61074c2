using EdgeBci.Control.Actuators;

namespace EdgeBci.Control.Supervision;

/// <summary>
/// The safety supervisor: a deterministic state machine between the decoder and the actuator. It owns no thread, no
/// clock and no device: each <see cref="Tick"/> takes the time and what is observed as plain values and returns the
/// shaped command and the transitions, so every rule can be tested with exact times. Anything it does not hear about in
/// time means STOP.
/// <list type="bullet">
/// <item>Switch-on goes Boot → Disarmed with neutral outputs whatever intent is present; arming needs a local action
/// (where the arm button is wired, a CLI request confirmed by the button, see <see cref="ArmConfirmation"/>) and every
/// precondition, and after arming a move intent must first be released (a stop or a low-evidence decision) and then
/// built up again, so an intent present at switch-on or at arming never moves the platform.</item>
/// <item>Moving needs the policy's move intent with evidence above its threshold for the dwell time; stopping needs
/// nothing (rest, a confidence drop, a changed class).</item>
/// <item>Two kinds of stop (<see cref="StopKind"/>): an intent stop or a disarm is controlled, the command ramps down at
/// the configured decelerations while every precondition holds; every fault, a stop request, switch-off and the
/// obstacle input are emergency stops, the command is neutral in the same tick. Any fault during a ramp cuts it at
/// once. SafeStop latches until the cause has cleared and a local action re-arms.</item>
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
    private readonly StopRules _rules;
    private readonly ArmConfirmation _confirmation;
    private readonly bool _inhibitStopsAll;
    private readonly TimeSpan _dwell;

    private List<SupervisorEvent>? _events;
    private TimeSpan? _lastTick;
    private long _pipelineFaultsSeen;
    private bool _releasedSinceArm;
    private IntentCommand? _dwellIntent;
    private TimeSpan _dwellSince;
    private IntentCommand? _activeIntent;
    private TimeSpan? _latchedAt;
    private bool _ramping;
    private string? _armedModel;

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
        _rules = new StopRules(options);
        _confirmation = new ArmConfirmation(required: options.ArmButtonPin >= 0);
        _inhibitStopsAll = options.InhibitMode == InhibitModes.StopAll;
        _dwell = options.Dwell;
    }

    public SupervisorState State { get; private set; } = SupervisorState.Boot;

    /// <summary>The STOP rule that latched SafeStop, while latched.</summary>
    public SupervisorReason? LatchedReason { get; private set; }

    /// <summary>The intent being executed while Active.</summary>
    public IntentCommand? ActiveIntent => _activeIntent;

    /// <summary>The model identity the supervisor was armed with, until it is no longer armed and the platform has stopped.</summary>
    public string? ArmedModel => _armedModel;

    /// <summary>A controlled stop is ramping the command down.</summary>
    public bool Ramping => _ramping;

    /// <summary>The arm button must confirm a CLI arm request (<see cref="ControlOptions.ArmButtonPin"/> is wired).</summary>
    public bool RequiresArmConfirmation => _confirmation.Required;

    /// <summary>The CLI arm request waiting for the arm button, if any.</summary>
    public OperatorRequest? PendingArm => _confirmation.Pending;

    public CommandLimits Limits => _limits;

    public ControlOptions Options => _options;

    /// <summary>Armed or Active, or still ramping down after a disarm: a fault now is a STOP from (possible) motion.</summary>
    private bool Engaged => State is SupervisorState.Armed or SupervisorState.Active || _ramping;

    /// <summary>One supervisor step at <paramref name="now"/> (control clock) on what is observed.</summary>
    public SupervisorOutput Tick(TimeSpan now, SupervisorInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        _events = null;
        var elapsed = _lastTick is { } last ? now - last : TimeSpan.Zero;
        _lastTick = now;
        _rules.Observe(inputs.LastDecision);

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
            if (Engaged)
            {
                Latch(now, SupervisorReason.PipelineException, message);
            }
            else
            {
                Record(now, State, SupervisorReason.PipelineException, message);
            }
        }

        if (_confirmation.Expire(now) is { } expired)
        {
            Record(now, State, SupervisorReason.ArmExpired, ControlOptions.Invariant(
                $"the arm request by {expired.Describe()} was not confirmed by the arm button within {ArmConfirmation.Window.TotalSeconds:0} s"));
        }

        var requests = inputs.Requests ?? [];
        var armRequested = HandleStopsAndRefusals(now, requests);
        var fault = _rules.Find(now, inputs, _armedModel);
        if (Engaged && fault is { } stop)
        {
            Latch(now, stop.Reason, stop.Message);
        }

        if (armRequested && State is SupervisorState.Disarmed or SupervisorState.SafeStop)
        {
            HandleArmRequests(now, inputs, fault, requests);
        }

        if (State is SupervisorState.Armed or SupervisorState.Active)
        {
            EvaluateIntent(now, inputs);
        }

        if (_ramping && inputs.InhibitTripped && (_inhibitStopsAll || _shaper.Current.LinearSpeed != 0))
        {
            // The obstacle input does not wait for a comfortable stop: what it guards stops at the platform's fastest.
            CutToNeutral();
            Record(now, State, SupervisorReason.Inhibited, $"obstacle/inhibit input tripped during a controlled stop: neutral at once ({_options.InhibitMode})");
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

    /// <summary>Switch-off while driving: neutral at once (no ramp), Disarmed.</summary>
    public SupervisorOutput Shutdown(TimeSpan now)
    {
        _events = null;
        if (State != SupervisorState.Disarmed || _ramping)
        {
            Transition(now, SupervisorState.Disarmed, SupervisorReason.Shutdown, "switch-off: outputs neutral");
        }

        ClearIntent();
        CutToNeutral();
        _confirmation.Clear();
        return Output(now, TimeSpan.Zero);
    }

    /// <summary>Stops and disarms take effect here, remote arms and moves are refused; true when a local arm is among them.</summary>
    private bool HandleStopsAndRefusals(TimeSpan now, IReadOnlyList<OperatorRequest> requests)
    {
        var localArm = false;
        OperatorRequest? winner = null;
        foreach (var request in requests)
        {
            switch (request.Kind)
            {
                case RequestKind.Stop:
                    winner ??= request;
                    _confirmation.Clear();
                    if (request.IsLocal)
                    {
                        Latch(now, SupervisorReason.LocalStop, $"stop requested on the unit ({request.Describe()})");
                    }
                    else
                    {
                        Latch(now, SupervisorReason.RemoteStop, $"stop requested remotely ({request.Describe()})");
                    }

                    break;
                case RequestKind.Disarm:
                    winner ??= request;
                    _confirmation.Clear();
                    if (State != SupervisorState.Disarmed)
                    {
                        var reason = request.IsLocal ? SupervisorReason.LocalDisarm : SupervisorReason.RemoteDisarm;
                        Transition(now, SupervisorState.Disarmed, reason, $"disarmed ({request.Describe()})" + (_shaper.IsStopped ? "" : "; ramping down"));
                        ClearIntent();
                        BeginRamp();
                    }

                    break;
                case RequestKind.Arm when request.IsLocal:
                    localArm = true;
                    break;
                case RequestKind.Arm:
                    Record(now, State, SupervisorReason.RequestRefused, $"a remote request ({request.Describe()}) may stop or disarm, never arm");
                    break;
                default:
                    Record(now, State, SupervisorReason.RequestRefused, $"a {request.Describe()} request to move is refused: movement comes only from decoded intent");
                    break;
            }
        }

        // A stop or disarm in the same tick wins over an arm, whatever the order they arrived in.
        if (localArm && winner is { } won)
        {
            RefuseArmsBeaten(now, requests, won);
            return false;
        }

        return localArm;
    }

    /// <summary>Each local arm of this tick is refused by name: the caller is told nothing was armed, and by what.</summary>
    private void RefuseArmsBeaten(TimeSpan now, IReadOnlyList<OperatorRequest> requests, OperatorRequest winner)
    {
        var what = winner.Kind == RequestKind.Stop ? "stop" : "disarm";
        foreach (var request in requests)
        {
            if (request.Kind == RequestKind.Arm && request.IsLocal)
            {
                Record(now, State, SupervisorReason.ArmRefused,
                    $"cannot arm: a {what} in the same tick ({winner.Describe()}) wins over an arm; requested by {request.Describe()}");
            }
        }
    }

    /// <summary>The local arm requests of this tick, in order: arm at once, or through the button's confirmation.</summary>
    private void HandleArmRequests(TimeSpan now, SupervisorInputs inputs, Fault? fault, IReadOnlyList<OperatorRequest> requests)
    {
        if (!_confirmation.Required)
        {
            OperatorRequest? last = null;
            foreach (var request in requests)
            {
                if (request.Kind == RequestKind.Arm && request.IsLocal)
                {
                    last = request;
                }
            }

            TryArm(now, inputs, fault, last!.Value, confirmed: false);
            return;
        }

        foreach (var request in requests)
        {
            if (request.Kind != RequestKind.Arm || !request.IsLocal || State is not (SupervisorState.Disarmed or SupervisorState.SafeStop))
            {
                continue;
            }

            if (request.Origin == RequestOrigin.LocalCli && _latchedAt == now)
            {
                // Typed before anyone could see this STOP: it does not open a window that a press could confirm later.
                Record(now, State, SupervisorReason.ArmRefused, $"cannot arm: {LatchedReason} latched in this tick; requested by {request.Describe()}");
            }
            else if (request.Origin == RequestOrigin.LocalCli)
            {
                _confirmation.Open(request, now);
                Record(now, State, SupervisorReason.ArmPending, ControlOptions.Invariant(
                    $"arm requested by {request.Describe()}; press the arm button within {ArmConfirmation.Window.TotalSeconds:0} s"));
            }
            else if (_confirmation.Confirm(now) is { } pending)
            {
                TryArm(now, inputs, fault, pending, confirmed: true);
            }
            else
            {
                Record(now, State, SupervisorReason.ArmRefused, $"the arm button confirms an 'edgebci arm' request; none pending ({request.Describe()})");
            }
        }
    }

    private void TryArm(TimeSpan now, SupervisorInputs inputs, Fault? fault, OperatorRequest request, bool confirmed)
    {
        var who = request.Describe() + (confirmed ? ", confirmed by the arm button" : "");

        // Refusals name the caller when the channel knows one (and the confirming button), after the reason.
        var asked = request.Caller is { Length: > 0 } || confirmed ? $"; requested by {who}" : "";
        if (_latchedAt == now)
        {
            // The operator cannot have seen this STOP yet: an arm pressed in the same tick does not clear it.
            Record(now, State, SupervisorReason.ArmRefused, $"cannot arm: {LatchedReason} latched in this tick{asked}");
            return;
        }

        if (fault is { } refused)
        {
            Record(now, State, SupervisorReason.ArmRefused, $"cannot arm: {refused.Message} ({refused.Reason}){asked}");
            return;
        }

        if (!FocusOk(inputs))
        {
            Record(now, State, SupervisorReason.ArmRefused, ControlOptions.Invariant($"cannot arm: focus {inputs.Focus?.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} is below {_options.FocusThreshold:0.00}{asked}"));
            return;
        }

        var from = State == SupervisorState.SafeStop ? $" after {LatchedReason}" : "";
        LatchedReason = null;
        _armedModel = inputs.ModelIdentity;
        Transition(now, SupervisorState.Armed, SupervisorReason.Armed, $"armed by {who} with model '{_armedModel}'{from}; a move intent must be released and built up again");
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

        // A new move waits for a controlled stop to finish: the command only decreases until it is neutral.
        if (now - _dwellSince >= _dwell && !_ramping)
        {
            _activeIntent = intent;
            _dwellIntent = null;
            Transition(now, SupervisorState.Active, SupervisorReason.MoveStarted,
                ControlOptions.Invariant($"'{IntentCommands.Name(intent)}' from '{decision.ClassName}', evidence {decision.Evidence:0.00} held {(now - _dwellSince).TotalMilliseconds:0} ms"));
        }
    }

    private bool FocusOk(SupervisorInputs inputs) =>
        !_options.RequireFocus || (inputs.Focus is { } focus && focus >= _options.FocusThreshold);

    private bool Inhibits(IntentCommand intent) =>
        _inhibitStopsAll || IntentCommands.IsGrip(intent) || IntentCommands.Translates(intent);

    /// <summary>Back to Armed; a controlled stop ramps the command down, the obstacle input cuts it.</summary>
    private void StopIntent(TimeSpan now, SupervisorReason reason, string message)
    {
        var controlled = SupervisorReasons.StopKindOf(reason) == StopKind.Controlled;
        Transition(now, SupervisorState.Armed, reason, message + (controlled && !_shaper.IsStopped ? "; ramping down" : ""));
        ClearIntent();
        if (controlled)
        {
            BeginRamp();
        }
        else
        {
            CutToNeutral();
        }
    }

    private void Latch(TimeSpan now, SupervisorReason reason, string message)
    {
        ClearIntent();
        CutToNeutral();
        _confirmation.Clear();
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
    }

    /// <summary>A controlled stop: the shaper's command ramps down from where it is (nothing to do when it is neutral).</summary>
    private void BeginRamp() => _ramping = !_shaper.IsStopped;

    /// <summary>An emergency stop: neutral in this tick.</summary>
    private void CutToNeutral()
    {
        _ramping = false;
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
        else if (_ramping)
        {
            command = _shaper.RampDown(elapsed);
            _ramping = !command.IsNeutral;
        }
        else
        {
            _shaper.Stop();
            command = ActuatorCommand.Neutral;
        }

        if (!_ramping && State is not (SupervisorState.Armed or SupervisorState.Active))
        {
            _armedModel = null;
        }

        return new SupervisorOutput(now, State, command, _activeIntent, _events ?? NoEvents, _ramping);
    }
}
