namespace EdgeBci.Control;

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

    internal void Validate(string prefix, ICollection<string> errors)
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
