using System.Diagnostics;
using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Acquisition.Streaming;

namespace EdgeBci.Benchmarks;

/// <summary>
/// What the emulated chip costs and how well it keeps time: runs the real-time emulated ADS1299 and the acquisition
/// loop at one data rate, then prints the CPU each of the acquisition process's own threads used per 10 s (from
/// /proc/self/task, so the figure is the kernel's, not an estimate) and how late each frame reached the ring against
/// the earliest-arriving one (DRDY jitter as the host sees it). The unit tests assert what the code does; the
/// figures a loaded machine can spoil live here.
/// </summary>
internal static class DrdyTimingBenchmark
{
    /// <summary>Goal: the 99th percentile of DRDY lateness stays a small fraction of the conversion period.</summary>
    public const double JitterGoalFractionOfPeriod = 0.1;

    private static readonly string[] WatchedThreads = ["ads1299-acquisition", "emulated-drdy-callbacks"];

    public static bool Run(double seconds, int rate)
    {
        if (!Ads1299Values.TryParseDataRate(rate, out var dataRate))
        {
            Console.Error.WriteLine($"drdy: {rate} SPS is not an ADS1299 data rate.");
            return false;
        }

        var (_, device) = EmulatedFrontEnd.Open(dataRate);
        using var owned = device;

        var capacity = (int)Math.Ceiling(seconds * rate) + rate;
        var ring = new SampleRing(8, 1, capacity);
        using var reader = ring.CreateReader();
        using var loop = new AcquisitionLoop(device, ring, rate);
        loop.Start();
        // The first second settles the JIT and the threads; CPU is counted from here.
        Thread.Sleep(1000);
        var cpuBefore = ThreadCpu();
        var wall = Stopwatch.StartNew();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var cpuAfter = ThreadCpu();
        var elapsed = wall.Elapsed.TotalSeconds;
        loop.Stop();

        var period = (double)Stopwatch.Frequency / rate;
        var lateness = new List<double>(capacity);
        var samples = new int[8];
        double earliest = double.MaxValue;
        while (reader.TryRead(samples, default, out var stamp))
        {
            // Lateness against the conversion clock: the sample index counts missed conversions, so a frame's nominal
            // edge is index × period after a common origin; the earliest frame shows the origin.
            var offset = stamp.Timestamp - (stamp.SampleIndex * period);
            lateness.Add(offset);
            earliest = Math.Min(earliest, offset);
        }

        for (var i = 0; i < lateness.Count; i++)
        {
            lateness[i] = (lateness[i] - earliest) * 1e6 / Stopwatch.Frequency;
        }

        lateness.Sort();
        double Percentile(double p) => lateness.Count == 0 ? double.NaN : lateness[(int)Math.Min(lateness.Count - 1, p * lateness.Count)];
        var periodMicroseconds = 1e6 / rate;
        var p99 = Percentile(0.99);

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"DRDY timing: {elapsed:0.0} s at {rate} SPS, real-time emulated ADS1299, acquisition loop reading every frame"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  frames read        {loop.Counters.Frames:N0}, missed {loop.Counters.MissedSamples:N0} in {loop.Counters.GapEvents:N0} gaps"));
        foreach (var name in WatchedThreads)
        {
            var used = cpuAfter.GetValueOrDefault(Comm(name)) - cpuBefore.GetValueOrDefault(Comm(name));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  CPU {name,-24} {used * 10 / elapsed:0.00} s per 10 s ({100 * used / elapsed:0.0} % of a core)"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  DRDY lateness      p50 {Percentile(0.5):0} µs, p99 {p99:0} µs, max {Percentile(1):0} µs of a {periodMicroseconds:0} µs period (goal: p99 ≤ {JitterGoalFractionOfPeriod:P0} of the period)"));
        return p99 <= JitterGoalFractionOfPeriod * periodMicroseconds;
    }

    /// <summary>Linux names a thread by its first 15 characters.</summary>
    private static string Comm(string threadName) => threadName.Length > 15 ? threadName[..15] : threadName;

    /// <summary>User + system CPU seconds per thread name of this process, from /proc/self/task/*/stat.</summary>
    private static Dictionary<string, double> ThreadCpu()
    {
        var ticksPerSecond = 100.0; // USER_HZ, fixed at 100 on Linux
        var result = new Dictionary<string, double>();
        if (!Directory.Exists("/proc/self/task"))
        {
            return result;
        }

        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(task, "stat"));
            }
            catch (IOException)
            {
                continue; // the thread ended between listing and reading
            }

            // "tid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis.
            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var comm = stat[(open + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            // Fields after comm start at stat's field 3; utime and stime are fields 14 and 15.
            var cpu = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / ticksPerSecond;
            result[comm] = result.GetValueOrDefault(comm) + cpu;
        }

        return result;
    }
}
