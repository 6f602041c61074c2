using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeBci.Benchmarks;

/// <summary>
/// The safety timing goals the firmware's end-to-end tests print but cannot promise on a shared CI machine, measured on
/// the real firmware (a child process on its make-run defaults, turning the simulated wheelchair): for each chip fault
/// the emulator injects, the output is neutral within 50 ms of the last good frame; and after a SIGKILL of the firmware,
/// the emulated deadman circuit (a separate process) has dropped the enable within its 100 ms timeout + 25 ms of the last
/// rising edge (its wake-up and state write). Run it on an idle unit: `-- safety`.
/// </summary>
internal static partial class SafetyTimingBenchmark
{
    public const double StopGoalMilliseconds = 50;
    /// <summary>deadman.timeoutMs of hardware/boards/emulator.json.</summary>
    public const double HeartbeatTimeoutMilliseconds = 100;
    public const double WatchdogGoalMilliseconds = HeartbeatTimeoutMilliseconds + 25;

    private static readonly string[] Faults = ["stuck-drdy", "electrode-off=3", "railed=5", "corrupt-status=500"];
    private static readonly TimeSpan UntilTurning = TimeSpan.FromSeconds(60);

    public static bool Run()
    {
        var firmwareDll = Path.Combine(PipelineReplay.RepositoryRoot(), "firmware", "EdgeBci.Firmware", "bin", "Release", "net10.0", "EdgeBci.Firmware.dll");
        if (!File.Exists(firmwareDll))
        {
            Console.Error.WriteLine($"safety: {firmwareDll} is not built; run `dotnet build firmware/EdgeBci.Firmware -c Release` first.");
            return false;
        }

        Console.WriteLine($"safety timing: {Environment.ProcessorCount} cores");
        var ok = true;
        foreach (var fault in Faults)
        {
            ok &= StopAfterFault(firmwareDll, fault);
        }

        return WatchdogAfterKill(firmwareDll) && ok;
    }

