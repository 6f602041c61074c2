using EdgeBci.Control.Actuators;

namespace EdgeBci.Control.Supervision;

/// <summary>What a decoded class asks for, through <see cref="ControlOptions.Policy"/>.</summary>
public enum IntentCommand
{
    Stop,
    Forward,
    Backward,
    TurnLeft,
    TurnRight,
    GripOpen,
    GripClose,
    GripPinch,
    GripRest,
}

/// <summary>The configuration spelling of <see cref="IntentCommand"/> and what each asks of the platform.</summary>
public static class IntentCommands
{
    public const string Stop = "stop";
    public const string Forward = "forward";
    public const string Backward = "backward";
    public const string TurnLeft = "turn-left";
    public const string TurnRight = "turn-right";
    public const string GripOpen = "grip-open";
    public const string GripClose = "grip-close";
    public const string GripPinch = "grip-pinch";
    public const string GripRest = "grip-rest";

    public static IReadOnlyList<string> All { get; } = [Stop, Forward, Backward, TurnLeft, TurnRight, GripOpen, GripClose, GripPinch, GripRest];

    public static bool TryParse(string? text, out IntentCommand command)
    {
        var index = -1;
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                index = i;
                break;
            }
        }

        command = index < 0 ? IntentCommand.Stop : (IntentCommand)index;
        return index >= 0;
    }

    public static string Name(IntentCommand command) => All[(int)command];

    public static bool IsGrip(IntentCommand command) => command is IntentCommand.GripOpen or IntentCommand.GripClose or IntentCommand.GripPinch or IntentCommand.GripRest;

    /// <summary>Does the command translate the platform (move it along the ground), as opposed to turning in place?</summary>
    public static bool Translates(IntentCommand command) => command is IntentCommand.Forward or IntentCommand.Backward;

    /// <summary>The unshaped target: full configured speed or turn rate, or a grip posture.</summary>
    public static ActuatorCommand Target(IntentCommand command, CommandLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return command switch
        {
            IntentCommand.Forward => ActuatorCommand.Motion(limits.MaxSpeed, 0),
            IntentCommand.Backward => ActuatorCommand.Motion(-limits.MaxReverseSpeed, 0),
            IntentCommand.TurnLeft => ActuatorCommand.Motion(0, limits.MaxTurnRate),
            IntentCommand.TurnRight => ActuatorCommand.Motion(0, -limits.MaxTurnRate),
            IntentCommand.GripOpen => ActuatorCommand.Hand(GripPattern.Open),
            IntentCommand.GripClose => ActuatorCommand.Hand(GripPattern.Close),
            IntentCommand.GripPinch => ActuatorCommand.Hand(GripPattern.Pinch),
            IntentCommand.GripRest => ActuatorCommand.Hand(GripPattern.Rest),
            _ => ActuatorCommand.Neutral,
        };
    }
}

/// <summary>Decoded class → command, from <see cref="ControlOptions.Policy"/>; an unlisted class is stop.</summary>
public sealed class IntentPolicy
{
    private readonly Dictionary<string, IntentCommand> _map = new(StringComparer.OrdinalIgnoreCase);

    public IntentPolicy(IReadOnlyDictionary<string, string> policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        foreach (var (className, command) in policy)
        {
            if (!IntentCommands.TryParse(command, out var intent))
            {
                throw new ArgumentException($"{ControlOptions.Section}:Policy:{className} = '{command}' is not a command.", nameof(policy));
            }

            _map[className] = intent;
        }
    }

    public IntentCommand Map(string? className) =>
        className is not null && _map.TryGetValue(className, out var intent) ? intent : IntentCommand.Stop;

    public bool IsKnown(string? className) => className is not null && _map.ContainsKey(className);
}
