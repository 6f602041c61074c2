using System.Diagnostics;
using System.Globalization;

namespace EdgeBci.Firmware;

/// <summary>One reading of the host: machine CPU load and this process's share since the previous reading (0..1), the SoC temperature (null where the kernel exposes none, e.g. a VM), resident memory.</summary>
internal readonly record struct HostReading(double CpuLoad, double ProcessCpu, double? CpuTemperatureC, long MemoryBytes);

/// <summary>
/// Reads the host once per telemetry interval from /proc and /sys (no native calls): machine CPU load from the
/// /proc/stat counters' difference, this process's CPU time from <see cref="Process.TotalProcessorTime"/>, the
/// temperature of the CPU's thermal zone (the Pi's cpu-thermal, the Jetson's CPU-therm; else zone 0), resident memory.
/// A missing or unreadable file gives no value rather than a wrong one. Not thread-safe: one reader.
/// </summary>
internal sealed class HostStats
{
    private readonly string _procStat;
    private readonly string? _thermalZone;
    private readonly Process _process = Process.GetCurrentProcess();
    private (long Busy, long Total)? _previousCpu;
    private (TimeSpan Cpu, long Timestamp)? _previousProcess;

    public HostStats(string procStat = "/proc/stat", string thermalRoot = "/sys/class/thermal")
    {
        _procStat = procStat;
        _thermalZone = FindCpuZone(thermalRoot);
    }

    public HostReading Read()
    {
        _process.Refresh();
        return new HostReading(ReadCpuLoad(), ReadProcessCpu(), ReadTemperature(), _process.WorkingSet64);
    }

    private double ReadCpuLoad()
    {
        if (ReadCpuCounters() is not { } now)
        {
            return double.NaN;
        }

        var previous = _previousCpu;
        _previousCpu = now;
        if (previous is not { } before || now.Total <= before.Total)
        {
            return double.NaN;
        }

        return Math.Clamp((double)(now.Busy - before.Busy) / (now.Total - before.Total), 0, 1);
    }

    /// <summary>The aggregate "cpu" line: user nice system idle iowait irq softirq steal; idle and iowait are not busy.</summary>
    private (long Busy, long Total)? ReadCpuCounters()
    {
        try
        {
            using var reader = new StreamReader(_procStat);
            var line = reader.ReadLine();
            if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                return null;
            }

            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long total = 0, idle = 0;
            for (var i = 1; i < Math.Min(fields.Length, 9); i++)
            {
                var value = long.Parse(fields[i], CultureInfo.InvariantCulture);
                total += value;
                if (i is 4 or 5)
                {
                    idle += value;
                }
            }

            return (total - idle, total);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    private double ReadProcessCpu()
    {
        var now = (_process.TotalProcessorTime, Stopwatch.GetTimestamp());
        var previous = _previousProcess;
        _previousProcess = now;
        if (previous is not { } before)
        {
            return double.NaN;
        }

        var wall = Stopwatch.GetElapsedTime(before.Timestamp, now.Item2);
        return wall <= TimeSpan.Zero ? double.NaN : (now.TotalProcessorTime - before.Cpu) / wall / Environment.ProcessorCount;
    }

    private double? ReadTemperature()
    {
        if (_thermalZone is null)
        {
            return null;
        }

        try
        {
            var text = File.ReadAllText(Path.Combine(_thermalZone, "temp")).Trim();
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var milliCelsius) ? milliCelsius / 1000.0 : null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? FindCpuZone(string root)
    {
        try
        {
            if (!Directory.Exists(root))
            {
                return null;
            }

            string? first = null;
            foreach (var zone in Directory.EnumerateDirectories(root, "thermal_zone*").Order(StringComparer.Ordinal))
            {
                var typeFile = Path.Combine(zone, "type");
                if (!File.Exists(Path.Combine(zone, "temp")))
                {
                    continue;
                }

                first ??= zone;
                var type = File.Exists(typeFile) ? File.ReadAllText(typeFile).Trim() : string.Empty;
                if (type.Contains("cpu", StringComparison.OrdinalIgnoreCase))
                {
                    return zone;
                }
            }

            return first;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
