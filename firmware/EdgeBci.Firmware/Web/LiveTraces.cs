using EdgeBci.Acquisition.Streaming;
using EdgeBci.Web.Seams;

namespace EdgeBci.Firmware;

/// <summary>
/// The page's live traces: a thread of its own reads the signal chain's output ring (filtered Q31 at the chain's output
/// rate), converts it to µV, averages it down to the display rate and raises <see cref="Batch"/> about
/// <c>Web:TraceBatchesPerSecond</c> times a second. It reads only while someone listens: with no handler attached it
/// holds no ring reader and sleeps, so the unit pays nothing when nobody looks. A reader that falls behind loses frames
/// (counted in <see cref="LostFrames"/>); the signal stage never waits for it.
/// <para>
/// Averaging is the display's anti-alias filter: the chain's output is already band-passed well below the display's
/// Nyquist frequency, so a boxcar over each display point's samples is enough, and keeps one value per point (a
/// min-max envelope would double the stream for no visible gain at these rates).
/// </para>
/// </summary>
internal sealed partial class LiveTraces : ILiveTraceSource, IDisposable
{
    private static readonly TimeSpan DataWait = TimeSpan.FromMilliseconds(250);

    private readonly SampleRing _output;
    private readonly int _outputRate;
    private readonly float _microvoltsPerQ31;
    private readonly ILogger<LiveTraces> _logger;
    private readonly Lock _gate = new();
    private readonly ManualResetEventSlim _listening = new(false);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TraceDecimator _decimator;
    private Action<TraceBatch>? _batch;
    private Thread? _thread;
    private long _lostFrames;
    private long _framesRead;
    private long _batches;
    private volatile bool _reading;
    private bool _handlerFailed;

    /// <param name="output">The signal chain's output ring (<see cref="SignalService.Output"/>).</param>
    /// <param name="outputRate">Its rate, frames per second.</param>
    /// <param name="microvoltsPerQ31">The signal stage's scale (<see cref="SignalStage.MicrovoltsPerQ31"/>).</param>
    /// <param name="displayRate">Points per second per channel on the page (Web:TraceDisplayRate); capped at the output rate.</param>
    /// <param name="batchesPerSecond">Batches per second (Web:TraceBatchesPerSecond).</param>
    public LiveTraces(SampleRing output, int outputRate, double microvoltsPerQ31, int displayRate, int batchesPerSecond, ILogger<LiveTraces> logger)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(displayRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchesPerSecond, 1);
        _output = output;
        _outputRate = outputRate;
        _microvoltsPerQ31 = (float)microvoltsPerQ31;
        _logger = logger;
        var rate = Math.Min(displayRate, outputRate);
        _decimator = new TraceDecimator(output.ChannelCount, outputRate, rate, Math.Max(1, (rate + batchesPerSecond - 1) / batchesPerSecond));
    }

    /// <summary>Display points per second per channel (the configured rate, at most the chain's output rate).</summary>
    public int DisplayRate => _decimator.DisplayRate;

    /// <summary>Points per channel in each batch.</summary>
    public int PointsPerBatch => _decimator.PointsPerBatch;

    /// <summary>Output frames the trace reader lost because it fell behind (the display shows them as a jump).</summary>
    public long LostFrames => Interlocked.Read(ref _lostFrames);

    /// <summary>Output frames read so far (stays put while nobody listens).</summary>
    public long FramesRead => Interlocked.Read(ref _framesRead);

    /// <summary>Batches raised so far.</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>True while the thread holds a reader on the output ring (someone listens).</summary>
    public bool Reading => _reading;

    public event Action<TraceBatch>? Batch
    {
        add
        {
            lock (_gate)
            {
                _batch += value;
                _thread ??= StartThread();
                if (_batch is not null)
                {
                    _listening.Set();
                }
            }
        }

        remove
        {
            lock (_gate)
            {
                _batch -= value;
                if (_batch is null)
                {
                    _listening.Reset();
                }
            }
        }
    }

    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            // The host disposes a service once per registration; a second call must not touch the disposed handles.
            if (_stopping.IsCancellationRequested)
            {
                return;
            }

            thread = _thread;
            _stopping.Cancel();
            _listening.Set();
        }

        thread?.Join(TimeSpan.FromSeconds(5));
        _stopping.Dispose();
        _listening.Dispose();
    }

    private Thread StartThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "web traces", Priority = ThreadPriority.BelowNormal };
        thread.Start();
        return thread;
    }

    private void Run()
    {
        try
        {
            Pump(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
            // Disposed while waiting for a listener.
        }
    }

    private void Pump(CancellationToken token)
    {
        var frame = new int[_output.ChannelCount];
        var wakeFrames = Math.Max(1, _outputRate * _decimator.PointsPerBatch / _decimator.DisplayRate);
        while (!token.IsCancellationRequested)
        {
            _listening.Wait(token);
            if (token.IsCancellationRequested)
            {
                break;
            }

            // From the newest frame on: a listener wants what happens now, not what happened before it looked.
            using var reader = _output.CreateReader();
            _reading = true;
            _decimator.Restart();
            var overrunsSeen = 0L;
            while (_listening.IsSet && !token.IsCancellationRequested)
            {
                if (!reader.WaitForData(wakeFrames, DataWait))
                {
                    continue;
                }

                while (reader.TryRead(frame, default, out var stamp))
                {
                    Interlocked.Increment(ref _framesRead);
                    if (_decimator.Add(frame, stamp.SampleIndex, _microvoltsPerQ31) is { } batch)
                    {
                        Raise(batch);
                    }
                }

                var overruns = reader.Overruns;
                Interlocked.Add(ref _lostFrames, overruns - overrunsSeen);
                overrunsSeen = overruns;
            }

            _reading = false;
        }
    }

    private void Raise(TraceBatch batch)
    {
        Interlocked.Increment(ref _batches);
        foreach (var handler in Delegate.EnumerateInvocationList(Volatile.Read(ref _batch)))
        {
            try
            {
                handler(batch);
            }
            catch (Exception exception)
            {
                // A broken listener loses its traces, the others still get theirs. Said once, not ten times a second.
                if (!_handlerFailed)
                {
                    _handlerFailed = true;
                    LogHandlerFailed(exception.GetType().Name, exception.Message);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "web: a live-trace listener threw {Type}: {Message}; its batches are dropped")]
    private partial void LogHandlerFailed(string type, string message);
}
