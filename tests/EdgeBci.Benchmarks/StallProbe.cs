using System.Diagnostics;

namespace EdgeBci.Benchmarks;

/// <summary>
/// Measures the machine, not the code: a thread that does nothing but read the clock, and counts how often it was
/// stopped for at least one conversion period. Every such stall while the acquisition thread waits for DRDY costs
/// conversions no code can recover (the ADS1299 has no FIFO), so the soak prints it beside its own losses.
/// </summary>
internal static class StallProbe
{
    public static (long Stalls, long StalledConversions, TimeSpan Longest) Run(TimeSpan duration, int rate)
    {
        var period = Stopwatch.Frequency / rate;
        long stalls = 0, stalled = 0, longest = 0;
        var thread = new Thread(() =>
        {
            var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var last = Stopwatch.GetTimestamp();
            while (last < end)
            {
                var now = Stopwatch.GetTimestamp();
                var gap = now - last;
                if (gap >= period)
                {
                    stalls++;
                    stalled += gap / period;
                    longest = Math.Max(longest, gap);
                }

                last = now;
            }
        }) { Name = "stall-probe" };
        thread.Start();
        thread.Join();
        return (stalls, stalled, Stopwatch.GetElapsedTime(0, longest));
    }
}
