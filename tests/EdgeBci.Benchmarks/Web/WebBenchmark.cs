using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace EdgeBci.Benchmarks.Web;

/// <summary>
/// `-- web [seconds] [requests]`: the wearer's page's figures (issue 17) on the real firmware with the page on, paired
/// with a code from the real `edgebci pair`. The firmware's own CPU (/proc/&lt;pid&gt;/stat) over <c>seconds</c> without a
/// browser and as long with one SSE client reading /api/stream, in alternating rounds (the difference is what streaming costs the unit), the
/// stream's bytes per second, the first load (index.html and everything it references, as served) and the API's
/// latency over <c>requests</c> rounds of /api/unit, /api/electrodes and /api/history. Goals from the issue; printed,
/// never asserted by a unit test (a loaded machine spoils timings, not the code).
/// </summary>
internal static partial class WebBenchmark
{
    public const double CpuGoalPercentOfCore = 2;
    public const double StreamGoalBytesPerSecond = 50_000;
    public const long FirstLoadGoalBytes = 500_000;
    public const double ApiP95GoalMilliseconds = 100;

    private const string Wearer = "bench-wearer";
    private static readonly string[] ApiPaths = ["/api/unit", "/api/electrodes", $"/api/history?wearer={Wearer}"];

    public static bool Run(double seconds, int requests)
    {
        var root = PipelineReplay.RepositoryRoot();
        var firmwareDll = Path.Combine(root, "firmware", "EdgeBci.Firmware", "bin", "Release", "net10.0", "EdgeBci.Firmware.dll");
        var cliDll = Path.Combine(root, "src", "EdgeBci.Cli", "bin", "Release", "net10.0", "edgebci.dll");
        foreach (var (dll, project) in new[] { (firmwareDll, "firmware/EdgeBci.Firmware"), (cliDll, "src/EdgeBci.Cli") })
        {
            if (!File.Exists(dll))
            {
                Console.Error.WriteLine($"web: {dll} is not built; run `dotnet build {project} -c Release` first.");
                return false;
            }
        }

        var scratch = Path.Combine(Path.GetTempPath(), $"edgebci-bench-web-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        try
        {
            return RunAsync(firmwareDll, cliDll, scratch, seconds, requests).GetAwaiter().GetResult();
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static async Task<bool> RunAsync(string firmwareDll, string cliDll, string scratch, double seconds, int requests)
    {
        var port = FreeLoopbackPort();
        var database = Path.Combine(scratch, "camp", "camp.db");
        var page = new Uri($"http://127.0.0.1:{port}/");
        using var firmware = new SafetyTimingBenchmark.Firmware(firmwareDll, "--Web:Enabled=true", $"--Web:Port={port}", $"--Web:DatabasePath={database}",
            $"--Camp:WearersFolder={Path.Combine(scratch, "wearers")}");
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies, AutomaticDecompression = DecompressionMethods.None };
        using var client = new HttpClient(handler) { BaseAddress = page, Timeout = TimeSpan.FromSeconds(30) };
        if (!await WaitUntilServingAsync(client, TimeSpan.FromSeconds(120)))
        {
            Console.Error.WriteLine($"web: the page did not answer on {page} within 120 s; last line: {firmware.LastLine}");
            return false;
        }

        await PairAsync(client, page, cliDll, database);
        await PostJsonAsync(client, page, "/api/wearers", $$"""{"id":"{{Wearer}}","displayName":"Bench"}""", HttpStatusCode.Created);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wearer's page: firmware on the emulator, {Environment.ProcessorCount} cores, {seconds:0} s per CPU phase, {requests} API rounds"));
        // The first requests pay for JIT and the firmware's start-up; the figures begin after them.
        for (var i = 0; i < 20; i++)
        {
            foreach (var path in ApiPaths)
            {
                await GetAsync(client, path);
            }
        }

        var firstLoad = await FirstLoad.MeasureAsync(client, page);
        var latencies = await ApiLatencyAsync(client, requests);

        // The firmware's own load drifts (start-up settling, decoding, the machine's other work), so the two conditions
        // alternate in rounds rather than one long phase each: a drift then spoils both alike.
        const int Rounds = 4;
        var phase = seconds / Rounds;
        var counter = new StreamCounter();
        using var streamClient = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = page, Timeout = Timeout.InfiniteTimeSpan };
        var withoutStream = new List<double>();
        var withStream = new List<double>();
        long streamedBytes = 0;
        double streamedSeconds = 0;
        for (var round = 0; round < Rounds; round++)
        {
            withoutStream.Add(await CpuPercentOfCoreAsync(firmware.ProcessId, phase));
            using var streaming = new CancellationTokenSource();
            var reader = counter.ReadAsync(streamClient, streaming.Token);
            // Settle: the firmware starts its trace thread when the first listener arrives.
            await Task.Delay(TimeSpan.FromSeconds(2));
            var bytesBefore = counter.Bytes;
            var clock = Stopwatch.StartNew();
            withStream.Add(await CpuPercentOfCoreAsync(firmware.ProcessId, phase));
            streamedBytes += counter.Bytes - bytesBefore;
            streamedSeconds += clock.Elapsed.TotalSeconds;
            await streaming.CancelAsync();
            await reader;
            // Let the firmware notice the browser left and stop its trace thread before the next idle phase.
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        var streamBytesPerSecond = streamedBytes / streamedSeconds;
        var streamingCost = withStream.Average() - withoutStream.Average();

        var loadBytes = firstLoad.Sum(asset => asset.Bytes);
        Console.WriteLine("  first load (as served):");
        foreach (var (path, bytes) in firstLoad)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {path,-32} {bytes,9:N0} B"));
        }

        foreach (var (path, figures) in latencies)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  GET {path,-36} p50 {Percentile(figures, 0.5),6:0.0} ms  p95 {Percentile(figures, 0.95),6:0.0} ms  max {figures.Max(),6:0.0} ms"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  stream: {counter.Events} events ({counter.TraceEvents} traces, {counter.StatusEvents} status), last 'dropped' {counter.LastDropped}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  firmware CPU per {phase:0} s round, % of one core: without {string.Join(" ", withoutStream.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))}; with {string.Join(" ", withStream.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))}"));
        var all = latencies.SelectMany(l => l.Figures).ToList();
        var rows = new (string Figure, string Measured, string Goal, bool Ok)[]
        {
            ("firmware CPU, streaming - idle", $"{streamingCost:0.00} % of one core", $"<= {CpuGoalPercentOfCore} %", streamingCost <= CpuGoalPercentOfCore),
            ("stream", $"{streamBytesPerSecond / 1000:0.0} kB/s", $"<= {StreamGoalBytesPerSecond / 1000:0} kB/s", streamBytesPerSecond <= StreamGoalBytesPerSecond),
            ("first load", $"{loadBytes / 1000.0:0.0} kB ({firstLoad.Count} files)", $"<= {FirstLoadGoalBytes / 1000} kB", loadBytes <= FirstLoadGoalBytes),
            ("API p50", $"{Percentile(all, 0.5):0.0} ms", "-", true),
            ("API p95", $"{Percentile(all, 0.95):0.0} ms", $"<= {ApiP95GoalMilliseconds} ms", Percentile(all, 0.95) <= ApiP95GoalMilliseconds),
        };
        Console.WriteLine($"  {"figure",-32} {"measured",-26} {"goal",-14} result");
        foreach (var row in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {row.Figure,-32} {row.Measured,-26} {row.Goal,-14} {(row.Ok ? "ok" : "MISSED")}"));
        }

