namespace EdgeBci.Control.Supervision;

/// <summary>
/// The supervisor's own periodic tick (100 Hz by default), on a dedicated thread with a <see cref="PeriodicTimer"/>,
/// independent of the decoder. Each tick takes a snapshot of the inputs and steps the pipeline; an exception anywhere
/// in that (the inputs, the step, the observer) drives the actuator neutral and latches SafeStop. Disposing is
/// switch-off: the thread stops and the outputs go neutral.
/// </summary>
public sealed class SupervisorLoop : IDisposable
{
    private readonly ControlPipeline _pipeline;
    private readonly Func<SupervisorInputs> _inputs;
    private readonly TimeProvider _time;
    private readonly Action<SupervisorOutput>? _observer;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private TimeSpan? _previousTick;
    private long _maxIntervalTicks;
    private long _ticks;
    private SupervisorOutput? _last;
    private int _started;
    private bool _disposed;

    /// <param name="pipeline">Supervisor and actuator.</param>
    /// <param name="inputs">The observations of one tick (e.g. <see cref="ControlInputs.Snapshot"/>).</param>
    /// <param name="time">The clock; the tick period comes from the supervisor's options.</param>
    /// <param name="observer">Called on the loop thread after each tick (log the events here); must be quick.</param>
    public SupervisorLoop(ControlPipeline pipeline, Func<SupervisorInputs> inputs, TimeProvider time, Action<SupervisorOutput>? observer = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(time);
        _pipeline = pipeline;
        _inputs = inputs;
        _time = time;
        _observer = observer;
        Period = pipeline.Supervisor.Options.TickPeriod;
        _thread = new Thread(Run) { IsBackground = true, Name = "edgebci-supervisor", Priority = ThreadPriority.Highest };
    }

    public TimeSpan Period { get; }

    public long Ticks => Interlocked.Read(ref _ticks);

    /// <summary>The longest time between two ticks so far (the loop's worst jitter plus its period).</summary>
    public TimeSpan MaxInterval => TimeSpan.FromTicks(Interlocked.Read(ref _maxIntervalTicks));

    /// <summary>The last tick's output.</summary>
    public SupervisorOutput? Last => Volatile.Read(ref _last);

    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            _thread.Start();
        }
    }

    /// <summary>Switch-off: the loop stops, then the outputs go neutral and the supervisor disarms.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stop.Cancel();
        if (_started != 0)
        {
            _thread.Join();
        }

        Volatile.Write(ref _last, _pipeline.Shutdown(_time.MonotonicNow()));
        _stop.Dispose();
    }

    private void Run()
    {
        using var timer = new PeriodicTimer(Period, _time);
        try
        {
            do
            {
                TickOnce();
            }
            while (timer.WaitForNextTickAsync(_stop.Token).AsTask().GetAwaiter().GetResult());
        }
        catch (OperationCanceledException)
        {
            // Dispose: switch-off follows on the disposing thread.
        }
    }

    private void TickOnce()
    {
        var now = _time.MonotonicNow();
        if (_previousTick is { } previous && (now - previous).Ticks > _maxIntervalTicks)
        {
            Interlocked.Exchange(ref _maxIntervalTicks, (now - previous).Ticks);
        }

        _previousTick = now;
        SupervisorOutput output;
        try
        {
            output = _pipeline.Step(now, _inputs());
        }
#pragma warning disable CA1031 // An exception anywhere in the tick is a STOP, never the end of the loop.
        catch (Exception error)
        {
            output = _pipeline.FailSafe(now, SupervisorReason.PipelineException, $"the control loop caught {error.GetType().Name}: {error.Message}");
        }

        Volatile.Write(ref _last, output);
        Interlocked.Increment(ref _ticks);
        try
        {
            _observer?.Invoke(output);
        }
        catch (Exception error)
        {
            Volatile.Write(ref _last, _pipeline.FailSafe(now, SupervisorReason.PipelineException, $"the tick observer threw {error.GetType().Name}: {error.Message}"));
        }
#pragma warning restore CA1031
    }
}
