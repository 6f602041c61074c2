namespace EdgeBci.Control.Actuators;

/// <summary>
/// A platform the supervisor drives. <see cref="Apply"/> clamps to the platform's limits and drives the outputs;
/// <see cref="Neutral"/> stops; <see cref="Heartbeat"/> must be called every tick, or the driver goes neutral by itself
/// after its timeout (a hung process cannot leave the chair driving). Any exception while writing leaves the outputs
/// neutral (as far as the device still answers) before it propagates; disposing leaves them neutral.
/// </summary>
public interface IActuator : IDisposable
{
    /// <summary>One of <see cref="ActuatorKinds"/>.</summary>
    string Kind { get; }

    void Apply(ActuatorCommand command);

    void Neutral();

    void Heartbeat();

    /// <summary>Control-clock time the device last confirmed a command (a write that completed).</summary>
    TimeSpan? Acknowledged { get; }

    /// <summary>The driver's own watchdog drove the outputs neutral; cleared by the next neutral command.</summary>
    bool WatchdogTripped { get; }

    /// <summary>What the outputs are commanded to now (neutral after a watchdog trip or a failed write).</summary>
    ActuatorCommand Output { get; }
}

/// <summary>A device that did not take a command, or a command refused by the driver.</summary>
public sealed class ActuatorException : Exception
{
    public ActuatorException(string message)
        : base(message)
    {
    }

    public ActuatorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ActuatorException()
    {
    }
}
