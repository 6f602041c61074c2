using EdgeBci.Acquisition.Streaming;
using EdgeBci.Decoding.Live;

namespace EdgeBci.Firmware;

/// <summary>Receives each decision on the decoding thread, with the window's probabilities (valid during the call only).</summary>
internal delegate void DecisionObserver(in Decision decision, ReadOnlySpan<float> probabilities);

/// <summary>
/// Runs the decoder on the signal stage's output, frame by frame on a thread of its own: a decision every hop, each
/// logged at debug level, and once a second a summary with the DRDY-to-decision latency. Without a usable model (none
/// configured, refused, or failing on its warm-up window) the stage runs without a decoder and says so: there are
/// then no decisions, and nothing may move. A window whose output is not a probability distribution is a model
/// fault: the status says the model is not verified (the supervisor's ModelFault STOP) and the model makes no more
/// decisions.
/// <para>
/// <b>A model changes only when the chair is still.</b> The watcher verifies and warms up a changed bundle and stages
/// it; it takes over at the first window at which <see cref="SwapPermitted"/> (the supervisor Disarmed or in SafeStop)
/// allows it. A bundle that fails is refused with its reason and the running model continues. A swap arms nothing:
/// after it the wearer arms locally as after any disarm.
/// </para>
/// </summary>
internal sealed partial class DecodingService(
    SignalService signal,
    DecodingStage stage,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<DecodingService> logger) : BackgroundService
{
    // Latencies of the last second (Stopwatch ticks), written on the decoding thread only.
    private readonly long[] _latencies = new long[1024];
    private readonly long[] _sorted = new long[1024];
    private readonly Lock _lastLock = new();
    private readonly Lock _statusLock = new();
    private LiveDecoder? _decoder;
    private int _latencyCount;
    private long _decisions;
    private Decision _last;
    private DecoderStatus _status = new(false, false, "not started");
    private DecoderSecond? _lastSecond;
    private string? _lastRejection;

    /// <summary>
    /// Raised on the decoding thread with every decision, right after it is recorded; the probabilities are the
    /// window's and valid during the call only. Handlers must be quick and must not throw (an exception ends the
    /// decoding stage as a fault). Subscribe before the host starts.
    /// </summary>
    public event DecisionObserver? DecisionMade;

    /// <summary>
    /// Raised when the decoder's status changes (loaded, staged, swapped, model fault, none, failed), on the thread that
    /// changed it; calls are serialised, so a handler sees the changes in the order they were made. Must be quick.
    /// </summary>
    public event Action<DecoderStatus>? StatusChanged;

    /// <summary>Raised from the decoding stage's catch block with the message, before the firmware stops on the fault.</summary>
    public event Action<string>? Faulted;

    /// <summary>The model running now (id, version), or null.</summary>
    public (string Id, string Version)? Model => Decoder?.CurrentManifest is { } manifest ? (manifest.ModelId, manifest.ModelVersion) : null;

    /// <summary>The last full second's figures (windows, DRDY-to-decision p50/p99), or null before the first.</summary>
    public DecoderSecond? LastSecond => Volatile.Read(ref _lastSecond);

    /// <summary>The decoder's state now.</summary>
    public DecoderStatus Status
    {
        get
        {
            lock (_statusLock)
            {
                return _status;
            }
        }
    }

    /// <summary>The decoder in use, or null while there is none.</summary>
    public LiveDecoder? Decoder => Volatile.Read(ref _decoder);

    /// <summary>Why there is no decoder (null while one runs).</summary>
    public string? Unavailable { get; private set; } = "not started";

    /// <summary>Decisions so far.</summary>
    public long Decisions => Interlocked.Read(ref _decisions);

    /// <summary>The latest decision (default before the first).</summary>
    public Decision LastDecision
    {
        get
        {
            lock (_lastLock)
            {
                return _last;
            }
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var decoding = Task.Factory.StartNew(() => Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var watching = Task.Run(() => WatchAsync(stoppingToken), stoppingToken);
        return Task.WhenAll(decoding, watching);
    }

    public override void Dispose()
    {
        Interlocked.Exchange(ref _decoder, null)?.Dispose();
        base.Dispose();
    }

    private void Run(CancellationToken stoppingToken)
    {
        try
        {
            TryStart();
            Pump(stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFault(exception.Message);
            UpdateStatus(status => status with { Healthy = false, Reason = "decoding stopped: " + exception.Message });
            Faulted?.Invoke($"decoding stopped: {exception.GetType().Name}: {exception.Message}");
            Environment.ExitCode = ExitCodes.AcquisitionFault;
            lifetime.StopApplication();
        }
    }

    // Under the lock, handlers included: two threads change the status (watcher, decoding), and the supervisor must
    // not be told "verified" after "fault" because the two notifications crossed.
    private void UpdateStatus(Func<DecoderStatus, DecoderStatus> change)
    {
        lock (_statusLock)
        {
            _status = change(_status);
            StatusChanged?.Invoke(_status);
        }
    }

    private void Pump(CancellationToken stoppingToken)
    {
        using var reader = signal.Output.CreateReader();
        var frame = new int[signal.Output.ChannelCount];
        var nextReport = time.GetTimestamp() + time.TimestampFrequency;
        long windowsAtReport = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (reader.WaitForData(1, TimeSpan.FromMilliseconds(250)))
            {
                var decoder = Volatile.Read(ref _decoder);
                while (reader.TryRead(frame, default, out var stamp))
                {
                    decoder?.Push(frame, stamp.SampleIndex, stamp.Timestamp);
                }
            }

            if (time.GetTimestamp() >= nextReport)
            {
                nextReport += time.TimestampFrequency;
                windowsAtReport = ReportSecond(windowsAtReport);
            }
        }
    }

    private void OnDecision(in Decision decision)
    {
        var latency = time.GetTimestamp() - decision.Timestamp;
        if (_latencyCount < _latencies.Length)
        {
            _latencies[_latencyCount++] = latency;
        }

        lock (_lastLock)
        {
            _last = decision;
        }

        Interlocked.Increment(ref _decisions);
        DecisionMade?.Invoke(in decision, Volatile.Read(ref _decoder) is { } decoder ? decoder.Probabilities : default);
        if (logger.IsEnabled(LogLevel.Debug))
        {
            LogDecision(decision.WindowIndex, decision.ClassName, decision.Confidence, decision.EvidenceClassName, decision.Evidence,
                decision.Rejected, decision.Focus, decision.LastSampleIndex, Milliseconds(latency));
        }

        if (decision.Rejection is { } rejection && !ReferenceEquals(rejection, _lastRejection))
        {
            // Once per change of reason, at Warning: the log says why decisions stopped (the strings are the gate's own).
            LogRejected(decision.WindowIndex, rejection);
        }

        _lastRejection = decision.Rejection;
    }

    private long ReportSecond(long windowsAtReport)
    {
        var decoder = Volatile.Read(ref _decoder);
        if (decoder is null)
        {
            LogNoDecoderSecond(Unavailable ?? "unknown", stage.Focus.Score);
            return windowsAtReport;
        }

        var count = _latencyCount;
        _latencyCount = 0;
        double p50 = double.NaN, p99 = double.NaN;
        if (count > 0)
        {
            Array.Copy(_latencies, _sorted, count);
            Array.Sort(_sorted, 0, count);
            p50 = Milliseconds(_sorted[(count - 1) / 2]);
            p99 = Milliseconds(_sorted[Math.Min(count - 1, (int)Math.Ceiling(count * 0.99) - 1)]);
        }

        if (decoder.ModelFault is { } fault)
        {
            // No window decoded: the self-test and the telemetry see a decoder that makes no decisions.
            Volatile.Write(ref _lastSecond, new DecoderSecond(0, decoder.WindowsDecoded, double.NaN, double.NaN, decoder.Gaps));
            LogFaultedSecond(decoder.CurrentModel, fault, stage.Focus.Score);
            return decoder.WindowsDecoded;
        }

        var windows = decoder.WindowsDecoded;
        Volatile.Write(ref _lastSecond, new DecoderSecond(windows - windowsAtReport, windows, p50, p99, decoder.Gaps));
        var last = LastDecision;
        LogSecond(decoder.CurrentModel, windows - windowsAtReport, last.EvidenceClassName ?? "-", last.Evidence, last.ClassName ?? "-", last.Confidence,
            stage.Focus.Score, p50, p99, decoder.Gaps);
        return windows;
    }

    private double Milliseconds(long ticks) => ticks * 1000.0 / time.TimestampFrequency;

    [LoggerMessage(Level = LogLevel.Information, Message = "decoder: none ({Reason}) | focus {Focus:0.00}")]
    private partial void LogNoDecoderSecond(string reason, double focus);

    [LoggerMessage(Level = LogLevel.Information, Message = "decoder: {Model} faulted, no decisions ({Reason}) | focus {Focus:0.00}")]
    private partial void LogFaultedSecond(string model, string reason, double focus);

    [LoggerMessage(Level = LogLevel.Debug, Message = "decision #{Window}: window {Class} p={Confidence:0.00}, evidence {EvidenceClass} {Evidence:0.00}, rejected {Rejected}, focus {Focus:0.00}, last sample {LastSample}, DRDY-to-decision {Latency:0.00} ms")]
    private partial void LogDecision(long window, string @class, float confidence, string evidenceClass, double evidence, bool rejected, double focus, long lastSample, double latency);

    [LoggerMessage(Level = LogLevel.Information, Message = "decoder: {Model} | {Windows} windows | evidence {EvidenceClass} {Evidence:0.00} | last window {Class} p={Confidence:0.00} | focus {Focus:0.00} | DRDY-to-decision p50 {P50:0.00} ms p99 {P99:0.00} ms | gaps {Gaps}")]
    private partial void LogSecond(string model, long windows, string evidenceClass, double evidence, string @class, float confidence, double focus, double p50, double p99, long gaps);

    [LoggerMessage(Level = LogLevel.Warning, Message = "decision #{Window}: {Rejection}; windows are not classified and the evidence decays until the channel is good for the hold-off")]
    private partial void LogRejected(long window, string rejection);

    [LoggerMessage(Level = LogLevel.Critical, Message = "decoding stopped: {Message}")]
    private partial void LogFault(string message);
}
