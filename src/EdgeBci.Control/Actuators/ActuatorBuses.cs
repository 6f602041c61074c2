using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Pwm;
using System.Device.Spi;

namespace EdgeBci.Control.Actuators;

/// <summary>
/// The buses a driver is opened on: the unit's own (<see cref="UnitActuatorBuses"/>), or the emulated actuator board
/// (<see cref="Emulation.EmulatedActuatorBuses"/>), so the emulator runs the same drivers on the same code path.
/// </summary>
public interface IActuatorBuses
{
    SpiDevice OpenSpi(SpiConnectionSettings settings);

    I2cDevice OpenI2c(I2cConnectionSettings settings);

    PwmChannel OpenPwm(int chip, int channel, int frequencyHz);

    GpioController OpenGpio();
}

/// <summary>The unit's spidev, i2c-dev, sysfs PWM and default gpiochip.</summary>
public sealed class UnitActuatorBuses : IActuatorBuses
{
    public static UnitActuatorBuses Instance { get; } = new();

    private UnitActuatorBuses()
    {
    }

    public SpiDevice OpenSpi(SpiConnectionSettings settings) => SpiDevice.Create(settings);

    public I2cDevice OpenI2c(I2cConnectionSettings settings) => I2cDevice.Create(settings);

    public PwmChannel OpenPwm(int chip, int channel, int frequencyHz) => PwmChannel.Create(chip, channel, frequencyHz, 0);

    public GpioController OpenGpio() => new();
}
