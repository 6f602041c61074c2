namespace EdgeBci.Telemetry.Uplink;

/// <summary>
/// At most <see cref="PerSecond"/> rejection events per one-second window; the rest are counted and reported as one
/// summary when a later window opens, so a flood of bad commands cannot fill the event journal.
/// </summary>
internal sealed class RejectionEventLimiter(TimeProvider time)
{
    public const int PerSecond = 10;

    private readonly Lock _gate = new();
    private long _windowStart = long.MinValue;
    private int _inWindow;
    private long _suppressed;

    /// <summary>True when this rejection may be logged as an event; <paramref name="suppressedBefore"/> is the count to summarise first.</summary>
    public bool TryAcquire(out long suppressedBefore)
    {
        lock (_gate)
        {
            suppressedBefore = RollWindow();
            if (_inWindow < PerSecond)
            {
                _inWindow++;
                return true;
            }

            _suppressed++;
            return false;
        }
    }

    /// <summary>The suppressed count once its window has closed (0 otherwise); called periodically so a summary is not held back.</summary>
    public long TakeClosedSummary()
    {
        lock (_gate)
        {
            return RollWindow();
        }
    }

    private long RollWindow()
    {
        var now = time.GetTimestamp();
        if (_windowStart != long.MinValue && time.GetElapsedTime(_windowStart, now) < TimeSpan.FromSeconds(1))
        {
            return 0;
        }

        _windowStart = now;
        _inWindow = 0;
        var suppressed = _suppressed;
        _suppressed = 0;
        return suppressed;
    }
}
