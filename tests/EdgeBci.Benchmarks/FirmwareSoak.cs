using System.Diagnostics;
using System.Globalization;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Benchmarks;

/// <summary>
/// The real firmware over a long run: starts the built firmware as a child process on its embedded defaults (emulated
/// chip replaying the demo recording in real time, the default model decoding) with the decoder's per-decision debug
/// line on, collects every decision's DRDY-to-decision latency from it, samples the process's VmRSS from /proc every
/// ten seconds, and prints the latency percentiles and the resident memory after the given time. This is the process a
/// unit runs, not a model of it: host, acquisition, signal chain, decoder and ONNX Runtime all resident.
/// </summary>
internal static class FirmwareSoak
{
    public const long BudgetBytes = 150L * 1024 * 1024;

    /// <summary>The issue's goal for the 99th percentile of DRDY-to-decision latency.</summary>
    public const double LatencyGoalMilliseconds = 5;

    private const string LatencyMarker = "DRDY-to-decision ";

    public static bool Run(double seconds)
    {
        var firmware = Path.Combine(PipelineReplay.RepositoryRoot(), "firmware", "EdgeBci.Firmware", "bin", "Release", "net10.0", "EdgeBci.Firmware.dll");
        if (!File.Exists(firmware))
        {
            Console.Error.WriteLine($"firmware: {firmware} is not built; run `dotnet build firmware/EdgeBci.Firmware -c Release` first.");
            return false;
        }

        var start = new ProcessStartInfo("dotnet", [firmware])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["EDGEBCI_Logging__LogLevel__EdgeBci.Firmware.DecodingService"] = "Debug";
        var latencies = new List<double>();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var lastLine = string.Empty;
        process.OutputDataReceived += (_, e) =>
        {
            lastLine = e.Data ?? lastLine;
            if (e.Data is { } line && line.Contains("decision #", StringComparison.Ordinal) && Latency(line) is { } latency)
            {
                lock (latencies)
                {
                    latencies.Add(latency);
                }
            }
        };
        process.ErrorDataReceived += (_, e) => lastLine = e.Data ?? lastLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long peak = 0;
        long resident = 0;
        var clock = Stopwatch.StartNew();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"firmware: pid {process.Id}, sampling VmRSS every 10 s for {seconds:0} s"));
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            if (process.WaitForExit(TimeSpan.FromSeconds(Math.Min(10, Math.Max(0.1, seconds - clock.Elapsed.TotalSeconds)))))
            {
                Console.Error.WriteLine($"firmware: exited with {process.ExitCode} after {clock.Elapsed.TotalSeconds:0} s; last line: {lastLine}");
                return false;
            }

            resident = ProcessMemory.ResidentBytes(process.Id);
            peak = Math.Max(peak, resident);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {clock.Elapsed.TotalSeconds,5:0} s  VmRSS {resident / 1048576.0,6:0.0} MiB"));
        }

        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        var memoryOk = resident <= BudgetBytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"firmware resident memory after {seconds:0} s: {resident / 1048576.0:0.0} MiB (peak {peak / 1048576.0:0.0} MiB; budget {BudgetBytes / 1048576} MiB) {(memoryOk ? "ok" : "OVER BUDGET")}"));
        double[] sorted;
        lock (latencies)
        {
            sorted = [.. latencies];
        }

        Array.Sort(sorted);
        if (sorted.Length == 0)
        {
            Console.Error.WriteLine("firmware: no decisions were logged; is the default model in place?");
            return false;
        }

        double Percentile(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        var latencyOk = Percentile(0.99) <= LatencyGoalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"DRDY-to-decision latency over {sorted.Length} decisions (real-time emulation, window length excluded): p50 {Percentile(0.5):0.00} ms, p99 {Percentile(0.99):0.00} ms, max {sorted[^1]:0.00} ms (goal p99 <= {LatencyGoalMilliseconds} ms) {(latencyOk ? "ok" : "MISSED")}"));
        return memoryOk && latencyOk;
    }

    /// <summary>The latency in a decoder debug line ("... DRDY-to-decision 1.23 ms"), or null.</summary>
    private static double? Latency(string line)
    {
        var at = line.LastIndexOf(LatencyMarker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = line.AsSpan(at + LatencyMarker.Length);
        var end = rest.IndexOf(' ');
        return double.TryParse(end < 0 ? rest : rest[..end], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
