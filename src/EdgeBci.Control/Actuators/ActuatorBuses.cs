using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Pwm;
using System.Device.Spi;

namespace EdgeBci.Control.Actuators;

/// <summary>
/// The unit's buses as a registration's factory opens them: the real ones on the unit (<see cref="UnitBuses"/>),
/// recording fakes in tests. Each handle returned belongs to the caller.
/// </summary>
public interface IActuatorBuses
{
    SpiDevice OpenSpi(SpiConnectionSettings settings);

    I2cDevice OpenI2c(I2cConnectionSettings settings);

    /// <summary>Linux PWM chip <paramref name="chip"/> (/sys/class/pwm/pwmchipN), channel <paramref name="channel"/>, duty 0.</summary>
    PwmChannel OpenPwm(int chip, int channel, int frequencyHz);

    GpioController OpenGpio();
}

/// <summary>The unit's own SPI, I2C, PWM and GPIO through System.Device.</summary>
public sealed class UnitBuses : IActuatorBuses
{
    public static UnitBuses Instance { get; } = new();

    private UnitBuses()
    {
    }

    public SpiDevice OpenSpi(SpiConnectionSettings settings) => SpiDevice.Create(settings);

    public I2cDevice OpenI2c(I2cConnectionSettings settings) => I2cDevice.Create(settings);

    public PwmChannel OpenPwm(int chip, int channel, int frequencyHz) => PwmChannel.Create(chip, channel, frequencyHz, 0);

    public GpioController OpenGpio() => new();
}
