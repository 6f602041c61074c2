using EdgeBci.Control.Actuators;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>What one tick of a <see cref="PropertyScenario"/> fed the pipeline, and what came out.</summary>
internal readonly record struct TickObservation(
    TimeSpan Now,
    TimeSpan Interval,
    IntentDecision? Decision,
    IReadOnlyList<(SupervisorReason Reason, TimeSpan Detectable)> Faults,
    IReadOnlyList<OperatorRequest> Requests,
    bool Inhibit,
    bool FocusOk,
    string? ModelIdentity,
    bool TrippedBefore,
    bool PipelineFaulted,
    bool ActuatorThrew,
    SupervisorOutput Output,
    ActuatorCommand Applied);

/// <summary>
/// The property test's oracle: it knows only the inputs and the options, never the supervisor's internals, and checks
/// every tick. The invariant: never a non-neutral output while any STOP-rule precondition is false (every emergency
/// stop is neutral in the tick it is detected); a non-neutral output is either a move the inputs allow (armed by a
/// local action, confirmed by the button where it is wired, intent released and held for the dwell, confident, not
/// inhibited, focused) or a controlled stop that only decreases, at the configured decelerations, and that no new move
/// interrupts.
/// </summary>
internal sealed class PropertyOracle
{
    private readonly ControlOptions _options;
    private readonly IntentPolicy _policy;
    private readonly CommandLimits _limits;
    private readonly bool _confirm;
    private bool _boot = true;
    private bool _armed;
    private string? _armedModel;
    private TimeSpan? _pendingSince;
    private bool _released;
    private IntentCommand? _qualifying;
    private TimeSpan _qualifyingSince;
    private ActuatorCommand _previous;
    private bool _previousRamping;

    public PropertyOracle(ControlOptions options, CommandLimits limits)
    {
        _options = options;
        _policy = new IntentPolicy(options.EffectivePolicy);
        _limits = limits;
        _confirm = options.ArmButtonPin >= 0;
    }

    /// <summary>The model the oracle saw the unit armed with (for the swap fault).</summary>
    public string? ArmedModel => _armedModel;

    /// <summary>What kind of change the tick brought, for the statistics.</summary>
    public enum Change
    {
        None,
        Moving,
        Ramping,
        EmergencyStop,
        ControlledStopStarted,
        RampEnded,
    }

    public Change Check(in TickObservation tick)
    {
        var output = tick.Output;
        var applied = tick.Applied;
        UpdateArming(tick);

        var intent = tick.Decision is null ? IntentCommand.Stop : _policy.Map(tick.Decision.ClassName);
        var isMove = !IntentCommands.Target(intent, _limits).IsNeutral;
        var confident = tick.Decision is not null && tick.Decision.Evidence >= _options.EvidenceThreshold && tick.Decision.Confidence >= _options.MinConfidence;
        var inhibited = tick.Inhibit && (_options.InhibitMode == InhibitModes.StopAll || IntentCommands.Translates(intent));
        if (_armed && (!isMove || !confident))
        {
            _released = true;
        }

        if (_armed && _released && isMove && confident && !inhibited && tick.FocusOk && !tick.ActuatorThrew)
        {
            if (_qualifying != intent)
            {
                _qualifying = intent;
                _qualifyingSince = tick.Now;
            }
        }
        else
        {
            _qualifying = null;
        }

        if (tick.ActuatorThrew)
        {
            _armed = false;
            _pendingSince = null;
        }

        // Checked every tick: the message is built only on failure.
        if (output.State is SupervisorState.Armed or SupervisorState.Active != _armed)
        {
            Assert.Fail($"at {tick.Now} the supervisor is {output.State}; the inputs say armed = {_armed}");
        }

        var change = applied.IsNeutral ? CheckNeutral(tick) : CheckMoving(tick, intent, isMove, confident, inhibited);
        _previous = applied;
        _previousRamping = output.Ramping;
        if (!_armed && applied.IsNeutral)
        {
            _armedModel = null;
        }

        return change;
    }

    /// <summary>Arming as the inputs allow it: a local action (the button confirming a CLI request where wired), every precondition.</summary>
    private void UpdateArming(in TickObservation tick)
    {
        var engaged = _armed || !_previous.IsNeutral;
        var stopOrDisarm = false;
        foreach (var request in tick.Requests)
        {
            stopOrDisarm |= request.Kind is RequestKind.Stop or RequestKind.Disarm;
        }

        if (_pendingSince is { } since && tick.Now > since + ArmConfirmation.Window)
        {
            _pendingSince = null;
        }

        if (stopOrDisarm)
        {
            _pendingSince = null;
        }

        if (_boot)
        {
            _boot = false;
            return;
        }

        var latched = engaged && (tick.PipelineFaulted || tick.Faults.Count > 0 || (_armed && tick.TrippedBefore) || stopOrDisarm);
        if (latched || stopOrDisarm)
        {
            // A STOP is a new situation: an arm request from before it is not confirmed after it.
            _armed = false;
            _pendingSince = null;
        }

        if (_armed || latched || stopOrDisarm)
        {
            return;
        }

        var armAllowed = tick.Faults.Count == 0 && tick.FocusOk;
        foreach (var request in tick.Requests)
        {
            if (request.Kind != RequestKind.Arm || !request.IsLocal || _armed)
            {
                continue;
            }

            var honoured = !_confirm;
            if (_confirm && request.Origin == RequestOrigin.LocalCli)
            {
                _pendingSince = tick.Now;
            }
            else if (_confirm)
            {
                honoured = _pendingSince is { } pending && tick.Now <= pending + ArmConfirmation.Window;
                _pendingSince = null;
            }

            if (honoured && armAllowed)
            {
                _armed = true;
                _armedModel = tick.ModelIdentity;
                _released = false;
                _qualifying = null;
            }
        }
    }

