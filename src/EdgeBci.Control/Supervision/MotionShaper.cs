using EdgeBci.Control.Actuators;

namespace EdgeBci.Control.Supervision;

/// <summary>
/// Output shaping while moving: acceleration and deceleration ramps on the linear and angular axes within the speed
/// and turn-rate limits. A controlled stop ramps the command down with <see cref="RampDown"/> at the configured
/// decelerations; an emergency stop does not pass through here: <see cref="Stop"/> zeroes the command at once and the
/// platform brakes at the fastest it can (its own controller's deceleration).
/// </summary>
public sealed class MotionShaper
{
    /// <summary>A step after a stall is shaped as if at most this much time had passed, so a late tick cannot jump.</summary>
    public static readonly TimeSpan MaxStep = TimeSpan.FromMilliseconds(50);

    private readonly CommandLimits _limits;
    private readonly double _acceleration;
    private readonly double _deceleration;
    private readonly double _angularAcceleration;
    private readonly double _angularDeceleration;
    private double _linear;
    private double _angular;

    public MotionShaper(ControlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limits = CommandLimits.From(options);
        _acceleration = options.Acceleration;
        _deceleration = options.Deceleration;
        _angularAcceleration = options.AngularAcceleration;
        _angularDeceleration = options.AngularDeceleration;
    }

    public ActuatorCommand Current => new(_linear, _angular);

    /// <summary>The shaped command is neutral (nothing to ramp down).</summary>
    public bool IsStopped => _linear == 0 && _angular == 0;

    /// <summary>One step of <paramref name="elapsed"/> toward <paramref name="target"/>; grip postures pass through.</summary>
    public ActuatorCommand Step(ActuatorCommand target, TimeSpan elapsed)
    {
        var clamped = _limits.Clamp(target);
        if (clamped.Grip is not null || clamped.IsNeutral)
        {
            Stop();
            return clamped;
        }

        var seconds = Math.Clamp(elapsed.TotalSeconds, 0, MaxStep.TotalSeconds);
        _linear = Ramp(_linear, clamped.LinearSpeed, _acceleration * seconds, _deceleration * seconds);
        _angular = Ramp(_angular, clamped.TurnRate, _angularAcceleration * seconds, _angularDeceleration * seconds);
        return _limits.Clamp(new ActuatorCommand(_linear, _angular));
    }

    /// <summary>
    /// One step of a controlled stop: each axis toward zero by its deceleration over <paramref name="elapsed"/>, never
    /// past zero and never up. A late tick is not capped here (unlike <see cref="Step"/>): slowing more is never unsafe,
    /// and the ramp keeps the real time it was given.
    /// </summary>
    public ActuatorCommand RampDown(TimeSpan elapsed)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0);
        _linear = Settle(Ramp(_linear, 0, 0, _deceleration * seconds));
        _angular = Settle(Ramp(_angular, 0, 0, _angularDeceleration * seconds));
        return _limits.Clamp(new ActuatorCommand(_linear, _angular));
    }

    /// <summary>What is left of a ramp after rounding (0.8 − 80 × 0.01 is not exactly 0) is zero, not one more tick.</summary>
    private static double Settle(double value) => Math.Abs(value) < 1e-9 ? 0 : value;

    public void Stop()
    {
        _linear = 0;
        _angular = 0;
    }

    /// <summary>Toward <paramref name="target"/> by at most <paramref name="up"/> when speeding up, <paramref name="down"/> when slowing; a reversal passes through zero.</summary>
    internal static double Ramp(double current, double target, double up, double down)
    {
        if (current != 0 && Math.Sign(target) != Math.Sign(current))
        {
            var slowed = Math.Abs(current) - down;
            return slowed <= 0 ? 0 : Math.CopySign(slowed, current);
        }

        var magnitude = Math.Abs(current);
        var goal = Math.Abs(target);
        var next = goal > magnitude ? Math.Min(goal, magnitude + up) : Math.Max(goal, magnitude - down);
        return Math.CopySign(next, target);
    }
}
