using System.Globalization;

namespace EdgeBci.Benchmarks.Web;

/// <summary>A process's own CPU time (user + system of all its threads) from /proc/&lt;pid&gt;/stat: the kernel's count, not an estimate.</summary>
internal static class ProcessCpu
{
    /// <summary>USER_HZ, fixed at 100 on Linux.</summary>
    private const double TicksPerSecond = 100.0;

    public static double Seconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis; utime and stime
        // are stat's fields 14 and 15, i.e. 12th and 13th after comm.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }
}
