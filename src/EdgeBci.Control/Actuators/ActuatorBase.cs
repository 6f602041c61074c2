namespace EdgeBci.Control.Actuators;

/// <summary>
/// What every driver shares: clamping to the platform's limits, one lock around the device, the heartbeat watchdog,
/// neutral on any exception and on dispose, and the acknowledgement time. A driver writes its device in
/// <see cref="WriteCommand"/> and <see cref="WriteNeutral"/>.
/// </summary>
public abstract class ActuatorBase : IActuator
{
    private readonly CommandLimits _limits;
    private readonly HeartbeatWatchdog _watchdog;
    private TimeSpan? _acknowledged;
    private bool _tripped;
    private bool _disposed;

    protected ActuatorBase(CommandLimits limits, TimeSpan heartbeatTimeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(time);
        _limits = limits;
        Time = time;
        _watchdog = new HeartbeatWatchdog(heartbeatTimeout, time, OnHeartbeatLost);
    }

    public abstract string Kind { get; }

    public CommandLimits Limits => _limits;

    public TimeSpan HeartbeatTimeout => _watchdog.Timeout;

    /// <summary>Times the watchdog drove the outputs neutral.</summary>
    public int WatchdogTrips => _watchdog.Trips;

    public TimeSpan? Acknowledged
    {
        get
        {
            lock (Gate)
            {
                return _acknowledged;
            }
        }
    }

    public bool WatchdogTripped
    {
        get
        {
            lock (Gate)
            {
                return _tripped;
            }
        }
    }

    public ActuatorCommand Output { get; private set; }

    protected object Gate { get; } = new();

    protected TimeProvider Time { get; }

    protected TimeSpan Now => Time.MonotonicNow();

    /// <summary>False while the device is simulated to stop acknowledging.</summary>
    protected virtual bool Acknowledges => true;

    public void Apply(ActuatorCommand command)
    {
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var clamped = _limits.Clamp(command);
            if (clamped.IsNeutral)
            {
                NeutralLocked();
                return;
            }

            if (_tripped)
            {
                NeutralLocked(keepTrip: true);
                throw new ActuatorException($"{Kind}: the heartbeat watchdog drove the outputs neutral; a neutral command must come first.");
            }

            try
            {
                WriteCommand(clamped);
                Output = clamped;
                AcknowledgeLocked();
            }
            catch
            {
                TryNeutralLocked();
                throw;
            }
        }
    }

    public void Neutral()
    {
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            NeutralLocked();
        }
    }

    public void Heartbeat() => _watchdog.Feed();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _watchdog.Dispose();
            Output = ActuatorCommand.Neutral;
            try
            {
                WriteShutdown();
            }
#pragma warning disable CA1031 // The bus may be gone (unplugged); closing must still release the handles.
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            ReleaseDevice();
        }
    }

    /// <summary>Drive the device to <paramref name="command"/> (already clamped, not neutral). Called under the lock.</summary>
    protected abstract void WriteCommand(ActuatorCommand command);

    /// <summary>Drive the device neutral. Called under the lock.</summary>
    protected abstract void WriteNeutral();

    /// <summary>The last write before the handles close; neutral unless the device has a safer resting state.</summary>
    protected virtual void WriteShutdown() => WriteNeutral();

    /// <summary>Close the device handles. Called once, under the lock, after <see cref="WriteShutdown"/>.</summary>
    protected virtual void ReleaseDevice()
    {
    }

    private void NeutralLocked(bool keepTrip = false)
    {
        try
        {
            WriteNeutral();
        }
        finally
        {
            Output = ActuatorCommand.Neutral;
        }

        _tripped &= keepTrip;
        AcknowledgeLocked();
    }

    private void TryNeutralLocked()
    {
        Output = ActuatorCommand.Neutral;
        try
        {
            WriteNeutral();
        }
#pragma warning disable CA1031 // The original exception is the one that matters; it propagates.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void AcknowledgeLocked()
    {
        if (Acknowledges)
        {
            _acknowledged = Now;
        }
    }

    private void OnHeartbeatLost()
    {
        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }

            _tripped = true;
            Output = ActuatorCommand.Neutral;
            WriteNeutral();
        }
    }
}
