using EdgeBci.Control;

namespace EdgeBci.Firmware;

/// <summary>Timestamps of the acquisition clock (<see cref="TimeProvider.GetTimestamp"/>) on the control clock.</summary>
internal static class ControlTime
{
    /// <summary>The same conversion as <see cref="ControlClock.MonotonicNow"/>, for a timestamp taken earlier.</summary>
    public static TimeSpan ToControlTime(this TimeProvider time, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(time);
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
