using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeBci.Acquisition.Emulation;

/// <summary>
/// Waits until a timestamp as precisely as the conversion period needs, without holding the CPU longer than that.
/// Thread.Sleep rounds to milliseconds; a kernel timer (clock_nanosleep) is precise to its wake-up latency; spinning
/// is exact but burns the core, and spinning a whole 62.5 µs period keeps a SCHED_FIFO thread busy until the
/// kernel's real-time throttling stops it for 50 ms a second. So a fast conversion clock sleeps in the kernel until
/// shortly before the edge and spins the last stretch, and a slow one sleeps right up to the edge.
/// </summary>
internal static partial class PreciseSleep
{
    private const int ClockMonotonic = 1;

    // A kernel timer on a virtual machine wakes tens of microseconds late (p99 about 70 µs, worst 270 µs measured on
    // the CI machine). Spinning that stretch matters only where such a delay is a large part of the period.
    private static readonly long WakeUpLatencyTicks = Stopwatch.Frequency * 3 / 10_000;
    private static readonly bool KernelSleep = OperatingSystem.IsLinux();

    /// <summary>Periods at least this long sleep to the edge: a late wake-up costs them under a tenth of a period.</summary>
    internal static readonly long SleepOnlyFromPeriodTicks = 4 * WakeUpLatencyTicks;

    /// <summary>How long before the edge to stop sleeping and spin, for a conversion clock of this period.</summary>
    internal static long SpinTicksFor(long periodTicks) => periodTicks >= SleepOnlyFromPeriodTicks ? 0 : WakeUpLatencyTicks;

    /// <summary>Returns at <paramref name="timestamp"/> (or when cancelled), spinning only what <paramref name="periodTicks"/> needs.</summary>
    public static void Until(long timestamp, long periodTicks, CancellationToken cancellationToken)
    {
        var spinTicks = SpinTicksFor(periodTicks);
        var remaining = timestamp - Stopwatch.GetTimestamp();
        if (KernelSleep && remaining > 2 * spinTicks && remaining > 0)
        {
            var nanoseconds = (remaining - spinTicks) * 1_000_000_000 / Stopwatch.Frequency;
            var request = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            ClockNanosleep(ClockMonotonic, 0, ref request, IntPtr.Zero);
        }

        while (Stopwatch.GetTimestamp() < timestamp && !cancellationToken.IsCancellationRequested)
        {
            Thread.SpinWait(10);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, ref TimeSpec request, IntPtr remain);
}
