namespace EdgeBci.Control.Actuators;

/// <summary>Hand postures the prosthesis moves to; each joint's target is in <see cref="HandPatterns"/>.</summary>
public enum GripPattern
{
    /// <summary>Every finger extended.</summary>
    Open,

    /// <summary>Power grip: every finger flexed around the object.</summary>
    Close,

    /// <summary>Thumb and index meet; the other fingers stay extended.</summary>
    Pinch,

    /// <summary>Relaxed, half-flexed posture.</summary>
    Rest,
}

/// <summary>
/// What the supervisor asks of a platform. A wheelchair takes <see cref="LinearSpeed"/> (m/s, forward positive) and
/// <see cref="TurnRate"/> (rad/s, counter-clockwise/left positive, REP-103); a hand takes <see cref="Grip"/>. The default
/// value is neutral: stand still, and for a hand hold every joint where it is (neither opening, which would drop what it
/// holds, nor closing further).
/// </summary>
public readonly record struct ActuatorCommand(double LinearSpeed, double TurnRate, GripPattern? Grip = null)
{
    public static ActuatorCommand Neutral => default;

    public bool IsNeutral => LinearSpeed == 0 && TurnRate == 0 && Grip is null;

    public static ActuatorCommand Motion(double linearSpeed, double turnRate) => new(linearSpeed, turnRate);

    public static ActuatorCommand Hand(GripPattern grip) => new(0, 0, grip);

    public override string ToString() => Grip is { } grip
        ? $"grip {grip}"
        : IsNeutral ? "neutral" : FormattableString.Invariant($"v {LinearSpeed:0.###} m/s, ω {TurnRate:0.###} rad/s");
}

/// <summary>
/// The platform limits every command is clamped to before it reaches a device. NaN or infinite values become neutral:
/// a number that is not a number never moves anything.
/// </summary>
public sealed record CommandLimits(double MaxSpeed, double MaxReverseSpeed, double MaxTurnRate)
{
    public ActuatorCommand Clamp(ActuatorCommand command)
    {
        if (!double.IsFinite(command.LinearSpeed) || !double.IsFinite(command.TurnRate))
        {
            return ActuatorCommand.Neutral;
        }

        if (command.Grip is { } grip)
        {
            return Enum.IsDefined(grip) ? ActuatorCommand.Hand(grip) : ActuatorCommand.Neutral;
        }

        var linear = Math.Clamp(command.LinearSpeed, -MaxReverseSpeed, MaxSpeed);
        var turn = Math.Clamp(command.TurnRate, -MaxTurnRate, MaxTurnRate);
        return new ActuatorCommand(linear, turn);
    }

    public static CommandLimits From(ControlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CommandLimits(options.MaxSpeed, options.MaxReverseSpeed, options.MaxTurnRate);
    }
}
