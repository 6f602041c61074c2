using EdgeBci.Control.Actuators;

namespace EdgeBci.Control.Deadman;

/// <summary>
/// An actuator whose power or enable is held by a deadman circuit. <see cref="Supervision.ControlPipeline"/> drives
/// the line of any actuator that has one: toggled while motion is permitted, dropped on every STOP.
/// </summary>
public interface IDeadmanGuarded
{
    DeadmanLine Deadman { get; }
}

/// <summary>
/// A driver together with the deadman line that holds its enable (hardware/deadman.md: the chair controller's inhibit,
/// the motor controller's EN, the PCA9685's OE and the servo power relay). Every actuator call goes to the driver;
/// disposing drops the enable first, then closes the driver (its outputs neutral), then releases the line.
/// </summary>
public sealed class DeadmanGuardedActuator : IActuator, IDeadmanGuarded
{
    private readonly IActuator _inner;
    private bool _disposed;

    public DeadmanGuardedActuator(IActuator inner, DeadmanLine deadman)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(deadman);
        _inner = inner;
        Deadman = deadman;
    }

    public IActuator Inner => _inner;

    public DeadmanLine Deadman { get; }

    public string Kind => _inner.Kind;

    public TimeSpan? Acknowledged => _inner.Acknowledged;

    public bool WatchdogTripped => _inner.WatchdogTripped;

    public ActuatorCommand Output => _inner.Output;

    public void Apply(ActuatorCommand command) => _inner.Apply(command);

    public void Neutral() => _inner.Neutral();

    public void Heartbeat() => _inner.Heartbeat();

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Deadman.Drop();
        }
        finally
        {
            try
            {
                _inner.Dispose();
            }
            finally
            {
                Deadman.Dispose();
            }
        }
    }
}
