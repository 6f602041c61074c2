using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using EdgeBci.Control.Actuators;

namespace EdgeBci.Firmware;

/// <summary>
/// A simulated actuator's board watchdog outside the firmware's process. Every driver's own heartbeat watchdog
/// (<see cref="HeartbeatWatchdog"/>) is a timer in the firmware's process, so it dies with it; on a real unit the
/// actuator board's hardware watchdog (or the chair controller's joystick-signal timeout) is what still acts then.
/// This link stands for that board: it starts a small separate process (the firmware's own executable in
/// <see cref="BoardWatchdogProcess"/> mode), sends it every heartbeat with the output just commanded, as a serial line
/// to an actuator board would carry them, and the process goes neutral by itself when the heartbeats stop for the
/// heartbeat timeout, writing its state to a file anyone can read. Killing the firmware therefore shows, from outside,
/// what the board would do. The link only mirrors: the simulated actuator it wraps stays the one the supervisor drives.
/// </summary>
internal sealed class BoardWatchdogLink : IActuator
{
    private readonly IActuator _inner;
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new(boundedCapacity: 1024);
    private readonly Thread _writer;
    private long _sequence;
    private long _dropped;
    private bool _disposed;

    private BoardWatchdogLink(IActuator inner, Process process, string stateFile)
    {
        _inner = inner;
        _process = process;
        StateFile = stateFile;
        _writer = new Thread(Write) { IsBackground = true, Name = "edgebci-board-watchdog-link" };
        _writer.Start();
    }

    /// <summary>The simulated actuator the supervisor drives.</summary>
    public IActuator Inner => _inner;

    public string StateFile { get; }

    public int ProcessId => _process.Id;

    /// <summary>Lines that could not be queued (the watchdog process stopped reading); heartbeats then stop reaching it.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Set when the pipe to the watchdog process broke.</summary>
    public string? Failure { get; private set; }

    public string Kind => _inner.Kind;

    public TimeSpan? Acknowledged => _inner.Acknowledged;

    public bool WatchdogTripped => _inner.WatchdogTripped;

    public ActuatorCommand Output => _inner.Output;

    /// <summary>Starts the watchdog process for <paramref name="inner"/>; it writes its state to <paramref name="stateFile"/>.</summary>
    public static BoardWatchdogLink Start(IActuator inner, string stateFile, TimeSpan heartbeatTimeout)
    {
        ArgumentNullException.ThrowIfNull(inner);
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The firmware's executable path is unknown; the board watchdog cannot be started.");
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardInput = true,
            UseShellExecute = false,
        };

        // Under `dotnet EdgeBci.Firmware.dll` the host is dotnet itself: the assembly comes first.
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.ArgumentList.Add(BoardWatchdogProcess.Verb);
        start.ArgumentList.Add(stateFile);
        start.ArgumentList.Add(heartbeatTimeout.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture));
        var process = Process.Start(start) ?? throw new IOException($"The board watchdog process ({host}) did not start.");
        return new BoardWatchdogLink(inner, process, stateFile);
    }

    public void Apply(ActuatorCommand command) => _inner.Apply(command);

    public void Neutral()
    {
        _inner.Neutral();
        Post("N");
    }

    /// <summary>The driver's heartbeat, then the same heartbeat with the output now commanded to the board.</summary>
    public void Heartbeat()
    {
        _inner.Heartbeat();
        var output = _inner.Output;
        Post(FormattableString.Invariant($"H {++_sequence} {output.LinearSpeed:R} {output.TurnRate:R} {(output.Grip is { } grip ? grip.ToString() : "-")}"));
    }

    /// <summary>Switch-off: the actuator neutral and closed, then the board told so, which ends the watchdog process.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _inner.Dispose();
        Post("Q");
        _lines.CompleteAdding();
        _writer.Join(TimeSpan.FromSeconds(1));
        if (!_process.WaitForExit(TimeSpan.FromSeconds(2)))
        {
            _process.Kill();
        }

        _process.Dispose();
        _lines.Dispose();
    }

    private void Post(string line)
    {
        if (_lines.IsAddingCompleted || !_lines.TryAdd(line))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>On its own thread, so a watchdog process that stops reading can never stall the control loop.</summary>
    private void Write()
    {
        try
        {
            var input = _process.StandardInput;
            foreach (var line in _lines.GetConsumingEnumerable())
            {
                input.WriteLine(line);
                input.Flush();
            }

            input.Close();
        }
        catch (IOException exception)
        {
            Failure = exception.Message;
        }
        catch (ObjectDisposedException exception)
        {
            Failure = exception.Message;
        }
    }
}

/// <summary>
/// The separate process behind <see cref="BoardWatchdogLink"/>: reads heartbeat lines on standard input
/// (<c>H seq v ω grip</c>, <c>N</c> for neutral, <c>Q</c> for switch-off), holds the output they carry, and when no
/// new heartbeat arrives for the timeout drives its output neutral ("heartbeat lost"), as an actuator board's own
/// watchdog does. A closed pipe is nothing special: a board on a serial line sees only silence, so the output goes
/// neutral when the timeout runs out after the last heartbeat, not earlier. After a trip it follows a moving output
/// again only once a neutral one came first. The state goes to a JSON file, replaced atomically on every change
/// (moving outputs at most every 50 ms); times are <see cref="Stopwatch"/> timestamps, CLOCK_MONOTONIC on Linux, the
/// same clock in every process of the machine.
/// </summary>
internal static class BoardWatchdogProcess
{
    public const string Verb = "--board-watchdog";

    private static readonly TimeSpan CheckPeriod = TimeSpan.FromMilliseconds(2);
    private static readonly long MovingWriteInterval = Stopwatch.Frequency / 20;

    public static bool IsInvocation(string[] args) => args.Length > 0 && args[0] == Verb;

