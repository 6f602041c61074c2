using System.Globalization;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control;

/// <summary>The actuator names accepted by <see cref="ControlOptions.Actuator"/>; each kind is registered in <see cref="ActuatorRegistry"/>.</summary>
public static class ActuatorKinds
{
    public const string SimulatedWheelchair = "simulated-wheelchair";
    public const string JoystickDac = "joystick-dac";
    public const string DifferentialDrive = "differential-drive";
    public const string ProstheticHand = "prosthetic-hand";
    public const string SimulatedHand = "simulated-hand";

    /// <summary>Every registered kind's name, in <see cref="ActuatorRegistry.All"/>'s order.</summary>
    public static IReadOnlyList<string> All { get; } = Names();

    public static bool IsHand(string kind) => ActuatorRegistry.Find(kind) is { IsHand: true };

    private static string[] Names()
    {
        var names = new string[ActuatorRegistry.All.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = ActuatorRegistry.All[i].Name;
        }

        return names;
    }
}

/// <summary>What the obstacle/inhibit input stops (shared control).</summary>
public static class InhibitModes
{
    /// <summary>Translation (forward and reverse) is inhibited; turning in place is still allowed.</summary>
    public const string AllowTurn = "allow-turn";

    /// <summary>Every movement is inhibited.</summary>
    public const string StopAll = "stop-all";
}

/// <summary>
/// Configuration of the safety supervisor and the actuator (section "Control"); <see cref="Validate"/> names every bad
/// key. Speeds are m/s, turn rates rad/s, times milliseconds. The defaults are for indoor use, far below the 15 km/h
/// (4.2 m/s) the wheelchair standards allow for.
/// </summary>
public sealed class ControlOptions
{
    public const string Section = "Control";

    /// <summary>The highest <see cref="MaxSpeed"/> configuration may ask for (5.4 km/h, a walking pace).</summary>
    public const double SpeedCeiling = 1.5;

    /// <summary>The highest <see cref="MaxTurnRate"/> configuration may ask for (about 170 °/s).</summary>
    public const double TurnRateCeiling = 3.0;

    /// <summary>One of <see cref="ActuatorKinds"/>.</summary>
    public string Actuator { get; set; } = ActuatorKinds.SimulatedWheelchair;

