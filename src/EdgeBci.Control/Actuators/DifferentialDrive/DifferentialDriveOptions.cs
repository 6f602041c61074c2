namespace EdgeBci.Control;

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

    internal void Validate(string prefix, double maxSpeed, ICollection<string> errors)
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