    public static int Run(string[] args)
    {
        if (args.Length != 3 || !double.TryParse(args[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var timeoutMs) || timeoutMs <= 0)
        {
            Console.Error.WriteLine($"usage: {Verb} <state file> <heartbeat timeout ms>");
            return ExitCodes.Configuration;
        }

        // A board is not stopped by the signals that stop the firmware (Ctrl+C reaches the whole process group): it
        // ends on switch-off, or once it has gone neutral after the heartbeats stopped.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = true);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, context => context.Cancel = true);
        using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context => context.Cancel = true);
        var board = new Board(args[1], (long)(timeoutMs * Stopwatch.Frequency / 1000));
        var reader = new Thread(() => board.Read(Console.In)) { IsBackground = true, Name = "board-watchdog-reader" };
        reader.Start();
        return board.Watch();
    }

    private sealed class Board(string path, long timeoutTicks)
    {
        private readonly Lock _gate = new();
        private readonly string _temporary = path + ".tmp";
        private Output _output = Output.Neutral;
        private Output _held = Output.Neutral;
        private string _reason = "waiting for the first heartbeat";
        private long _heartbeats;
        private long _lastSequence;
        private long _lastHeartbeat;
        private long _tripped;
        private bool _tripLatched;
        private bool _linkClosed;
        private bool _quit;
        private bool _dirty = true;
        private bool _stateChanged = true;
        private long _lastWrite;

        public void Read(TextReader input)
        {
            try
            {
                while (input.ReadLine() is { } line)
                {
                    Handle(line);
                }
            }
            catch (IOException)
            {
            }

            lock (_gate)
            {
                _linkClosed = true;
            }
        }

        public int Watch()
        {
            while (true)
            {
                lock (_gate)
                {
                    var now = Stopwatch.GetTimestamp();
                    if (_heartbeats > 0 && !_tripLatched && !_quit && now - _lastHeartbeat > timeoutTicks)
                    {
                        _held = _output;
                        Set(Output.Neutral, "heartbeat lost");
                        _tripLatched = true;
                        _tripped = now;
                    }

                    if (_dirty && (_stateChanged || now - _lastWrite >= MovingWriteInterval || _quit))
                    {
                        WriteState(now);
                    }

                    var done = _quit || (_linkClosed && (_tripLatched || _heartbeats == 0));
                    if (done)
                    {
                        if (_linkClosed && !_quit && _heartbeats == 0)
                        {
                            _reason = "link closed before the first heartbeat";
                            WriteState(now);
                        }

                        return 0;
                    }
                }

                Thread.Sleep(CheckPeriod);
            }
        }

        private void Handle(string line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                return;
            }

            lock (_gate)
            {
                switch (parts[0])
                {
                    case "H" when parts.Length == 5 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var sequence) && sequence > _lastSequence:
                        _lastSequence = sequence;
                        _heartbeats++;
                        _lastHeartbeat = Stopwatch.GetTimestamp();
                        var output = new Output(
                            double.Parse(parts[2], CultureInfo.InvariantCulture),
                            double.Parse(parts[3], CultureInfo.InvariantCulture),
                            parts[4] == "-" ? null : parts[4]);
                        if (_tripLatched && !output.IsNeutral)
                        {
                            // After a trip only a neutral command re-enables the outputs.
                            _dirty = true;
                            break;
                        }

                        _tripLatched = false;
                        Set(output, output.IsNeutral ? "neutral command" : "command");
                        break;
                    case "N":
                        _tripLatched = false;
                        Set(Output.Neutral, "neutral command");
                        break;
                    case "Q":
                        Set(Output.Neutral, "switch-off");
                        _quit = true;
                        break;
                }
            }
        }

        private void Set(Output output, string reason)
        {
            _stateChanged |= output.IsNeutral != _output.IsNeutral || reason != _reason;
            _output = output;
            _reason = reason;
            _dirty = true;
        }

        private void WriteState(long now)
        {
            using (var stream = File.Create(_temporary))
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteString("state", _output.IsNeutral ? "neutral" : "moving");
                json.WriteNumber("linearSpeed", _output.LinearSpeed);
                json.WriteNumber("turnRate", _output.TurnRate);
                json.WriteString("grip", _output.Grip);
                json.WriteString("reason", _reason);
                json.WriteNumber("heartbeats", _heartbeats);
                json.WriteNumber("lastHeartbeatTimestamp", _lastHeartbeat);
                json.WriteNumber("trippedTimestamp", _tripped);
                json.WriteNumber("silentMsAtTrip", _tripped == 0 ? 0 : (_tripped - _lastHeartbeat) * 1000.0 / Stopwatch.Frequency);
                json.WriteStartObject("heldAtTrip");
                json.WriteString("state", _held.IsNeutral ? "neutral" : "moving");
                json.WriteNumber("linearSpeed", _held.LinearSpeed);
                json.WriteNumber("turnRate", _held.TurnRate);
                json.WriteString("grip", _held.Grip);
                json.WriteEndObject();
                json.WriteNumber("heartbeatTimeoutMs", timeoutTicks * 1000.0 / Stopwatch.Frequency);
                json.WriteNumber("timestampFrequency", Stopwatch.Frequency);
                json.WriteNumber("writtenTimestamp", now);
                json.WriteNumber("pid", Environment.ProcessId);
                json.WriteEndObject();
            }

            File.Move(_temporary, path, overwrite: true);
            _lastWrite = now;
            _dirty = false;
            _stateChanged = false;
        }
    }

    private readonly record struct Output(double LinearSpeed, double TurnRate, string? Grip)
    {
        public static Output Neutral => default;

        public bool IsNeutral => LinearSpeed == 0 && TurnRate == 0 && Grip is null;
    }
}
