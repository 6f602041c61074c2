using EdgeBci.Acquisition.Ads1299;

namespace EdgeBci.Acquisition.Streaming;

/// <summary>
/// Running per-channel mean and RMS over an interval (the once-a-second log, telemetry, self-checks). Sums are kept
/// in counts as 64-bit integers so they are exact; microvolts come out at <see cref="Take"/>.
/// </summary>
public sealed class ChannelStatistics
{
    private readonly long[] _sum;
    private readonly double[] _sumSquares;
    private readonly int[] _minimum;
    private readonly int[] _maximum;

    public ChannelStatistics(int channels)
    {
        _sum = new long[channels];
        _sumSquares = new double[channels];
        _minimum = new int[channels];
        _maximum = new int[channels];
        Reset();
    }

    public int Channels => _sum.Length;

    public long Frames { get; private set; }

    public void Add(ReadOnlySpan<int> counts)
    {
        for (var c = 0; c < _sum.Length; c++)
        {
            var value = counts[c];
            _sum[c] += value;
            _sumSquares[c] += (double)value * value;
            _minimum[c] = Math.Min(_minimum[c], value);
            _maximum[c] = Math.Max(_maximum[c], value);
        }

        Frames++;
    }

    /// <summary>AC RMS (mean removed) and peak-to-peak per channel in microvolts since the last take; then starts over.</summary>
    public void Take(Ads1299Gain gain, Span<double> rmsMicrovolts, Span<double> peakToPeakMicrovolts)
    {
        var scale = Ads1299Scaling.MicrovoltsPerCount(gain);
        for (var c = 0; c < _sum.Length; c++)
        {
            if (Frames == 0)
            {
                rmsMicrovolts[c] = 0;
                peakToPeakMicrovolts[c] = 0;
                continue;
            }

            var mean = (double)_sum[c] / Frames;
            var variance = Math.Max(0, (_sumSquares[c] / Frames) - (mean * mean));
            rmsMicrovolts[c] = Math.Sqrt(variance) * scale;
            peakToPeakMicrovolts[c] = ((double)_maximum[c] - _minimum[c]) * scale;
        }

        Reset();
    }

    private void Reset()
    {
        Array.Clear(_sum);
        Array.Clear(_sumSquares);
        Array.Fill(_minimum, int.MaxValue);
        Array.Fill(_maximum, int.MinValue);
        Frames = 0;
    }
}
