using System.Device.Pwm;

namespace EdgeBci.Control.Actuators.Emulation;

/// <summary>
/// A PWM channel of the emulated actuator board (a sysfs pwmchip channel on a unit): frequency, duty cycle 0..1 (a
/// value outside is refused as the kernel refuses a duty above the period) and whether it runs. Thread-safe enough for
/// one writer and readers of its last values.
/// </summary>
public sealed class EmulatedPwmChannel : PwmChannel
{
    private double _duty;
    private int _frequency;
    private bool _disposed;

    public EmulatedPwmChannel(int chip, int channel, int frequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(chip);
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(frequency, 0);
        Chip = chip;
        Channel = channel;
        _frequency = frequency;
    }

    public int Chip { get; }

    public int Channel { get; }

    public override int Frequency
    {
        get => Volatile.Read(ref _frequency);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, 0);
            Volatile.Write(ref _frequency, value);
        }
    }

    public override double DutyCycle
    {
        get => Volatile.Read(ref _duty);
        set
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (value is < 0 or > 1 || double.IsNaN(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"pwmchip{Chip}/pwm{Channel}: the duty cycle is 0..1.");
            }

            Volatile.Write(ref _duty, value);
        }
    }

    public bool Running { get; private set; }

    /// <summary>The duty the channel drives now: 0 while stopped.</summary>
    public double EffectiveDuty => Running ? DutyCycle : 0;

    public override void Start() => Running = true;

    public override void Stop() => Running = false;

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        Running = false;
        base.Dispose(disposing);
    }
}
