using System.Numerics.Tensors;

namespace EdgeBci.Training.Quantization;

/// <summary>Running minimum and maximum of one tensor over every calibration batch.</summary>
internal sealed class RunningRange(string tensorName)
{
    public float Min { get; private set; } = float.PositiveInfinity;

    public float Max { get; private set; } = float.NegativeInfinity;

    public bool IsEmpty => Min > Max;

    /// <exception cref="InvalidOperationException">A value is NaN or infinite: no range can cover it.</exception>
    public void Add(ReadOnlySpan<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        // TensorPrimitives propagates NaN, so a single check after the reduction catches NaN as well as ±∞.
        var min = TensorPrimitives.Min(values);
        var max = TensorPrimitives.Max(values);
        if (!float.IsFinite(min) || !float.IsFinite(max))
        {
            throw new InvalidOperationException(
                $"Tensor '{tensorName}' took a non-finite value (NaN or ±∞) during calibration; its range cannot be quantised.");
        }

        Min = Math.Min(Min, min);
        Max = Math.Max(Max, max);
    }
}

/// <summary>
/// Histogram of one tensor over a range fixed in advance (the min/max of a first calibration pass), so batches add
/// into the same bins and no values are kept. With <c>absolute</c> it counts |x| over [0, max|x|], which is what a
/// symmetric range needs: one threshold covering both signs.
/// </summary>
internal sealed class RangeHistogram
{
    private readonly long[] _counts;
    private readonly double _low;
    private readonly double _binWidth;
    private readonly bool _absolute;
    private long _total;

    public RangeHistogram(float min, float max, int bins, bool absolute)
    {
        _counts = new long[bins];
        _absolute = absolute;
        _low = absolute ? 0 : min;
        var high = absolute ? Math.Max(Math.Abs(min), Math.Abs(max)) : max;
        // A constant tensor gets a nominal width; every value then lands in bin 0 and the thresholds are its value.
        _binWidth = high > _low ? (high - _low) / bins : 1;
    }

    public void Add(ReadOnlySpan<float> values)
    {
        var last = _counts.Length - 1;
        var inverseWidth = 1 / _binWidth;
        foreach (var value in values)
        {
            var x = _absolute ? Math.Abs(value) : value;
            var bin = (int)((x - _low) * inverseWidth);
            _counts[Math.Clamp(bin, 0, last)]++;
        }

        _total += values.Length;
    }

    /// <summary>
    /// The range holding <paramref name="percentile"/> percent of the values: for a signed histogram the
    /// (100 − p)/2 percent below and above it are cut from each tail; for an absolute one the top (100 − p) percent
    /// of |x|, and the range is ±threshold. Interpolates linearly within the bin where the cut falls.
    /// </summary>
    public (float Low, float High) Range(double percentile)
    {
        if (_absolute)
        {
            var threshold = (float)UpperThreshold(_total * (100 - percentile) / 100);
            return (-threshold, threshold);
        }

        var tail = _total * (100 - percentile) / 200;
        return ((float)LowerThreshold(tail), (float)UpperThreshold(tail));
    }

    private double LowerThreshold(double cut)
    {
        double cumulative = 0;
        for (var bin = 0; bin < _counts.Length; bin++)
        {
            if (cumulative + _counts[bin] > cut)
            {
                return _low + (bin + (cut - cumulative) / _counts[bin]) * _binWidth;
            }

            cumulative += _counts[bin];
        }

        return _low + _counts.Length * _binWidth;
    }

    private double UpperThreshold(double cut)
    {
        double cumulative = 0;
        for (var bin = _counts.Length - 1; bin >= 0; bin--)
        {
            if (cumulative + _counts[bin] > cut)
            {
                return _low + (bin + 1 - (cut - cumulative) / _counts[bin]) * _binWidth;
            }

            cumulative += _counts[bin];
        }

        return _low;
    }
}