        return rows.All(row => row.Ok);
    }

    private static async Task<List<(string Path, List<double> Figures)>> ApiLatencyAsync(HttpClient client, int rounds)
    {
        var figures = ApiPaths.Select(path => (path, new List<double>(rounds))).ToList();
        for (var i = 0; i < rounds; i++)
        {
            foreach (var (path, list) in figures)
            {
                var clock = Stopwatch.StartNew();
                await GetAsync(client, path);
                list.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return figures;
    }

    private static async Task<double> CpuPercentOfCoreAsync(int pid, double seconds)
    {
        var before = ProcessCpu.Seconds(pid);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        return (ProcessCpu.Seconds(pid) - before) / clock.Elapsed.TotalSeconds * 100;
    }

    private static async Task PairAsync(HttpClient client, Uri page, string cliDll, string database)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { cliDll, "pair", "--database", database })
        {
            start.ArgumentList.Add(argument);
        }

        using var pair = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var printed = await pair.StandardOutput.ReadToEndAsync() + await pair.StandardError.ReadToEndAsync();
        await pair.WaitForExitAsync();
        var code = PairingCode().Match(printed);
        if (pair.ExitCode != 0 || !code.Success)
        {
            throw new InvalidOperationException($"edgebci pair --database {database} exited with {pair.ExitCode} and printed:\n{printed}");
        }

        await PostJsonAsync(client, page, "/api/pair", $$"""{"code":"{{code.Value}}"}""", HttpStatusCode.OK);
    }

    private static async Task PostJsonAsync(HttpClient client, Uri page, string path, string json, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        // As the page's own script sends it: the unit refuses a POST from another origin.
        request.Headers.Add("Origin", page.GetLeftPart(UriPartial.Authority));
        using var answer = await client.SendAsync(request);
        if (answer.StatusCode != expected)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)answer.StatusCode}, expected {(int)expected}: {await answer.Content.ReadAsStringAsync()}");
        }
    }

    private static async Task GetAsync(HttpClient client, string path)
    {
        using var answer = await client.GetAsync(path);
        var body = await answer.Content.ReadAsByteArrayAsync();
        if (answer.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)answer.StatusCode}: {Encoding.UTF8.GetString(body)}");
        }
    }

    private static async Task<bool> WaitUntilServingAsync(HttpClient client, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try
            {
                using var answer = await client.GetAsync("/pair");
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or too busy starting to answer.
            }

            await Task.Delay(250);
        }

        return false;
    }

    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"\b\d{3}-\d{3}\b")]
    private static partial Regex PairingCode();
}
