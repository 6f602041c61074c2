namespace EdgeBci.Control;

/// <summary>
/// The control stage's time base: a monotonic clock read through a <see cref="TimeProvider"/>. Every time the supervisor
/// compares (frames, decisions, acknowledgements, ticks) is a <see cref="TimeSpan"/> on this clock. The wall clock is
/// never used: on a unit without a battery-backed RTC the first NTP sync moves it by years, and a clock that jumps
/// backwards would stop every timeout from firing.
/// </summary>
public static class ControlClock
{
    /// <summary>Monotonic now of <paramref name="time"/> (on Linux, CLOCK_MONOTONIC through Stopwatch).</summary>
    public static TimeSpan MonotonicNow(this TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var timestamp = time.GetTimestamp();
        var frequency = time.TimestampFrequency;
        if (frequency == TimeSpan.TicksPerSecond)
        {
            return TimeSpan.FromTicks(timestamp);
        }

        var seconds = timestamp / frequency;
        var remainder = timestamp % frequency;
        return TimeSpan.FromTicks((seconds * TimeSpan.TicksPerSecond) + (remainder * TimeSpan.TicksPerSecond / frequency));
    }
}