    /// <summary>
    /// Decoded class → command (<see cref="IntentCommands"/>: stop, forward, backward, turn-left, turn-right, grip-open,
    /// grip-close, grip-pinch, grip-rest). A class that is not listed means stop. Empty means the actuator's default
    /// (<see cref="DefaultPolicy"/>); a configured policy replaces the default whole.
    /// </summary>
    public Dictionary<string, string> Policy { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The policy the supervisor runs: <see cref="Policy"/>, or the actuator's default when unset.</summary>
    public IReadOnlyDictionary<string, string> EffectivePolicy => Policy.Count == 0 ? DefaultPolicy(Actuator) : Policy;

    /// <summary>The lowest <see cref="EvidenceThreshold"/> configuration may ask for.</summary>
    public const double EvidenceThresholdFloor = 0.7;

    /// <summary>The lowest <see cref="MinConfidence"/> configuration may ask for.</summary>
    public const double MinConfidenceFloor = 0.5;

    /// <summary>The longest <see cref="DecisionMaxAgeMs"/> configuration may ask for.</summary>
    public const int DecisionMaxAgeCeilingMs = 1000;

    /// <summary>What the firmware adds to <see cref="HopMs"/> for <see cref="DecisionMaxAgeMs"/> when that is unset (the decoder's own latency).</summary>
    public const int DecisionMaxAgeMarginMs = 150;

    /// <summary>Accumulated evidence a move intent needs, and must keep, to move (<see cref="EvidenceThresholdFloor"/>..1).</summary>
    public double EvidenceThreshold { get; set; } = 0.8;

    /// <summary>The current window's confidence below which a move stops at once (<see cref="MinConfidenceFloor"/>..1).</summary>
    public double MinConfidence { get; set; } = 0.5;

    /// <summary>How long a move intent must hold above <see cref="EvidenceThreshold"/> before it moves; at least two hops.</summary>
    public int DwellMs { get; set; } = 500;

    /// <summary>Rate of the supervisor's own tick, independent of the decoder.</summary>
    public int TickHz { get; set; } = 100;

    /// <summary>No EEG frame for longer than this is a STOP.</summary>
    public int FrameTimeoutMs { get; set; } = 20;

    /// <summary>The decoder's hop between decisions; no new decision for two hops is a STOP.</summary>
    public int HopMs { get; set; } = 250;

    /// <summary>A decision describing data older than this (now minus the window's last sample) is a STOP; HopMs..1000.</summary>
    public int DecisionMaxAgeMs { get; set; } = 400;

    /// <summary>Forward speed limit, m/s; refused above <see cref="SpeedCeiling"/>.</summary>
    public double MaxSpeed { get; set; } = 0.8;

    /// <summary>Reverse speed limit, m/s (0 forbids reversing; at most <see cref="MaxSpeed"/>).</summary>
    public double MaxReverseSpeed { get; set; } = 0.3;

    /// <summary>Turn-rate limit, rad/s.</summary>
    public double MaxTurnRate { get; set; } = 0.8;

    /// <summary>Linear acceleration ramp, m/s².</summary>
    public double Acceleration { get; set; } = 0.5;

    /// <summary>Linear deceleration ramp while still moving, m/s². A STOP does not ramp: the command goes neutral at once.</summary>
    public double Deceleration { get; set; } = 1.0;

    /// <summary>Angular acceleration ramp, rad/s².</summary>
    public double AngularAcceleration { get; set; } = 2.0;

    /// <summary>Angular deceleration ramp while still turning, rad/s².</summary>
    public double AngularDeceleration { get; set; } = 4.0;

    /// <summary>
    /// The fastest the platform brakes when its command goes neutral, m/s² (the chair's own controller, or the motor
    /// controller's brake). The simulated wheelchair brakes at this rate on a STOP.
    /// </summary>
    public double PlatformMaxDeceleration { get; set; } = 2.0;

    /// <summary>The fastest the platform turns down a turn when its command goes neutral, rad/s².</summary>
    public double PlatformMaxAngularDeceleration { get; set; } = 6.0;

    /// <summary>One of <see cref="InhibitModes"/>.</summary>
    public string InhibitMode { get; set; } = InhibitModes.AllowTurn;

    /// <summary>Require the focus index above <see cref="FocusThreshold"/> to arm and to move.</summary>
    public bool RequireFocus { get; set; }

    public double FocusThreshold { get; set; } = 0.5;

    /// <summary>Channels the model needs; empty means every channel reported.</summary>
    public string[] RequiredChannels { get; set; } = [];

    /// <summary>The actuator not acknowledging for longer than this is a STOP.</summary>
    public int ActuatorAckTimeoutMs { get; set; } = 50;

    /// <summary>Each driver goes neutral by itself when its heartbeat is not refreshed for this long.</summary>
    public int HeartbeatTimeoutMs { get; set; } = 100;

    /// <summary>GPIO line of the local arm button (active low, pull-up); -1 when not wired (arm from the CLI).</summary>
    public int ArmButtonPin { get; set; } = -1;

    /// <summary>GPIO line of the e-stop loop (high while the circuit is closed; low, or a broken wire, is open); -1 when not wired.</summary>
    public int EStopPin { get; set; } = -1;

    /// <summary>
    /// GPIO line of the e-stop's second channel (its second contact); -1 = single channel. With two channels the e-stop
    /// reads closed only while both do, and a disagreement longer than 20 ms is a fault that keeps it open (hardware/estop.md).
    /// </summary>
    public int EStopSecondPin { get; set; } = -1;

    /// <summary>
    /// The second channel's contact (<see cref="EStopContacts"/>): "nc" reads like <see cref="EStopPin"/> (high while the
    /// loop is closed), "no" the opposite (low while closed, high while the e-stop is pressed).
    /// </summary>
    public string EStopSecondContact { get; set; } = EStopContacts.NormallyClosed;

    /// <summary>GPIO line of the obstacle/inhibit input (high while clear; low, or a broken wire, trips); -1 when not wired.</summary>
    public int InhibitPin { get; set; } = -1;

    public JoystickDacOptions Joystick { get; set; } = new();

    public DifferentialDriveOptions DifferentialDrive { get; set; } = new();

    public HandOptions Hand { get; set; } = new();

    /// <summary>
    /// The actuator's registered default (<see cref="ActuatorRegistration.DefaultPolicy"/>). Wheelchair: feet → forward,
    /// left → turn-left, right → turn-right, rest → stop. Hand: left → grip-open, right → grip-close, feet → grip-pinch,
    /// rest → stop. An unknown actuator (refused by <see cref="Validate()"/>) gets the wheelchair's.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultPolicy(string actuator) =>
        ActuatorRegistry.Find(actuator)?.DefaultPolicy() ?? DefaultPolicies.Wheelchair();

    public TimeSpan TickPeriod => TimeSpan.FromSeconds(1.0 / TickHz);

    public TimeSpan FrameTimeout => TimeSpan.FromMilliseconds(FrameTimeoutMs);

    /// <summary>Two hops.</summary>
    public TimeSpan DecisionTimeout => TimeSpan.FromMilliseconds(2 * HopMs);

    public TimeSpan DecisionMaxAge => TimeSpan.FromMilliseconds(DecisionMaxAgeMs);

    public TimeSpan Dwell => TimeSpan.FromMilliseconds(DwellMs);

    public TimeSpan ActuatorAckTimeout => TimeSpan.FromMilliseconds(ActuatorAckTimeoutMs);

    public TimeSpan HeartbeatTimeout => TimeSpan.FromMilliseconds(HeartbeatTimeoutMs);

    /// <summary>Every problem at once, each naming its key, its value and what is allowed.</summary>
    public IReadOnlyList<string> Validate() => Validate(ControlOptionSources.Configured);

    /// <summary>
    /// Every problem at once, each naming its key, its value and what is allowed; <paramref name="sources"/> says where
    /// <see cref="HopMs"/> and <see cref="DecisionMaxAgeMs"/> came from when the firmware derived them.
    /// </summary>
    public IReadOnlyList<string> Validate(ControlOptionSources sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var errors = new List<string>();
        var registration = ActuatorRegistry.Find(Actuator);
        if (registration is null)
        {
            errors.Add($"{Section}:Actuator = '{Actuator}' is not known; use {string.Join(", ", ActuatorKinds.All)}.");
        }

        ValidatePolicy(errors, registration);
        Range(errors, nameof(EvidenceThreshold), EvidenceThreshold, EvidenceThresholdFloor, 1, "(a move needs a clear majority of the accumulated evidence)");
        Range(errors, nameof(MinConfidence), MinConfidence, MinConfidenceFloor, 1, "(the window a move goes on must favour its class at least evenly)");
        Range(errors, nameof(TickHz), TickHz, 50, 1000, "(a detection must be possible within 20 ms)");
        Range(errors, nameof(FrameTimeoutMs), FrameTimeoutMs, 2, 50, "(the stop goal is 50 ms from the last good frame)");
        Range(errors, nameof(HopMs), HopMs, 10, 2000);
        ValidateDecisionTiming(errors, sources);

        if (!(MaxSpeed > 0 && MaxSpeed <= SpeedCeiling))
        {
            errors.Add(Invariant($"{Section}:MaxSpeed = {MaxSpeed} m/s is out of range; it must be above 0 and at most {SpeedCeiling} m/s ({SpeedCeiling * 3.6:0.#} km/h), far below the 15 km/h of the wheelchair standards."));
        }

        if (!(MaxReverseSpeed >= 0 && MaxReverseSpeed <= Math.Min(MaxSpeed, SpeedCeiling)))
        {
            errors.Add(Invariant($"{Section}:MaxReverseSpeed = {MaxReverseSpeed} m/s is out of range 0 .. MaxSpeed ({MaxSpeed})."));
        }

        if (!(MaxTurnRate > 0 && MaxTurnRate <= TurnRateCeiling))
        {
            errors.Add(Invariant($"{Section}:MaxTurnRate = {MaxTurnRate} rad/s is out of range; it must be above 0 and at most {TurnRateCeiling} rad/s."));
        }

        Positive(errors, nameof(Acceleration), Acceleration, 3);
        Positive(errors, nameof(Deceleration), Deceleration, 5);
        Positive(errors, nameof(AngularAcceleration), AngularAcceleration, 10);
        Positive(errors, nameof(AngularDeceleration), AngularDeceleration, 20);
        Positive(errors, nameof(PlatformMaxDeceleration), PlatformMaxDeceleration, 10);
        Positive(errors, nameof(PlatformMaxAngularDeceleration), PlatformMaxAngularDeceleration, 30);
        if (InhibitMode is not (InhibitModes.AllowTurn or InhibitModes.StopAll))
        {
            errors.Add($"{Section}:InhibitMode = '{InhibitMode}' is not known; use {InhibitModes.AllowTurn} or {InhibitModes.StopAll}.");
        }

        Range(errors, nameof(FocusThreshold), FocusThreshold, 0, 1);
        for (var i = 0; i < RequiredChannels.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(RequiredChannels[i]))
            {
                errors.Add($"{Section}:RequiredChannels:{i} is empty.");
            }
        }

        Range(errors, nameof(ActuatorAckTimeoutMs), ActuatorAckTimeoutMs, 10, 1000);
        if ((TickHz > 0 && HeartbeatTimeoutMs < 3 * 1000 / TickHz) || HeartbeatTimeoutMs > 1000)
        {
            errors.Add($"{Section}:HeartbeatTimeoutMs = {HeartbeatTimeoutMs} is out of range {(TickHz > 0 ? 3 * 1000 / TickHz : 0)} (three ticks) .. 1000.");
        }

        PinOrNone(errors, nameof(ArmButtonPin), ArmButtonPin);
        PinOrNone(errors, nameof(EStopPin), EStopPin);
        PinOrNone(errors, nameof(EStopSecondPin), EStopSecondPin);
        if (EStopSecondPin >= 0 && (EStopPin < 0 || EStopSecondPin == EStopPin || EStopSecondPin == InhibitPin || EStopSecondPin == ArmButtonPin))
        {
            errors.Add($"{Section}:EStopSecondPin = {EStopSecondPin} must be a line of its own beside EStopPin (the first channel) = {EStopPin}; InhibitPin = {InhibitPin}, ArmButtonPin = {ArmButtonPin}.");
        }

        if (EStopSecondContact is not (EStopContacts.NormallyClosed or EStopContacts.NormallyOpen))
        {
            errors.Add($"{Section}:EStopSecondContact = '{EStopSecondContact}' is not known; use {EStopContacts.NormallyClosed} (reads like EStopPin) or {EStopContacts.NormallyOpen} (reads the opposite).");
        }

        PinOrNone(errors, nameof(InhibitPin), InhibitPin);

        registration?.ValidateOptions(this, errors);
        return errors;
    }

