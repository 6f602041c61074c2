using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Pwm;
using System.Device.Spi;
using EdgeBci.Control.Actuators.DifferentialDrive;
using EdgeBci.Control.Actuators.Mcp4922;
using EdgeBci.Control.Actuators.Pca9685;
using EdgeBci.Control.Actuators.Simulated;

namespace EdgeBci.Control.Actuators;

/// <summary>The actuator <see cref="ControlOptions.Actuator"/> names, on the unit's buses or simulated.</summary>
public static class ActuatorFactory
{
    public static IActuator Create(ControlOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Control options are not valid: " + string.Join(" ", errors), nameof(options));
        }

        var limits = CommandLimits.From(options);
        switch (options.Actuator)
        {
            case ActuatorKinds.SimulatedWheelchair:
                return new SimulatedWheelchair(options, time);
            case ActuatorKinds.SimulatedHand:
                return new SimulatedHand(options, time);
            case ActuatorKinds.JoystickDac:
            {
                var joystick = options.Joystick;
                var spi = SpiDevice.Create(new SpiConnectionSettings(joystick.SpiBus, joystick.ChipSelect)
                {
                    Mode = SpiMode.Mode0,
                    ClockFrequency = joystick.ClockHz,
                    DataBitLength = 8,
                    DataFlow = DataFlow.MsbFirst,
                });
                var gpio = joystick.LdacPin >= 0 ? new GpioController() : null;
                return new JoystickDacActuator(new Mcp4922Device(spi, gpio, joystick.LdacPin), joystick, limits, options.HeartbeatTimeout, time);
            }

            case ActuatorKinds.DifferentialDrive:
            {
                var drive = options.DifferentialDrive;
                var left = PwmChannel.Create(drive.PwmChip, drive.LeftPwmChannel, drive.PwmFrequencyHz, 0);
                var right = PwmChannel.Create(drive.PwmChip, drive.RightPwmChannel, drive.PwmFrequencyHz, 0);
                var pins = new DifferentialDrivePins(drive.LeftDirectionPin, drive.RightDirectionPin, drive.EnablePin);
                return new DifferentialDriveActuator(left, right, new GpioController(), pins, drive, limits, options.HeartbeatTimeout, time);
            }

            case ActuatorKinds.ProstheticHand:
            {
                var hand = options.Hand;
                var device = I2cDevice.Create(new I2cConnectionSettings(hand.I2cBus, hand.Address));
                return new ProstheticHandActuator(new Pca9685Device(device), hand, limits, options.HeartbeatTimeout, time);
            }

            default:
                throw new ArgumentException($"{ControlOptions.Section}:Actuator = '{options.Actuator}' is not known.", nameof(options));
        }
    }
}