    private Change CheckMoving(in TickObservation tick, IntentCommand intent, bool isMove, bool confident, bool inhibited)
    {
        var output = tick.Output;
        var applied = tick.Applied;
        var stopRequested = tick.Requests.Any(r => r.Kind == RequestKind.Stop);
        Assert.That(tick.Faults, Is.Empty, $"moving at {tick.Now} with {string.Join(", ", tick.Faults.Select(f => f.Reason))}");
        Assert.That(stopRequested || tick.PipelineFaulted || tick.TrippedBefore, Is.False, $"moving at {tick.Now} despite a stop request, a pipeline fault or a tripped watchdog");
        Assert.That(tick.Inhibit && (_options.InhibitMode == InhibitModes.StopAll || applied.LinearSpeed != 0), Is.False, $"{applied} at {tick.Now} while the inhibit input forbids it");
        Assert.That(applied.LinearSpeed, Is.InRange(-_limits.MaxReverseSpeed, _limits.MaxSpeed));
        Assert.That(Math.Abs(applied.TurnRate), Is.LessThanOrEqualTo(_limits.MaxTurnRate));
        if (output.Ramping)
        {
            // A controlled stop: only ever decreasing toward neutral, at the configured decelerations.
            Assert.That(output.State, Is.AnyOf(SupervisorState.Armed, SupervisorState.Disarmed));
            Assert.That(_previous.IsNeutral, Is.False, "a ramp continues a motion");
            var seconds = tick.Interval.TotalSeconds;
            AssertRampStep(_previous.LinearSpeed, applied.LinearSpeed, _options.Deceleration * seconds, "speed");
            AssertRampStep(_previous.TurnRate, applied.TurnRate, _options.AngularDeceleration * seconds, "turn rate");
            return _previousRamping ? Change.Ramping : Change.ControlledStopStarted;
        }

        Assert.That(_armed && output.State == SupervisorState.Active, $"moving at {tick.Now} while not armed by a local action since the last fault/stop");
        Assert.That(tick.FocusOk && _released && confident && isMove && !inhibited,
            $"moving at {tick.Now} without a held, confident, released, allowed intent ({intent}, confident {confident}, released {_released}, inhibited {inhibited}, focus {tick.FocusOk})");
        Assert.That(_qualifying, Is.EqualTo(intent), "the intent held without interruption");
        Assert.That(Direction(applied), Is.EqualTo(intent), $"the output {applied} is what '{tick.Decision!.ClassName}' asks for");
        if (_previous.IsNeutral)
        {
            Assert.That(tick.Now - _qualifyingSince, Is.GreaterThanOrEqualTo(_options.Dwell), "moves only after the dwell");
            Assert.That(output.Events.Any(e => e.Reason == SupervisorReason.MoveStarted));
        }
        else
        {
            Assert.That(_previousRamping, Is.False, $"a new move at {tick.Now} before the controlled stop ended");
            var step = Math.Min(tick.Interval.TotalSeconds, MotionShaper.MaxStep.TotalSeconds);
            Assert.That(Math.Abs(applied.LinearSpeed) - Math.Abs(_previous.LinearSpeed), Is.LessThanOrEqualTo((_options.Acceleration * step) + 1e-9));
            Assert.That(Math.Abs(applied.TurnRate) - Math.Abs(_previous.TurnRate), Is.LessThanOrEqualTo((_options.AngularAcceleration * step) + 1e-9));
            Assert.That(Direction(_previous), Is.EqualTo(intent), "no change of intent without a stop");
        }

        return Change.Moving;
    }

    private Change CheckNeutral(in TickObservation tick)
    {
        if (_previous.IsNeutral)
        {
            return Change.None;
        }

        var events = tick.Output.Events;
        if (events.Any(e => e.StopKind == StopKind.Emergency))
        {
            return Change.EmergencyStop;
        }

        // A controlled stop ending: its last step reaches neutral, never a jump from speed.
        Assert.That(_previousRamping || events.Any(e => e.StopKind == StopKind.Controlled), $"neutral at {tick.Now} from {_previous} without an emergency event or a ramp");
        var seconds = tick.Interval.TotalSeconds;
        Assert.That(Math.Abs(_previous.LinearSpeed), Is.LessThanOrEqualTo((_options.Deceleration * seconds) + 1e-9), "the ramp's last step");
        Assert.That(Math.Abs(_previous.TurnRate), Is.LessThanOrEqualTo((_options.AngularDeceleration * seconds) + 1e-9), "the ramp's last step");
        return _previousRamping ? Change.RampEnded : Change.ControlledStopStarted;
    }

    private static void AssertRampStep(double previous, double now, double down, string axis)
    {
        Assert.That(now == 0 || Math.Sign(now) == Math.Sign(previous), $"the {axis} keeps its sign while ramping down");
        Assert.That(Math.Abs(now), Is.LessThanOrEqualTo(Math.Max(0, Math.Abs(previous) - down) + 1e-9), $"the {axis} ramps down at least at its deceleration");
        Assert.That(Math.Abs(now), Is.GreaterThanOrEqualTo(Math.Abs(previous) - down - 1e-9), $"the {axis} ramps down no faster than its deceleration");
    }

    public static IntentCommand? Direction(ActuatorCommand command) => command switch
    {
        { LinearSpeed: > 0, TurnRate: 0 } => IntentCommand.Forward,
        { LinearSpeed: < 0, TurnRate: 0 } => IntentCommand.Backward,
        { LinearSpeed: 0, TurnRate: > 0 } => IntentCommand.TurnLeft,
        { LinearSpeed: 0, TurnRate: < 0 } => IntentCommand.TurnRight,
        _ => null,
    };
}
