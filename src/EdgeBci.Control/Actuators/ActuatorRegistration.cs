using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Actuators;

/// <summary>What a kind of actuator asks of the unit's e-stop before it may be driven.</summary>
public enum EStopRule
{
    /// <summary>Nothing moves (a simulated platform): the e-stop may be left unwired.</summary>
    None,

    /// <summary>
    /// A real platform: <c>Control:EStopPin</c> must be wired, unless the board's profile declares that its e-stop cuts
    /// the actuator's power in hardware (<c>eStopHardwareCut</c>).
    /// </summary>
    WiredOrHardwareCut,
}

/// <summary>What a registration's factory gets: the validated options, the limits, the control clock and the unit's buses.</summary>
public sealed record ActuatorContext(ControlOptions Options, CommandLimits Limits, TimeProvider Time, IActuatorBuses Buses);

/// <summary>
/// Everything the unit knows about one kind of actuator, in one place beside its driver: the name
/// <c>Control:Actuator</c> spells, whether it is a hand and whether it is simulated, its default policy, the check of its
/// own options, its e-stop rule and how it is built on the unit's buses. <see cref="ActuatorRegistry.All"/> lists one per
/// kind, and <see cref="ActuatorKinds"/>, <see cref="ControlOptions"/>, <see cref="ActuatorFactory"/> and the firmware
/// read only that list: a new driver is its folder and one line there.
/// </summary>
public abstract class ActuatorRegistration
{
    /// <summary>One of <see cref="ActuatorKinds"/>: the configuration's spelling.</summary>
    public abstract string Name { get; }

    /// <summary>What it is, for messages: "wheelchair", "prosthetic hand".</summary>
    public abstract string Platform { get; }

    /// <summary>A hand takes grip commands; anything else takes motion commands.</summary>
    public abstract bool IsHand { get; }

    /// <summary>Nothing physical moves; the only kinds the emulator runs.</summary>
    public abstract bool IsSimulated { get; }

    /// <summary>A simulated platform needs no e-stop; a real one needs it wired, or cut in hardware by the board.</summary>
    public virtual EStopRule EStopRule => IsSimulated ? EStopRule.None : EStopRule.WiredOrHardwareCut;

    /// <summary>
    /// The policy when <c>Control:Policy</c> is unset (a new dictionary each call: the caller may keep it): the hand's or
    /// the wheelchair's.
    /// </summary>
    public virtual IReadOnlyDictionary<string, string> DefaultPolicy() => IsHand ? DefaultPolicies.Hand() : DefaultPolicies.Wheelchair();

    /// <summary>
    /// Adds a message naming the key for each of this kind's own options that is wrong. Every hand, real or simulated,
    /// runs the joints of <c>Control:Hand</c>; other kinds check their own section.
    /// </summary>
    public virtual void ValidateOptions(ControlOptions options, ICollection<string> errors)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (IsHand)
        {
            options.Hand.Validate($"{ControlOptions.Section}:{nameof(ControlOptions.Hand)}", errors);
        }
    }

    /// <summary>
    /// Opens what the driver needs through <see cref="ActuatorContext.Buses"/> and builds it; the options are valid.
    /// A handle opened before a failure is closed by <see cref="ActuatorFactory"/>.
    /// </summary>
    public abstract IActuator Create(ActuatorContext context);

    public override string ToString() => Name;
}

/// <summary>The default policies the registrations hand out.</summary>
public static class DefaultPolicies
{
    /// <summary>feet → forward, left → turn-left, right → turn-right, rest → stop.</summary>
    public static Dictionary<string, string> Wheelchair() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["feet"] = IntentCommands.Forward,
        ["left"] = IntentCommands.TurnLeft,
        ["right"] = IntentCommands.TurnRight,
        ["rest"] = IntentCommands.Stop,
    };

    /// <summary>left → grip-open, right → grip-close, feet → grip-pinch, rest → stop.</summary>
    public static Dictionary<string, string> Hand() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["left"] = IntentCommands.GripOpen,
        ["right"] = IntentCommands.GripClose,
        ["feet"] = IntentCommands.GripPinch,
        ["rest"] = IntentCommands.Stop,
    };
}
