using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Control;

namespace EdgeBci.Firmware;

/// <summary>A chip fault the firmware injected into the emulator, with the control-clock times the STOP is measured from.</summary>
/// <param name="Sequence">1, 2, 3, ... in order of injection.</param>
/// <param name="Fault">The fault in its configuration spelling.</param>
/// <param name="Origin">Who asked: an Emulator:Faults entry, or the console.</param>
/// <param name="InjectedAt">Control-clock time just after the fault was set on the chip.</param>
/// <param name="LastCleanFrame">Control-clock DRDY time of the last good frame read before the fault was set (null before the first frame).</param>
internal sealed record FaultInjection(long Sequence, string Fault, string Origin, TimeSpan InjectedAt, TimeSpan? LastCleanFrame);

/// <summary>
/// Injects chip faults into the emulated ADS1299 while the firmware runs: the <c>Emulator:Faults</c> entries with an
/// <c>AfterSeconds</c> above 0, that many seconds after streaming started, and any fault typed on the console
/// (<c>inject railed=5</c>). Entries with <c>AfterSeconds</c> 0 are set before the chip is identified
/// (<see cref="ApplyAtStart"/>). Each injection is logged with its control-clock time and the last good frame before
/// it, so the supervisor's STOP can be timed from the fault. Does nothing on a real board.
/// </summary>
internal sealed partial class EmulatorFaultService(
    FrontEnd frontEnd,
    AcquisitionSettings settings,
    AcquisitionService acquisition,
    TimeProvider time,
    ILogger<EmulatorFaultService> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private FaultInjection? _last;
    private long _sequence;

    /// <summary>Raised after each chip fault is set, on the thread that set it.</summary>
    public event Action<FaultInjection>? Injected;

    /// <summary>True on the emulator, the only board faults can be injected into.</summary>
    public bool Available => frontEnd.Emulator is not null;

    /// <summary>The latest injection, or null.</summary>
    public FaultInjection? LastInjection => Volatile.Read(ref _last);

    /// <summary>Sets the faults due at once (AfterSeconds 0) on the emulated chip before it is initialised; returns them.</summary>
    public static IReadOnlyList<string> ApplyAtStart(FrontEnd frontEnd, EmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        ArgumentNullException.ThrowIfNull(options);
        if (frontEnd.Emulator is not { } emulator)
        {
            return [];
        }

        var applied = new List<string>();
        foreach (var entry in options.Faults.Where(entry => entry.AfterSeconds == 0))
        {
            if (EmulatorFault.TryParse(entry.Fault, frontEnd.Device.ChannelCount, out var fault, out _))
            {
                fault.Apply(emulator.Faults);
                applied.Add(fault.ToString());
            }
        }

        return applied;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (Available)
        {
            foreach (var entry in settings.Emulator.Faults.Where(entry => entry.AfterSeconds == 0))
            {
                LogAtStart(entry.Fault);
            }
        }
        else if (settings.Emulator.Faults.Length > 0)
        {
            LogIgnored(settings.Board);
        }

        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// The one fault that is not the chip's: an exception nothing catches, thrown on a thread of its own, so the route
    /// every unforeseen bug takes (the process's unhandled-exception handler → SafeStop → neutral, then the process
    /// ends and the board watchdog stays neutral) can be exercised end to end. Emulator only.
    /// </summary>
    public const string UnhandledException = "unhandled-exception";

    /// <summary>
    /// A crash like a native one (a segfault in ONNX Runtime): <see cref="Environment.FailFast(string)"/> on a thread of its
    /// own ends the process at once, skipping every managed handler, finally block and the host's shutdown, so nothing in
    /// the firmware drives the outputs neutral; only the actuator board's deadman circuit can. Emulator only.
    /// </summary>
    public const string Crash = "crash";

    /// <summary>What <see cref="TryInject"/> accepts.</summary>
    public static string Usage => EmulatorFault.Usage + ", " + UnhandledException + " or " + Crash;

    /// <summary>Injects <paramref name="text"/> (the --inject spelling) now; false with the reason when it is not a fault or there is no emulator.</summary>
    public bool TryInject(string text, string origin, out string error)
    {
        if (!Available)
        {
            error = $"faults can be injected on the emulator only (Board = {settings.Board})";
            return false;
        }

        if (string.Equals(text.Trim(), UnhandledException, StringComparison.OrdinalIgnoreCase))
        {
            ThrowUnhandled(origin);
            error = string.Empty;
            return true;
        }

        if (string.Equals(text.Trim(), Crash, StringComparison.OrdinalIgnoreCase))
        {
            CrashProcess(origin);
            error = string.Empty;
            return true;
        }

        if (!EmulatorFault.TryParse(text, frontEnd.Device.ChannelCount, out var fault, out error))
        {
            return false;
        }

        Inject(fault, origin);
        return true;
    }

    /// <summary>Clears every fault on the emulated chip (the supervisor stays latched until a local re-arm).</summary>
    public bool ClearAll()
    {
        if (frontEnd.Emulator is not { } emulator)
        {
            return false;
        }

        emulator.Faults.ClearAll();
        LogCleared(time.MonotonicNow().TotalMilliseconds);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Available)
        {
            return;
        }

        var started = time.GetTimestamp();
        var due = settings.Emulator.Faults
            .Select((entry, index) => (Entry: entry, Index: index))
            .Where(item => item.Entry.AfterSeconds > 0)
            .OrderBy(item => item.Entry.AfterSeconds);
        foreach (var (entry, index) in due)
        {
            var wait = TimeSpan.FromSeconds(entry.AfterSeconds) - time.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, stoppingToken);
            }

            if (EmulatorFault.TryParse(entry.Fault, frontEnd.Device.ChannelCount, out var fault, out _))
            {
                Inject(fault, FormattableString.Invariant($"{EmulatorOptions.Section}:Faults:{index}, after {entry.AfterSeconds} s"));
            }
        }
    }

    private void ThrowUnhandled(string origin)
    {
        LogUnhandled(origin, time.MonotonicNow().TotalMilliseconds);
        var thread = new Thread(() => throw new InvalidOperationException($"injected {UnhandledException} ({origin}): nothing catches this"))
        {
            IsBackground = true,
            Name = "edgebci-injected-fault",
        };
        thread.Start();
    }

    private void CrashProcess(string origin)
    {
        // Written straight to standard error: the logger's queue would never get to it.
        var at = time.MonotonicNow().TotalMilliseconds;
        Console.Error.WriteLine(FormattableString.Invariant($"emulator fault injected: {Crash} ({origin}) at {at:0.0} ms on the control clock: Environment.FailFast, no managed handler runs"));
        var thread = new Thread(() => Environment.FailFast($"injected {Crash} ({origin}): the process ends without running any handler"))
        {
            IsBackground = true,
            Name = "edgebci-injected-crash",
        };
        thread.Start();
    }

    private void Inject(EmulatorFault fault, string origin)
    {
        FaultInjection record;
        lock (_gate)
        {
            // The frame read before the fault is set cannot carry it: it is the last good frame the STOP is timed from.
            // The injection is published before the fault is set, so a STOP it causes always finds it (a stall of this
            // thread between the two would otherwise leave the STOP unattributed).
            var before = acquisition.Loop?.Counters.LastFrameTimestamp ?? 0;
            var now = time.MonotonicNow();
            record = new FaultInjection(++_sequence, fault.ToString(), origin, now, before == 0 ? null : time.ToControlTime(before));
            Volatile.Write(ref _last, record);
            fault.Apply(frontEnd.Emulator!.Faults);
        }

        LogInjected(record.Fault, record.Origin, record.InjectedAt.TotalMilliseconds, record.LastCleanFrame?.TotalMilliseconds ?? double.NaN);
        Injected?.Invoke(record);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "emulator fault set before the chip was initialised: {Fault}")]
    private partial void LogAtStart(string fault);

    [LoggerMessage(Level = LogLevel.Warning, Message = "emulator fault injected: {Fault} ({Origin}) at {At:0.0} ms on the control clock; last good frame before it at {LastFrame:0.0} ms")]
    private partial void LogInjected(string fault, string origin, double at, double lastFrame);

    [LoggerMessage(Level = LogLevel.Warning, Message = "emulator fault injected: " + UnhandledException + " ({Origin}) at {At:0.0} ms on the control clock: an exception no stage catches, on its own thread")]
    private partial void LogUnhandled(string origin, double at);

    [LoggerMessage(Level = LogLevel.Warning, Message = "emulator faults cleared at {At:0.0} ms; a latched STOP still needs a local re-arm")]
    private partial void LogCleared(double at);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Emulator:Faults ignored: Board = {Board} is not the emulator")]
    private partial void LogIgnored(string board);
}