    /// <summary>
    /// The dwell must span two hops, so that no single decision starts a movement, and a decision older than a second
    /// is no longer the wearer's present intent; both bounds name where the hop came from.
    /// </summary>
    private void ValidateDecisionTiming(List<string> errors, ControlOptionSources sources)
    {
        var hop = Invariant($"HopMs = {HopMs} ({sources.Hop})");
        var twoHops = 2 * (long)HopMs;
        if (DwellMs < twoHops || DwellMs > 5000)
        {
            errors.Add(Invariant($"{Section}:DwellMs = {DwellMs} is out of range {twoHops} (two hops, {hop}) .. 5000: a shorter dwell lets one or two decisions start a movement."));
        }

        if (sources.DecisionMaxAgeRaised && DecisionMaxAgeMs > DecisionMaxAgeCeilingMs)
        {
            errors.Add(Invariant($"{Section}:DecisionMaxAgeMs is unset and would be raised automatically to HopMs + {DecisionMaxAgeMarginMs} = {DecisionMaxAgeMs}, above its limit of {DecisionMaxAgeCeilingMs}: {Section}:HopMs = {HopMs} ({sources.Hop}) must be at most {DecisionMaxAgeCeilingMs - DecisionMaxAgeMarginMs} for the automatic value, or set {Section}:DecisionMaxAgeMs to at most {DecisionMaxAgeCeilingMs} and at least HopMs."));
        }
        else if (DecisionMaxAgeMs < HopMs || DecisionMaxAgeMs > DecisionMaxAgeCeilingMs)
        {
            errors.Add(Invariant($"{Section}:DecisionMaxAgeMs = {DecisionMaxAgeMs} is out of range {HopMs} ({hop}) .. {DecisionMaxAgeCeilingMs}: a decision about data older than a second is not what the wearer intends now."));
        }
    }

