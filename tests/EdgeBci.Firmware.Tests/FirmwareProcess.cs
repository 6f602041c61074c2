using System.Diagnostics;
using System.Text;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// The firmware started as a user starts it, its console captured line by line. Its standard input is a pipe the test
/// writes to (<see cref="Send"/>): the unit's console, where "arm" is a local request. Waits wake on each new line or on
/// the exit, not on a poll. Every firmware started is in <see cref="Running"/> until disposed, so a test that ends without
/// disposing it (a crash, a hang the runner gives up on) still leaves no firmware loading the machine
/// (<see cref="KillAllStillRunning"/>).
/// </summary>
internal sealed class FirmwareProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _gate = new();
    private long _changes;
    private readonly string _scratch;
    private static readonly HashSet<FirmwareProcess> Running = [];

    static FirmwareProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllStillRunning();

    /// <summary>
    /// A firmware on the emulator's defaults, decoding with the two-class model (<see cref="MovingModel"/>) unless the
    /// test names a model: most tests need a chair that moves soon, not the shipped three-class model's rest.
    /// </summary>
    public FirmwareProcess(params string[] args)
        : this(FirmwareDll, WithMovingModel(args))
    {
    }

    /// <summary>The shipped two-class model: it asks for a turn on nearly every decision, so the chair moves within seconds.</summary>
    public const string MovingModel = "--Decoding:ModelPath=models/s001-left-vs-right";

    /// <summary>A firmware on exactly the shipped defaults, model included (what `make run` runs).</summary>
    public static FirmwareProcess WithShippedDefaults(params string[] args) => new(FirmwareDll, args);

    /// <summary>A firmware from another build folder (a copy whose settings files a test rewrites).</summary>
    public static FirmwareProcess FromBuild(string firmwareDll, params string[] args) => new(firmwareDll, args);

    /// <summary>A firmware with environment variables of its own (what systemd sets, e.g. NOTIFY_SOCKET and WATCHDOG_USEC).</summary>
    public static FirmwareProcess WithEnvironment(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(FirmwareDll, WithMovingModel(args), environment);

    private static string[] WithMovingModel(string[] args) =>
        args.Any(arg => arg.StartsWith("--Decoding:ModelPath=", StringComparison.Ordinal)) ? args : [MovingModel, .. args];

    // Not a public overload: `new FirmwareProcess("--Key=value")` would bind its one argument to the path.
    private FirmwareProcess(string firmwareDll, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(firmwareDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Each firmware its own command socket, event journal and embedded broker port, so tests running side by side
        // do not meet on the unit's defaults (one socket, one journal folder, port 1883).
        _scratch = Path.Combine(Path.GetTempPath(), $"edgebci-test-{Guid.NewGuid():N}");
        if (!args.Any(arg => arg.StartsWith("--Control:CommandSocket=", StringComparison.Ordinal)))
        {
            CommandSocket = Path.Combine(_scratch, "control.sock");
            start.ArgumentList.Add($"--Control:CommandSocket={CommandSocket}");
        }

        if (!args.Any(arg => arg.StartsWith("--Mqtt:EventQueuePath=", StringComparison.Ordinal)))
        {
            start.ArgumentList.Add($"--Mqtt:EventQueuePath={Path.Combine(_scratch, "events")}");
        }

        if (!args.Any(arg => arg.StartsWith("--Mqtt:EmbeddedPort=", StringComparison.Ordinal) || arg.StartsWith("--Mqtt:Broker=", StringComparison.Ordinal)))
        {
            start.ArgumentList.Add("--Mqtt:EmbeddedPort=0");
        }

        if (!args.Any(arg => arg.StartsWith("--Mqtt:EmbeddedCredentialsFile=", StringComparison.Ordinal)))
        {
            BrokerCredentialsFile = Path.Combine(_scratch, "broker", "credentials.json");
            start.ArgumentList.Add($"--Mqtt:EmbeddedCredentialsFile={BrokerCredentialsFile}");
        }

        if (!args.Any(arg => arg.StartsWith("--Recording:Folder=", StringComparison.Ordinal)))
        {
            start.ArgumentList.Add($"--Recording:Folder={Path.Combine(_scratch, "recordings")}");
        }

        // The wearer's page is served on the emulator by default (port 8080, the unit's camp database): a test about it
        // asks for it with its own port and database; every other firmware runs without it.
        if (!args.Any(arg => arg.StartsWith("--Web:", StringComparison.Ordinal)))
        {
            start.ArgumentList.Add("--Web:Enabled=false");
        }

        // The unit's release state (/var/lib/edgebci/release) is never read or written by a test's firmware.
        if (!args.Any(arg => arg.StartsWith("--Release:StateFolder=", StringComparison.Ordinal)))
        {
            start.ArgumentList.Add($"--Release:StateFolder={Path.Combine(_scratch, "release")}");
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Exited += (_, _) => Wake();
        lock (Running)
        {
            _process.Start();
            Running.Add(this);
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The firmware's build output, beside this test assembly's (same configuration).</summary>
    public static string FirmwareDll
    {
        get
        {
            var testDirectory = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = testDirectory.Parent!.Name;
            var repository = testDirectory.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
            return Path.Combine(repository, "firmware", "EdgeBci.Firmware", "bin", configuration, testDirectory.Name, "EdgeBci.Firmware.dll");
        }
    }

    public int Id => _process.Id;

    /// <summary>The local command socket this firmware was given, or null when the test chose its own.</summary>
    public string? CommandSocket { get; }

    /// <summary>The embedded broker's credentials file this firmware was given, or null when the test chose its own.</summary>
    public string? BrokerCredentialsFile { get; }

    /// <summary>The exit code, once exited.</summary>
    public int ExitCode => _process.ExitCode;

    public bool HasExited => _process.HasExited;

    /// <summary>Types a line on the firmware's console.</summary>
    public void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>SIGKILL to the firmware alone: no shutdown code runs, and a child it started lives on.</summary>
    public void KillFirmwareOnly()
    {
        _process.Kill(entireProcessTree: false);
        _process.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>A POSIX signal (STOP, CONT, ...) to the firmware alone, as <c>kill -s NAME pid</c> sends it.</summary>
    public void Signal(string name)
    {
        var start = new ProcessStartInfo("kill") { UseShellExecute = false };
        start.ArgumentList.Add("-s");
        start.ArgumentList.Add(name);
        start.ArgumentList.Add(_process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var kill = Process.Start(start) ?? throw new InvalidOperationException("kill did not start");
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -s {name} {_process.Id} exited with {kill.ExitCode}");
        }
    }

    public string Output
    {
        get { lock (_gate) { return _output.ToString(); } }
    }

    public int CountLines(string fragment) =>
        Output.Split('\n').Count(line => line.Contains(fragment, StringComparison.Ordinal));

    /// <summary>Re-checks the condition on every new line of output until it holds, the firmware exits or the timeout passes.</summary>
    public bool WaitUntil(Func<string, bool> condition, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            long seen;
            lock (_gate)
            {
                seen = _changes;
            }

            if (condition(Output))
            {
                return true;
            }

            if (_process.HasExited)
            {
                _process.WaitForExit();
                return condition(Output);
            }

            lock (_gate)
            {
                var left = timeout - deadline.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                if (_changes == seen)
                {
                    Monitor.Wait(_gate, left);
                }
            }
        }
    }

    /// <summary>Kills every firmware not yet disposed, with its children (the board watchdog); the runner's last word.</summary>
    public static void KillAllStillRunning()
    {
        FirmwareProcess[] left;
        lock (Running)
        {
            left = [.. Running];
        }

        foreach (var firmware in left)
        {
            firmware.Dispose();
        }
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"The firmware did not exit within {timeout}. Output:\n{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        lock (Running)
        {
            if (!Running.Remove(this))
            {
                return;
            }
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill: nothing left to end.
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

        lock (_gate)
        {
            _output.AppendLine(line);
            _changes++;
            Monitor.PulseAll(_gate);
        }
    }

    private void Wake()
    {
        lock (_gate)
        {
            _changes++;
            Monitor.PulseAll(_gate);
        }
    }
}
