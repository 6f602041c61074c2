using System.Collections.Concurrent;
using System.Device.Gpio;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using EdgeBci.Acquisition.Boards;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Emulation;
using EdgeBci.Control.Deadman;

namespace EdgeBci.Firmware;

/// <summary>
/// The actuator board's deadman circuit (hardware/deadman.md), emulated outside the firmware's process. Every driver's
/// heartbeat watchdog is a timer in the firmware and dies with it; on a unit the deadman circuit is what still drops the
/// actuator's enable when the firmware is killed, hangs or crashes. This link stands for that circuit: the pipeline's
/// <see cref="DeadmanLine"/> drives two lines of an emulated gpiochip, and every level written on them goes, with its
/// time and the actuator's output at that moment (command and, on the emulated buses, what the devices drive), as a
/// line over a pipe to a small separate process (the firmware's own executable in <see cref="BoardWatchdogProcess"/>
/// mode) that models the circuit and writes its state to a file anyone can read. Killing, stopping or crashing the
/// firmware therefore shows from outside what the circuit would do. The link only mirrors: the actuator it wraps stays
/// the one the supervisor drives.
/// </summary>
internal sealed class BoardWatchdogLink : IActuator, IDeadmanGuarded
{
    private readonly IActuator _inner;
    private readonly EmulatedActuatorBuses? _buses;
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new(boundedCapacity: 4096);
    private readonly Thread _writer;
    private readonly BoardDeadman _wiring;
    private long _dropped;
    private bool _disposed;

    private BoardWatchdogLink(IActuator inner, EmulatedActuatorBuses? buses, Process process, string stateFile, BoardDeadman wiring)
    {
        _inner = inner;
        _buses = buses;
        _process = process;
        _wiring = wiring;
        StateFile = stateFile;
        _writer = new Thread(Write) { IsBackground = true, Name = "edgebci-deadman-link" };
        _writer.Start();
    }

    /// <summary>The actuator the supervisor drives.</summary>
    public IActuator Inner => _inner;

    /// <summary>The pipeline's line into the emulated circuit.</summary>
    public DeadmanLine Deadman { get; private set; } = null!;

    public string StateFile { get; }

    public int ProcessId => _process.Id;

    /// <summary>Lines that could not be queued (the circuit process stopped reading); its edges then stop reaching it.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Set when the pipe to the circuit process broke.</summary>
    public string? Failure { get; private set; }

    public string Kind => _inner.Kind;

    public TimeSpan? Acknowledged => _inner.Acknowledged;

    public bool WatchdogTripped => _inner.WatchdogTripped;

    public ActuatorCommand Output => _inner.Output;

    /// <summary>
    /// Starts the circuit process for <paramref name="inner"/> with the board's deadman wiring; it writes its state to
    /// <paramref name="stateFile"/>. The deadman lines are lines of <paramref name="buses"/>' gpiochip when the actuator
    /// runs on the emulated buses, of a chip of their own otherwise (a simulated platform).
    /// </summary>
    public static BoardWatchdogLink Start(IActuator inner, string stateFile, BoardDeadman wiring, EmulatedActuatorBuses? buses, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(wiring);
        ArgumentNullException.ThrowIfNull(time);
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("The firmware's executable path is unknown; the deadman circuit emulation cannot be started.");
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
        start.ArgumentList.Add(wiring.TimeoutMs.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(wiring.ClearLine >= 0 ? BoardWatchdogProcess.ClearWired : BoardWatchdogProcess.ClearTiedHigh);
        start.ArgumentList.Add(inner.Kind);
        var process = Process.Start(start) ?? throw new IOException($"The deadman circuit emulation ({host}) did not start.");
        var link = new BoardWatchdogLink(inner, buses, process, stateFile, wiring);
        try
        {
            var chip = buses?.Gpio ?? new EmulatedGpioChip();
            chip.Subscribe(link.OnLineWritten);
            link.Deadman = new DeadmanLine(new GpioController(chip.CreateDriver()), wiring.PulseLine, wiring.ClearLine, TimeSpan.FromMilliseconds(wiring.TimeoutMs), time);
        }
        catch
        {
            link.Dispose();
            throw;
        }

        return link;
    }

    public void Apply(ActuatorCommand command) => _inner.Apply(command);

    public void Neutral() => _inner.Neutral();

    public void Heartbeat() => _inner.Heartbeat();

    /// <summary>Switch-off: the enable dropped, the actuator closed (neutral), then the circuit told so, which ends its process.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            try
            {
                Deadman?.Drop();
            }
            finally
            {
                try
                {
                    _inner.Dispose();
                }
                finally
                {
                    Deadman?.Dispose();
                }
            }
        }
        finally
        {
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
    }

    /// <summary>
    /// On the thread that wrote the line (the pipeline's, or the one that dropped the enable): a deadman level with its
    /// time and the output at that moment. "P|C timestamp level v ω grip device".
    /// </summary>
    private void OnLineWritten(GpioLineWrite write)
    {
        var kind = write.Line == _wiring.PulseLine ? 'P' : write.Line == _wiring.ClearLine ? 'C' : '\0';
        if (kind == '\0')
        {
            return;
        }

        var output = _inner.Output;
        Post(string.Create(CultureInfo.InvariantCulture,
            $"{kind} {write.Timestamp} {(write.Value == PinValue.High ? 1 : 0)} {output.LinearSpeed:R} {output.TurnRate:R} {(output.Grip is { } grip ? grip.ToString() : "-")} {_buses?.Describe()}"));
    }

    private void Post(string line)
    {
        try
        {
            if (_lines.TryAdd(line))
            {
                return;
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException)
        {
            // Switched off: a drop from another thread came after the link closed.
        }

        Interlocked.Increment(ref _dropped);
    }

    /// <summary>On its own thread, so a circuit process that stops reading can never stall the control loop.</summary>
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
