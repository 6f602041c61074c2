using System.Device.I2c;
using System.Device.Spi;
using EdgeBci.Control.Actuators.DifferentialDrive;
using EdgeBci.Control.Actuators.Mcp4922;
using EdgeBci.Control.Actuators.Pca9685;
using EdgeBci.Control.Actuators.Simulated;

namespace EdgeBci.Control.Actuators;

/// <summary>The actuator <see cref="ControlOptions.Actuator"/> names, on the unit's buses (or emulated ones) or simulated.</summary>
public static class ActuatorFactory
{
    public static IActuator Create(ControlOptions options, TimeProvider time) => Create(options, time, UnitActuatorBuses.Instance);

    /// <summary>The actuator on <paramref name="buses"/> (the emulator passes its emulated actuator board).</summary>
    public static IActuator Create(ControlOptions options, TimeProvider time, IActuatorBuses buses)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(buses);
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
                var handles = new List<IDisposable>();
                return Opening(handles, () =>
                {
                    var spi = Keep(handles, buses.OpenSpi(new SpiConnectionSettings(joystick.SpiBus, joystick.ChipSelect)
                    {
                        Mode = SpiMode.Mode0,
                        ClockFrequency = joystick.ClockHz,
                        DataBitLength = 8,
                        DataFlow = DataFlow.MsbFirst,
                    }));
                    var gpio = joystick.LdacPin >= 0 ? Keep(handles, buses.OpenGpio()) : null;
                    return new JoystickDacActuator(new Mcp4922Device(spi, gpio, joystick.LdacPin), joystick, limits, options.HeartbeatTimeout, time);
                });
            }

            case ActuatorKinds.DifferentialDrive:
            {
                var drive = options.DifferentialDrive;
                var handles = new List<IDisposable>();
                return Opening(handles, () =>
                {
                    var left = Keep(handles, buses.OpenPwm(drive.PwmChip, drive.LeftPwmChannel, drive.PwmFrequencyHz));
                    var right = Keep(handles, buses.OpenPwm(drive.PwmChip, drive.RightPwmChannel, drive.PwmFrequencyHz));
                    var gpio = Keep(handles, buses.OpenGpio());
                    var pins = new DifferentialDrivePins(drive.LeftDirectionPin, drive.RightDirectionPin, drive.EnablePin);
                    return new DifferentialDriveActuator(left, right, gpio, pins, drive, limits, options.HeartbeatTimeout, time);
                });
            }

            case ActuatorKinds.ProstheticHand:
            {
                var hand = options.Hand;
                var handles = new List<IDisposable>();
                return Opening(handles, () =>
                {
                    var device = Keep(handles, buses.OpenI2c(new I2cConnectionSettings(hand.I2cBus, hand.Address)));
                    return new ProstheticHandActuator(new Pca9685Device(device), hand, limits, options.HeartbeatTimeout, time);
                });
            }

            default:
                throw new ArgumentException($"{ControlOptions.Section}:Actuator = '{options.Actuator}' is not known.", nameof(options));
        }
    }

    private static T Keep<T>(List<IDisposable> handles, T handle)
        where T : IDisposable
    {
        handles.Add(handle);
        return handle;
    }

    /// <summary>Builds a driver; if anything fails on the way, the handles opened so far are closed again.</summary>
    private static IActuator Opening(List<IDisposable> handles, Func<IActuator> open)
    {
        try
        {
            return open();
        }
        catch
        {
            foreach (var handle in handles)
            {
                handle.Dispose();
            }

            throw;
        }
    }
}
