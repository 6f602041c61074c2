using System.Globalization;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control;

/// <summary>The actuator names accepted by <see cref="ControlOptions.Actuator"/>.</summary>
public static class ActuatorKinds
{
    public const string SimulatedWheelchair = "simulated-wheelchair";
    public const string JoystickDac = "joystick-dac";
    public const string DifferentialDrive = "differential-drive";
    public const string ProstheticHand = "prosthetic-hand";
    public const string SimulatedHand = "simulated-hand";

    public static IReadOnlyList<string> All { get; } = [SimulatedWheelchair, JoystickDac, DifferentialDrive, ProstheticHand, SimulatedHand];

    public static bool IsHand(string kind) => kind is ProstheticHand or SimulatedHand;
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

    /// <summary>Accumulated evidence a move intent needs, and must keep, to move (0.5..1).</summary>
    public double EvidenceThreshold { get; set; } = 0.8;

    /// <summary>The current window's confidence below which a move stops at once (0..1).</summary>
    public double MinConfidence { get; set; } = 0.5;

    /// <summary>How long a move intent must hold above <see cref="EvidenceThreshold"/> before it moves.</summary>
    public int DwellMs { get; set; } = 500;

    /// <summary>Rate of the supervisor's own tick, independent of the decoder.</summary>
    public int TickHz { get; set; } = 100;

    /// <summary>No EEG frame for longer than this is a STOP.</summary>
    public int FrameTimeoutMs { get; set; } = 20;

    /// <summary>The decoder's hop between decisions; no new decision for two hops is a STOP.</summary>
    public int HopMs { get; set; } = 250;

