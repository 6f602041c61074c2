using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeBci.Acquisition.Emulation;

/// <summary>
/// Waits with microsecond precision without holding the CPU. Thread.Sleep rounds to milliseconds, and spinning a
/// whole 62.5 µs conversion period keeps a SCHED_FIFO thread busy until the kernel's real-time throttling stops it
/// for 50 ms a second. So the emulated DRDY sleeps in the kernel (clock_nanosleep) until shortly before the edge and
/// spins only the last stretch.
/// </summary>
internal static partial class PreciseSleep
{
    private const int ClockMonotonic = 1;
    // A kernel timer on a virtual machine wakes tens of microseconds late (p99 about 70 µs, worst 270 µs measured on
    // the CI machine): sleep only when the edge is far away, and spin the last 300 µs.
    private static readonly long SpinTicks = Stopwatch.Frequency * 3 / 10_000;
    private static readonly bool KernelSleep = OperatingSystem.IsLinux();

    public static void Until(long timestamp, CancellationToken cancellationToken)
    {
        var remaining = timestamp - Stopwatch.GetTimestamp();
        if (KernelSleep && remaining > 2 * SpinTicks)
        {
            var nanoseconds = (remaining - SpinTicks) * 1_000_000_000 / Stopwatch.Frequency;
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