    private static bool StopAfterFault(string firmwareDll, string fault)
    {
        using var firmware = new Firmware(firmwareDll);
        if (!firmware.WaitFor(Turning(), UntilTurning, out _, IsTurning))
        {
            Console.Error.WriteLine($"safety: {fault}: the simulated wheelchair never turned; last line: {firmware.LastLine}");
            return false;
        }

        firmware.Send($"inject {fault}");
        if (!firmware.WaitFor(StopLine(), TimeSpan.FromSeconds(10), out var stop))
        {
            Console.Error.WriteLine($"safety: {fault}: no STOP within 10 s; last line: {firmware.LastLine}");
            return false;
        }

        var fromLastGood = double.Parse(stop.Groups["good"].Value, CultureInfo.InvariantCulture);
        var ok = stop.Groups["output"].Value == "neutral" && fromLastGood <= StopGoalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"STOP on {fault,-18} ({stop.Groups["reason"].Value}): output {stop.Groups["output"].Value} {fromLastGood:0.0} ms after the last good frame (goal <= {StopGoalMilliseconds} ms) {(ok ? "ok" : "MISSED")}"));
        return ok;
    }

    private static bool WatchdogAfterKill(string firmwareDll)
    {
        var stateFile = Path.Combine(Path.GetTempPath(), $"edgebci-bench-board-{Guid.NewGuid():N}.json");
        try
        {
            using var firmware = new Firmware(firmwareDll, $"--Control:BoardWatchdogFile={stateFile}");
            var clock = Stopwatch.StartNew();
            while (!(firmware.WaitFor(Turning(), TimeSpan.FromSeconds(1), out _, IsTurning) && ReadBoard(stateFile) is { State: "moving" }))
            {
                if (clock.Elapsed > UntilTurning)
                {
                    Console.Error.WriteLine($"safety: the deadman circuit never saw the wheelchair moving; last line: {firmware.LastLine}");
                    return false;
                }

                Thread.Sleep(10);
            }

            var killedAt = Stopwatch.GetTimestamp();
            firmware.KillFirmwareOnly();
            clock.Restart();
            Board? board;
            while ((board = ReadBoard(stateFile)) is not { Reason: "timeout" })
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Console.Error.WriteLine("safety: the deadman circuit did not drop the enable within 30 s of the kill");
                    return false;
                }

                Thread.Sleep(5);
            }

            var killToNeutral = (board.Value.Tripped - killedAt) * 1000.0 / Stopwatch.Frequency;
            var ok = board.Value.SilentMs >= HeartbeatTimeoutMilliseconds && board.Value.SilentMs <= WatchdogGoalMilliseconds && killToNeutral <= WatchdogGoalMilliseconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"deadman circuit after SIGKILL: enable off, output neutral {board.Value.SilentMs:0.0} ms after the last rising edge, {killToNeutral:0.0} ms after the kill (goal {HeartbeatTimeoutMilliseconds}..{WatchdogGoalMilliseconds} ms) {(ok ? "ok" : "MISSED")}"));
            return ok;
        }
        finally
        {
            File.Delete(stateFile);
        }
    }

    private static bool IsTurning(Match line) => Math.Abs(double.Parse(line.Groups["turn"].Value, CultureInfo.InvariantCulture)) > 0.05;

    private static Board? ReadBoard(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            var drop = root.GetProperty("lastDrop");
            return drop.ValueKind != JsonValueKind.Object
                ? new Board(root.GetProperty("state").GetString()!, root.GetProperty("reason").GetString()!, 0, 0)
                : new Board(root.GetProperty("state").GetString()!, root.GetProperty("reason").GetString()!,
                    drop.GetProperty("noticedTimestamp").GetInt64(), drop.GetProperty("noticedAfterLastPulseMs").GetDouble());
        }
        catch (Exception exception) when (exception is IOException or JsonException or UnauthorizedAccessException or KeyNotFoundException)
        {
            return null;
        }
    }


    [GeneratedRegex(@"platform: simulated-wheelchair .* turn (?<turn>-?\d+\.\d+) rad/s \| command [^|]+ \| supervisor Active")]
    private static partial Regex Turning();

    [GeneratedRegex(@"STOP (?<reason>\w+): output (?<output>\w+) (?<good>-?\d+\.\d) ms after the last good frame, .* after the fault")]
    private static partial Regex StopLine();

    private readonly record struct Board(string State, string Reason, long Tripped, double SilentMs);

    /// <summary>The firmware as a child process with its own socket, journal, broker port and recordings; killed with its children on dispose.</summary>
    internal sealed class Firmware : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly string _scratch = Path.Combine(Path.GetTempPath(), $"edgebci-bench-safety-{Guid.NewGuid():N}");

        public Firmware(string dll, params string[] args)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(dll);
            foreach (var arg in (string[])[.. args, $"--Control:CommandSocket={Path.Combine(_scratch, "control.sock")}", $"--Mqtt:EventQueuePath={Path.Combine(_scratch, "events")}",
                "--Mqtt:EmbeddedPort=0", $"--Recording:Folder={Path.Combine(_scratch, "recordings")}"])
            {
                start.ArgumentList.Add(arg);
            }

            start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public int ProcessId => _process.Id;

        public string LastLine
        {
            get { lock (_lines) { return _lines.Count > 0 ? _lines[^1] : string.Empty; } }
        }

        public void Send(string line)
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }

        public void KillFirmwareOnly()
        {
            _process.Kill(entireProcessTree: false);
            _process.WaitForExit();
        }

        /// <summary>Waits, line by line, for the first line so far or to come that matches (and that <paramref name="accept"/> accepts).</summary>
        public bool WaitFor(Regex pattern, TimeSpan timeout, out Match match, Func<Match, bool>? accept = null)
        {
            var clock = Stopwatch.StartNew();
            var next = 0;
            lock (_lines)
            {
                while (true)
                {
                    for (; next < _lines.Count; next++)
                    {
                        match = pattern.Match(_lines[next]);
                        if (match.Success && (accept is null || accept(match)))
                        {
                            return true;
                        }
                    }

                    var left = timeout - clock.Elapsed;
                    if (left <= TimeSpan.Zero || _process.HasExited)
                    {
                        match = Match.Empty;
                        return false;
                    }

                    Monitor.Wait(_lines, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
                }
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
            if (Directory.Exists(_scratch))
            {
                Directory.Delete(_scratch, recursive: true);
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(line);
                Monitor.PulseAll(_lines);
            }
        }
    }
}