    /// <summary>A decision describing data older than this (now minus the window's last sample) is a STOP.</summary>
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
    /// Wheelchair: feet → forward, left → turn-left, right → turn-right, rest → stop. Hand: left → grip-open,
    /// right → grip-close, feet → grip-pinch, rest → stop.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultPolicy(string actuator) => ActuatorKinds.IsHand(actuator)
        ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["left"] = IntentCommands.GripOpen,
            ["right"] = IntentCommands.GripClose,
            ["feet"] = IntentCommands.GripPinch,
            ["rest"] = IntentCommands.Stop,
        }
        : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["feet"] = IntentCommands.Forward,
            ["left"] = IntentCommands.TurnLeft,
            ["right"] = IntentCommands.TurnRight,
            ["rest"] = IntentCommands.Stop,
        };

    public TimeSpan TickPeriod => TimeSpan.FromSeconds(1.0 / TickHz);

    public TimeSpan FrameTimeout => TimeSpan.FromMilliseconds(FrameTimeoutMs);

    /// <summary>Two hops.</summary>
    public TimeSpan DecisionTimeout => TimeSpan.FromMilliseconds(2 * HopMs);

    public TimeSpan DecisionMaxAge => TimeSpan.FromMilliseconds(DecisionMaxAgeMs);

    public TimeSpan Dwell => TimeSpan.FromMilliseconds(DwellMs);

    public TimeSpan ActuatorAckTimeout => TimeSpan.FromMilliseconds(ActuatorAckTimeoutMs);

    public TimeSpan HeartbeatTimeout => TimeSpan.FromMilliseconds(HeartbeatTimeoutMs);

    /// <summary>Every problem at once, each naming its key, its value and what is allowed.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var actuatorKnown = ActuatorKinds.All.Contains(Actuator);
        if (!actuatorKnown)
        {
            errors.Add($"{Section}:Actuator = '{Actuator}' is not known; use {string.Join(", ", ActuatorKinds.All)}.");
        }

        ValidatePolicy(errors, actuatorKnown);
        Range(errors, nameof(EvidenceThreshold), EvidenceThreshold, 0.5, 1, "(a move needs at least even odds)");
        Range(errors, nameof(MinConfidence), MinConfidence, 0, 1);
        Range(errors, nameof(DwellMs), DwellMs, 0, 5000);
        Range(errors, nameof(TickHz), TickHz, 50, 1000, "(a detection must be possible within 20 ms)");
        Range(errors, nameof(FrameTimeoutMs), FrameTimeoutMs, 2, 50, "(the stop goal is 50 ms from the last good frame)");
        Range(errors, nameof(HopMs), HopMs, 10, 2000);
        if (DecisionMaxAgeMs < HopMs || DecisionMaxAgeMs > 5000)
        {
            errors.Add($"{Section}:DecisionMaxAgeMs = {DecisionMaxAgeMs} is out of range {HopMs} (HopMs) .. 5000.");
        }

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
        if (Actuator == ActuatorKinds.JoystickDac)
        {
            Joystick.Validate($"{Section}:{nameof(Joystick)}", errors);
        }
        else if (Actuator == ActuatorKinds.DifferentialDrive)
        {
            DifferentialDrive.Validate($"{Section}:{nameof(DifferentialDrive)}", MaxSpeed, errors);
        }
        else if (ActuatorKinds.IsHand(Actuator))
        {
            Hand.Validate($"{Section}:{nameof(Hand)}", errors);
        }

        return errors;
    }

    private void ValidatePolicy(List<string> errors, bool actuatorKnown)
    {
        foreach (var (className, command) in EffectivePolicy)
        {
            if (!IntentCommands.TryParse(command, out var intent))
            {
                errors.Add($"{Section}:Policy:{className} = '{command}' is not a command; use {string.Join(", ", IntentCommands.All)}.");
                continue;
            }

            if (!actuatorKnown || intent == IntentCommand.Stop)
            {
                continue;
            }

            var isGrip = IntentCommands.IsGrip(intent);
            if (isGrip != ActuatorKinds.IsHand(Actuator))
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
/// The wheelchair joystick port driven by a dual 12-bit DAC (MCP4922): channel A is the forward/back axis (Y), channel B
/// the left/right axis (X). A stick at rest reads <see cref="CentreVolts"/> on both.
/// </summary>
public sealed class JoystickDacOptions
{
    public int SpiBus { get; set; }

    public int ChipSelect { get; set; }

    /// <summary>SPI clock; the MCP4922 takes up to 20 MHz.</summary>
    public int ClockHz { get; set; } = 1_000_000;

    /// <summary>GPIO line of LDAC (both outputs change together on its falling edge); -1 when tied low.</summary>
    public int LdacPin { get; set; } = -1;

    /// <summary>The voltage on VREFA/VREFB (gain 1x: full scale is VREF).</summary>
    public double ReferenceVolts { get; set; } = 5.0;

    /// <summary>Neutral voltage of both axes, as the chair's joystick port expects.</summary>
    public double CentreVolts { get; set; } = 2.5;

    /// <summary>Voltage swing from the centre at full deflection.</summary>
    public double SpanVolts { get; set; } = 1.0;

    /// <summary>The chair's speed at full forward deflection, as its controller is programmed (m/s).</summary>
    public double FullScaleSpeed { get; set; } = 1.5;

    /// <summary>The chair's turn rate at full left/right deflection (rad/s).</summary>
    public double FullScaleTurnRate { get; set; } = 1.5;

    internal void Validate(string prefix, List<string> errors)
    {
        if (SpiBus < 0 || ChipSelect < 0)
        {
            errors.Add($"{prefix}:SpiBus/ChipSelect = {SpiBus}/{ChipSelect} must not be negative.");
        }

        if (ClockHz is < 1_000 or > 20_000_000)
        {
            errors.Add($"{prefix}:ClockHz = {ClockHz} is out of range 1000..20000000 (the MCP4922 takes up to 20 MHz).");
        }

        if (LdacPin < -1)
        {
            errors.Add($"{prefix}:LdacPin = {LdacPin} is not a GPIO line; use -1 for LDAC tied low.");
        }

        if (!(ReferenceVolts > 0 && ReferenceVolts <= 5.5))
        {
            errors.Add(ControlOptions.Invariant($"{prefix}:ReferenceVolts = {ReferenceVolts} is out of range 0..5.5 V."));
        }

        if (!(SpanVolts > 0) || !(CentreVolts - SpanVolts >= 0) || !(CentreVolts + SpanVolts <= ReferenceVolts))
        {
            errors.Add(ControlOptions.Invariant($"{prefix}:CentreVolts ± SpanVolts = {CentreVolts} ± {SpanVolts} V does not fit in 0..ReferenceVolts ({ReferenceVolts} V)."));
        }

        if (!(FullScaleSpeed > 0) || !(FullScaleTurnRate > 0))
        {
            errors.Add(ControlOptions.Invariant($"{prefix}:FullScaleSpeed/FullScaleTurnRate = {FullScaleSpeed}/{FullScaleTurnRate} must be above 0."));
        }
    }
}

/// <summary>A motor controller taking a PWM duty per wheel and a direction line per wheel.</summary>
public sealed class DifferentialDriveOptions
{
    /// <summary>Linux PWM chip (/sys/class/pwm/pwmchipN).</summary>
    public int PwmChip { get; set; }

    public int LeftPwmChannel { get; set; }

    public int RightPwmChannel { get; set; } = 1;

    public int PwmFrequencyHz { get; set; } = 20_000;

    /// <summary>Direction line of the left wheel: high drives it forward.</summary>
    public int LeftDirectionPin { get; set; } = 23;

    public int RightDirectionPin { get; set; } = 24;

    /// <summary>Motor controller enable (high runs, low brakes); -1 when not wired.</summary>
    public int EnablePin { get; set; } = -1;

    /// <summary>Distance between the drive wheels (m).</summary>
    public double TrackWidth { get; set; } = 0.55;

    /// <summary>Wheel speed at 100 % duty (m/s).</summary>
    public double WheelSpeedAtFullDuty { get; set; } = 2.0;

    /// <summary>Motors mounted mirrored: forward for this wheel is the direction line low.</summary>
    public bool InvertLeft { get; set; }

    public bool InvertRight { get; set; }

    internal void Validate(string prefix, double maxSpeed, List<string> errors)
    {
        if (PwmChip < 0 || LeftPwmChannel < 0 || RightPwmChannel < 0 || LeftPwmChannel == RightPwmChannel)
        {
            errors.Add($"{prefix}:PwmChip/LeftPwmChannel/RightPwmChannel = {PwmChip}/{LeftPwmChannel}/{RightPwmChannel}: not negative, and two different channels.");
        }

        if (PwmFrequencyHz is < 50 or > 100_000)
        {
            errors.Add($"{prefix}:PwmFrequencyHz = {PwmFrequencyHz} is out of range 50..100000.");
        }

        if (LeftDirectionPin < 0 || RightDirectionPin < 0 || LeftDirectionPin == RightDirectionPin || EnablePin < -1)
        {
            errors.Add($"{prefix}:LeftDirectionPin/RightDirectionPin/EnablePin = {LeftDirectionPin}/{RightDirectionPin}/{EnablePin}: two different lines, and an enable line or -1.");
        }

        if (!(TrackWidth is > 0.1 and < 2))
        {
            errors.Add(ControlOptions.Invariant($"{prefix}:TrackWidth = {TrackWidth} m is out of range 0.1..2."));
        }

        if (!(WheelSpeedAtFullDuty >= maxSpeed && WheelSpeedAtFullDuty <= 10))
        {
            errors.Add(ControlOptions.Invariant($"{prefix}:WheelSpeedAtFullDuty = {WheelSpeedAtFullDuty} m/s is out of range MaxSpeed ({maxSpeed})..10."));
        }
    }
}

/// <summary>One servo of the hand. Position 0 is fully extended (open), 1 fully flexed (closed).</summary>
public sealed class HandJointOptions
{
    public string Name { get; set; } = "";

    /// <summary>PCA9685 output 0..15.</summary>
    public int Channel { get; set; }

    /// <summary>Servo pulse at position 0 (µs).</summary>
    public double OpenPulseUs { get; set; } = 1000;

    /// <summary>Servo pulse at position 1 (µs).</summary>
    public double ClosedPulseUs { get; set; } = 2000;

    /// <summary>Mechanical limits of this joint within 0..1.</summary>
    public double MinPosition { get; set; }

    public double MaxPosition { get; set; } = 1;

    /// <summary>Rate limit, positions per second (1 = a full stroke per second).</summary>
    public double MaxRatePerSecond { get; set; } = 1.0;
}

/// <summary>The prosthetic hand: a PCA9685 at <see cref="Address"/> on I2C bus <see cref="I2cBus"/> driving one servo per joint.</summary>
public sealed class HandOptions
{
    public int I2cBus { get; set; } = 1;

    public int Address { get; set; } = 0x40;

    public double PwmFrequencyHz { get; set; } = 50;

    /// <summary>The servos; unset means <see cref="DefaultJoints"/> (configuration lists them whole).</summary>
    public HandJointOptions[] Joints { get; set; } = [];

    /// <summary>Thumb, index, middle, ring, little on outputs 0..4, 1000-2000 µs, a full stroke per second.</summary>
    public static HandJointOptions[] DefaultJoints =>
    [
        new() { Name = "thumb", Channel = 0 },
        new() { Name = "index", Channel = 1 },
        new() { Name = "middle", Channel = 2 },
        new() { Name = "ring", Channel = 3 },
        new() { Name = "little", Channel = 4 },
    ];

    /// <summary>The joints the hand runs: <see cref="Joints"/>, or the defaults when unset.</summary>
    public HandJointOptions[] EffectiveJoints => Joints.Length == 0 ? _defaultJoints ??= DefaultJoints : Joints;

    private HandJointOptions[]? _defaultJoints;

    internal void Validate(string prefix, List<string> errors)
    {
        if (I2cBus < 0 || Address is < 0x03 or > 0x77)
        {
            errors.Add($"{prefix}:I2cBus/Address = {I2cBus}/0x{Address:X2}: a bus number and a 7-bit address 0x03..0x77.");
        }

        if (!(PwmFrequencyHz is >= 24 and <= 1526))
        {
            errors.Add(ControlOptions.Invariant($"{prefix}:PwmFrequencyHz = {PwmFrequencyHz} is out of the PCA9685's range 24..1526 Hz."));
        }

        var joints = EffectiveJoints;
        if (joints.Length > 16)
        {
            errors.Add($"{prefix}:Joints has {joints.Length} entries; at most 16.");
        }

        var channels = new HashSet<int>();
        for (var i = 0; i < joints.Length; i++)
        {
            var joint = joints[i];
            var key = $"{prefix}:Joints:{i}";
            if (string.IsNullOrWhiteSpace(joint.Name))
            {
                errors.Add($"{key}:Name is empty.");
            }

            if (joint.Channel is < 0 or > 15 || !channels.Add(joint.Channel))
            {
                errors.Add($"{key}:Channel = {joint.Channel} is not a free PCA9685 output 0..15.");
            }

            if (!(joint.OpenPulseUs is >= 500 and <= 2500) || !(joint.ClosedPulseUs is >= 500 and <= 2500))
            {
                errors.Add(ControlOptions.Invariant($"{key}:OpenPulseUs/ClosedPulseUs = {joint.OpenPulseUs}/{joint.ClosedPulseUs} µs is out of the servo range 500..2500 µs."));
            }

            if (!(joint.MinPosition >= 0 && joint.MinPosition < joint.MaxPosition && joint.MaxPosition <= 1))
            {
                errors.Add(ControlOptions.Invariant($"{key}:MinPosition/MaxPosition = {joint.MinPosition}/{joint.MaxPosition}: 0 <= min < max <= 1."));
            }

            if (!(joint.MaxRatePerSecond is > 0 and <= 10))
            {
                errors.Add(ControlOptions.Invariant($"{key}:MaxRatePerSecond = {joint.MaxRatePerSecond} is out of range 0..10."));
            }
        }
    }
}
