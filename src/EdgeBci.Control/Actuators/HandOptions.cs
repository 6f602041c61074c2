namespace EdgeBci.Control;

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

    internal void Validate(string prefix, ICollection<string> errors)
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
