using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Pwm;
using System.Device.Spi;
using System.Globalization;

namespace EdgeBci.Control.Actuators.Emulation;

/// <summary>
/// The actuator board on the emulator: what the real drivers (joystick-dac, differential-drive, prosthetic-hand) open
/// through <see cref="ActuatorFactory"/> is emulated here, an <see cref="EmulatedMcp4922"/> on SPI (its LDAC following the
/// configured line), an <see cref="EmulatedPca9685"/> on I2C, <see cref="EmulatedPwmChannel"/>s, and one
/// <see cref="EmulatedGpioChip"/> for every GPIO line (direction, enable, LDAC, and the deadman lines beside them).
/// <see cref="Describe"/> reads back what the devices output now.
/// </summary>
public sealed class EmulatedActuatorBuses : IActuatorBuses
{
    private readonly ControlOptions _options;
    private readonly List<EmulatedPwmChannel> _pwm = [];

    public EmulatedActuatorBuses(ControlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        Gpio.Subscribe(write =>
        {
            if (write.Line == _options.Joystick.LdacPin && Dac is { } dac)
            {
                dac.SetLdac(write.Value);
            }
        });
    }

    public EmulatedGpioChip Gpio { get; } = new();

    /// <summary>The joystick DAC, once opened.</summary>
    public EmulatedMcp4922? Dac { get; private set; }

    /// <summary>The hand's PWM controller, once opened.</summary>
    public EmulatedPca9685? Pca9685 { get; private set; }

    public IReadOnlyList<EmulatedPwmChannel> PwmChannels => _pwm;

    public SpiDevice OpenSpi(SpiConnectionSettings settings) =>
        Dac = new EmulatedMcp4922(settings, _options.Joystick.ReferenceVolts, ldacWired: _options.Joystick.LdacPin >= 0);

    public I2cDevice OpenI2c(I2cConnectionSettings settings) => Pca9685 = new EmulatedPca9685(settings);

    public PwmChannel OpenPwm(int chip, int channel, int frequencyHz)
    {
        var pwm = new EmulatedPwmChannel(chip, channel, frequencyHz);
        _pwm.Add(pwm);
        return pwm;
    }

    public GpioController OpenGpio() => new(Gpio.CreateDriver());

    /// <summary>What the emulated devices drive now, e.g. "MCP4922 A 3.000 V, B 2.500 V"; empty when nothing was opened.</summary>
    public string Describe()
    {
        if (Dac is { } dac)
        {
            return "MCP4922 " + dac.Describe();
        }

        if (Pca9685 is { } pca)
        {
            return "PCA9685 " + pca.Describe();
        }

        if (_pwm.Count == 2)
        {
            var drive = _options.DifferentialDrive;
            return string.Create(CultureInfo.InvariantCulture,
                $"PWM left {_pwm[0].EffectiveDuty:0.000} {Direction(drive.LeftDirectionPin, drive.InvertLeft)}, right {_pwm[1].EffectiveDuty:0.000} {Direction(drive.RightDirectionPin, drive.InvertRight)}{Enable(drive.EnablePin)}");
        }

        return string.Empty;
    }

    private string Direction(int line, bool inverted) => (Gpio.Level(line) == PinValue.High) != inverted ? "forward" : "reverse";

    private string Enable(int line) => line < 0 ? string.Empty : Gpio.Level(line) == PinValue.High ? ", EN high" : ", EN low";
}
