using System.Runtime.InteropServices;

namespace EdgeBci.Acquisition.Streaming;

/// <summary>
/// Puts the calling thread under Linux SCHED_FIFO so that no ordinary thread can delay a DRDY for longer than a
/// conversion period (62.5 µs at 16 kSPS). .NET's thread priorities do not reach the Linux scheduler, so this goes
/// to libc directly. It needs CAP_SYS_NICE or an RLIMIT_RTPRIO (the systemd unit grants it); without them the
/// thread stays in the normal class and the outcome says so.
/// </summary>
public static partial class RealTimeScheduling
{
    private const int SchedFifo = 1;
    private const int PrSetTimerSlack = 29;

    public static string TryRaiseCurrentThread(int priority)
    {
        if (priority <= 0)
        {
            return "normal scheduling (real-time priority not requested)";
        }

        if (!OperatingSystem.IsLinux())
        {
            return "normal scheduling (SCHED_FIFO exists on Linux only)";
        }

        // sched_setscheduler with pid 0 acts on the calling thread: on Linux every thread is a task of its own.
        var result = SetScheduler(0, SchedFifo, ref priority);
        // A normal thread's timers may fire up to 50 µs late (timer slack); a conversion period can be 62.5 µs.
        _ = SetTimerSlack(PrSetTimerSlack, 1, 0, 0, 0);
        if (result == 0)
        {
            return $"SCHED_FIFO priority {priority}";
        }

        var error = Marshal.GetLastPInvokeError();
        return $"normal scheduling (SCHED_FIFO {priority} refused, errno {error}: grant CAP_SYS_NICE or LimitRTPRIO)";
    }

    /// <summary>Keeps the calling thread on one CPU (e.g. a core isolated with isolcpus), or says why it could not.</summary>
    public static string TryPinCurrentThread(int cpu)
    {
        if (cpu < 0)
        {
            return "any CPU";
        }

        if (!OperatingSystem.IsLinux() || cpu >= 64)
        {
            return $"any CPU (CPU {cpu} cannot be selected here)";
        }

        var mask = 1UL << cpu;
        return SetAffinity(0, sizeof(ulong), ref mask) == 0
            ? $"CPU {cpu}"
            : $"any CPU (pinning to CPU {cpu} refused, errno {Marshal.GetLastPInvokeError()})";
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SetAffinity(int pid, nuint size, ref ulong mask);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int SetTimerSlack(int option, nuint value, nuint unused2, nuint unused3, nuint unused4);

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static partial int SetScheduler(int pid, int policy, ref int priority);
}
