using System.Device.Pwm;

namespace EdgeBci.Control.Tests.Fakes;

/// <summary>A PWM channel recording every duty cycle it is given, and whether it runs.</summary>
public sealed class FakePwmChannel : PwmChannel
{
    private double _duty;

    public FakePwmChannel(int frequency = 20_000)
    {
        Frequency = frequency;
    }

    public override int Frequency { get; set; }

    public override double DutyCycle
    {
        get => _duty;
        set
        {
            ObjectDisposedException.ThrowIf(Disposed, this);
            if (FailNextWrites > 0)
            {
                FailNextWrites--;
                throw new IOException("simulated sysfs write error");
            }

            if (value is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Duty cycle is 0..1.");
            }

            _duty = value;
            Duties.Add(value);
        }
    }

    public List<double> Duties { get; } = [];

    public bool Running { get; private set; }

    public bool Disposed { get; private set; }

    public int FailNextWrites { get; set; }

    public override void Start() => Running = true;

    public override void Stop() => Running = false;

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
