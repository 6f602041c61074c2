using EdgeBci.Web.Seams;

namespace EdgeBci.Firmware;

/// <summary>
/// Turns output frames (Q31, channel-interleaved) into display batches: each display point is the mean of the frames
/// that fall into it (point p covers output samples [p·R/D, (p+1)·R/D) for output rate R and display rate D, so any
/// ratio works), in µV, channel-major, <see cref="PointsPerBatch"/> points a batch. The arrays are allocated once and
/// reused for every batch. A jump in the frames' sample index (frames lost upstream) drops the batch in progress and
/// restarts at the point the new frame belongs to, so the page sees the gap as a jump in <see cref="TraceBatch.FirstPoint"/>.
/// Single-threaded: the trace thread owns it.
/// </summary>
internal sealed class TraceDecimator
{
    private readonly int _outputRate;
    private readonly double[] _sums;
    private readonly float[][] _values;
    private long _expectedSample = -1;
    private long _point;
    private long _batchFirstPoint;
    private int _pointInBatch;
    private int _framesInPoint;

    public TraceDecimator(int channels, int outputRate, int displayRate, int pointsPerBatch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(displayRate, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(displayRate, outputRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerBatch, 1);
        _outputRate = outputRate;
        DisplayRate = displayRate;
        PointsPerBatch = pointsPerBatch;
        _sums = new double[channels];
        _values = new float[channels][];
        for (var c = 0; c < channels; c++)
        {
            _values[c] = new float[pointsPerBatch];
        }
    }

    public int DisplayRate { get; }

    public int PointsPerBatch { get; }

    /// <summary>Forgets the batch in progress; the next frame starts a new one wherever its sample index falls.</summary>
    public void Restart() => _expectedSample = -1;

    /// <summary>Adds one output frame; returns a full batch (its arrays reused by the next one) or null.</summary>
    public TraceBatch? Add(ReadOnlySpan<int> frame, long sampleIndex, float microvoltsPerQ31)
    {
        if (sampleIndex != _expectedSample)
        {
            StartAt(sampleIndex);
        }

        _expectedSample = sampleIndex + 1;
        for (var c = 0; c < _sums.Length; c++)
        {
            _sums[c] += frame[c];
        }

        _framesInPoint++;

        // The point ends with the last sample below (p+1)·R/D: sample s ends it when (s+1)·D >= (p+1)·R.
        if ((sampleIndex + 1) * DisplayRate < (_point + 1) * _outputRate)
        {
            return null;
        }

        for (var c = 0; c < _sums.Length; c++)
        {
            _values[c][_pointInBatch] = (float)(_sums[c] / _framesInPoint) * microvoltsPerQ31;
            _sums[c] = 0;
        }

        _framesInPoint = 0;
        _point++;
        if (++_pointInBatch < PointsPerBatch)
        {
            return null;
        }

        var batch = new TraceBatch(_batchFirstPoint, DisplayRate, _values);
        _pointInBatch = 0;
        _batchFirstPoint = _point;
        return batch;
    }

    private void StartAt(long sampleIndex)
    {
        // The point this sample belongs to; a partial first point averages fewer frames, which is harmless on a display.
        _point = sampleIndex * DisplayRate / _outputRate;
        _batchFirstPoint = _point;
        _pointInBatch = 0;
        _framesInPoint = 0;
        Array.Clear(_sums);
    }
}
