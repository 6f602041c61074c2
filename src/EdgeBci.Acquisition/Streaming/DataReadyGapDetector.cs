namespace EdgeBci.Acquisition.Streaming;

/// <summary>
/// Counts conversions the chip produced but nobody read, from DRDY timing alone: the ADS1299 has no sample counter,
/// and edge events can be lost. It keeps a nominal conversion clock anchored on the earliest arrivals (reading can
/// only be late, never early, so the earliest frames show the true conversion times) and re-anchors it every few
/// dozen frames to follow the drift between the chip's oscillator and the host clock. A frame that arrives a whole
/// period or more after its nominal time means the chip overwrote the unread conversions in between.
/// </summary>
public sealed class DataReadyGapDetector
{
    private const int DriftWindowFrames = 32;

    private readonly double _periodTicks;
    private double _lastNominal;
    private double _windowMinimumLatency = double.MaxValue;
    private int _windowFrames;
    private bool _started;

    public DataReadyGapDetector(double sampleRate, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(timestampFrequency);
        _periodTicks = timestampFrequency / sampleRate;
    }

    public void Reset() => _started = false;

    /// <summary>Registers a frame observed at <paramref name="timestamp"/>; returns the conversions missed before it.</summary>
    public int Observe(long timestamp)
    {
        if (!_started)
        {
            _started = true;
            _lastNominal = timestamp;
            _windowFrames = 0;
            _windowMinimumLatency = double.MaxValue;
            return 0;
        }

        var nominal = _lastNominal + _periodTicks;
        var latency = timestamp - nominal;
        if (latency <= 0)
        {
            // Early against the model: the model was late (drift, or a free-running source). Pull it in.
            _lastNominal = timestamp;
            EndWindowIfDue(0);
            return 0;
        }

        var missed = latency >= _periodTicks ? (int)Math.Min(latency / _periodTicks, int.MaxValue) : 0;
        _lastNominal = nominal + (missed * _periodTicks);
        EndWindowIfDue(latency - (missed * _periodTicks));
        return missed;
    }

    private void EndWindowIfDue(double residualLatency)
    {
        _windowMinimumLatency = Math.Min(_windowMinimumLatency, residualLatency);
        if (++_windowFrames < DriftWindowFrames)
        {
            return;
        }

        // Every frame in the window was at least this late: the chip runs slower than the host thinks.
        if (_windowMinimumLatency > 0 && _windowMinimumLatency < _periodTicks)
        {
            _lastNominal += _windowMinimumLatency;
        }

        _windowFrames = 0;
        _windowMinimumLatency = double.MaxValue;
    }
}
