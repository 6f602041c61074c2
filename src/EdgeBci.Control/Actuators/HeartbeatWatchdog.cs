namespace EdgeBci.Control.Actuators;

/// <summary>
/// A driver's own watchdog: a timer (System.Threading.Timer through <see cref="TimeProvider.CreateTimer"/>) that calls
/// <c>onExpired</c> once when <see cref="Feed"/> was not called within the timeout, checking four times per timeout, so
/// it fires between 1 and 1.25 timeouts after the last feed. It stands for the hardware watchdog on an actuator board
/// and runs in the same process as what it watches: a real deployment must also arm the board's hardware watchdog (or
/// the chair's own joystick-signal timeout), which still acts when this process or its host is gone.
/// </summary>
public sealed class HeartbeatWatchdog : IDisposable
{
    private readonly TimeProvider _time;
    private readonly long _timeoutTicks;
    private readonly Action _onExpired;
    private readonly ITimer _timer;
    private long _lastFeed;
    private int _expired;

    public HeartbeatWatchdog(TimeSpan timeout, TimeProvider time, Action onExpired)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(onExpired);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        Timeout = timeout;
        _time = time;
        _onExpired = onExpired;
        _timeoutTicks = timeout.Ticks;
        _lastFeed = time.MonotonicNow().Ticks;
        var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond, timeout.Ticks / 4));
        _timer = time.CreateTimer(static state => ((HeartbeatWatchdog)state!).Check(), this, period, period);
    }

    public TimeSpan Timeout { get; }

    /// <summary>The heartbeat stopped and the watchdog fired; cleared by the next <see cref="Feed"/>.</summary>
    public bool Expired => Volatile.Read(ref _expired) != 0;

    public int Trips { get; private set; }

    /// <summary>What went wrong when the expiry action itself threw (the outputs may not be neutral).</summary>
    public Exception? LastError { get; private set; }

    public void Feed()
    {
        Volatile.Write(ref _lastFeed, _time.MonotonicNow().Ticks);
        Volatile.Write(ref _expired, 0);
    }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        var silent = _time.MonotonicNow().Ticks - Volatile.Read(ref _lastFeed);
        if (silent <= _timeoutTicks || Interlocked.Exchange(ref _expired, 1) != 0)
        {
            return;
        }

        Trips++;
        try
        {
            _onExpired();
        }
#pragma warning disable CA1031 // A timer callback that throws ends the process; the failure is kept for the owner to see.
        catch (Exception error)
#pragma warning restore CA1031
        {
            LastError = error;
        }
    }
}