    private void ValidatePolicy(List<string> errors, ActuatorRegistration? registration)
    {
        foreach (var (className, command) in EffectivePolicy)
        {
            if (!IntentCommands.TryParse(command, out var intent))
            {
                errors.Add($"{Section}:Policy:{className} = '{command}' is not a command; use {string.Join(", ", IntentCommands.All)}.");
                continue;
            }

            if (registration is null || intent == IntentCommand.Stop)
            {
                continue;
            }

            var isGrip = IntentCommands.IsGrip(intent);
            if (isGrip != registration.IsHand)
            {
                errors.Add($"{Section}:Policy:{className} = '{command}' cannot drive a {Actuator}.");
            }
        }
    }

    private static void Range(List<string> errors, string key, double value, double low, double high, string why = "")
    {
        if (!(value >= low && value <= high))
        {
            errors.Add(Invariant($"{Section}:{key} = {value} is out of range {low}..{high}{(why.Length > 0 ? " " + why : "")}."));
        }
    }

    private static void Positive(List<string> errors, string key, double value, double high)
    {
        if (!(value > 0 && value <= high))
        {
            errors.Add(Invariant($"{Section}:{key} = {value} must be above 0 and at most {high}."));
        }
    }

    private static void PinOrNone(List<string> errors, string key, int pin)
    {
        if (pin < -1)
        {
            errors.Add($"{Section}:{key} = {pin} is not a GPIO line; use -1 for not wired.");
        }
    }

    internal static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Where <see cref="ControlOptions.HopMs"/> and <see cref="ControlOptions.DecisionMaxAgeMs"/> came from, so that a
/// refusal names the setting to change: the firmware derives both from the decoder when they are unset.
/// </summary>
/// <param name="Hop">How HopMs was set, as the messages quote it: "Control:HopMs", "from Decoding:HopSeconds = 0.25".</param>
/// <param name="DecisionMaxAgeRaised">DecisionMaxAgeMs was unset and raised automatically to HopMs + <see cref="ControlOptions.DecisionMaxAgeMarginMs"/>.</param>
public sealed record ControlOptionSources(string Hop, bool DecisionMaxAgeRaised)
{
    /// <summary>Both as configured in the Control section (the supervisor's and the tests' case).</summary>
    public static ControlOptionSources Configured { get; } = new($"{ControlOptions.Section}:{nameof(ControlOptions.HopMs)}", false);
}
