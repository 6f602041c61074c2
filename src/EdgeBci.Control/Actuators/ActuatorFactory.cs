using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Pwm;
using System.Device.Spi;

namespace EdgeBci.Control.Actuators;

/// <summary>The actuator <see cref="ControlOptions.Actuator"/> names, built by its <see cref="ActuatorRegistration"/>.</summary>
public static class ActuatorFactory
{
    /// <summary>The actuator on the unit's own buses (or simulated).</summary>
    public static IActuator Create(ControlOptions options, TimeProvider time) => Create(options, time, UnitBuses.Instance);

    /// <summary>The actuator on <paramref name="buses"/>; if building it fails, every handle opened on the way is closed again.</summary>
    /// <exception cref="ArgumentException">The options are not valid; the message names every bad key.</exception>
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

        var registration = ActuatorRegistry.Find(options.Actuator)
            ?? throw new ArgumentException($"{ControlOptions.Section}:Actuator = '{options.Actuator}' is not known.", nameof(options));
        var opened = new OpenedHandles(buses);
        try
        {
            return registration.Create(new ActuatorContext(options, CommandLimits.From(options), time, opened));
        }
        catch
        {
            opened.CloseAll();
            throw;
        }
    }

    /// <summary>The buses, remembering each handle opened so that a driver that fails half-way leaves none open.</summary>
    private sealed class OpenedHandles(IActuatorBuses buses) : IActuatorBuses
    {
        private readonly List<IDisposable> _handles = [];

        public SpiDevice OpenSpi(SpiConnectionSettings settings) => Keep(buses.OpenSpi(settings));

        public I2cDevice OpenI2c(I2cConnectionSettings settings) => Keep(buses.OpenI2c(settings));

        public PwmChannel OpenPwm(int chip, int channel, int frequencyHz) => Keep(buses.OpenPwm(chip, channel, frequencyHz));

        public GpioController OpenGpio() => Keep(buses.OpenGpio());

        public void CloseAll()
        {
            foreach (var handle in _handles)
            {
                handle.Dispose();
            }
        }

        private T Keep<T>(T handle)
            where T : IDisposable
        {
            _handles.Add(handle);
            return handle;
        }
    }
}
