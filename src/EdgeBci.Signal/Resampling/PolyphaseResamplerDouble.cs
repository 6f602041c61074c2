namespace EdgeBci.Signal.Resampling;

/// <summary>
/// The <see cref="PolyphaseResamplerQ31"/> algorithm in double precision, with unquantised taps and no output
/// rounding: the reference the fixed-point path is measured against in tests and benchmarks. Same ratio, filter,
/// phase schedule, alignment, block layout and streaming behaviour, so output k of both describes the same instant.
/// Samples are in whatever unit the caller likes (Q31 counts as doubles to compare against the integer path).
/// </summary>
public sealed class PolyphaseResamplerDouble : PolyphaseResampler<double>
{
    public PolyphaseResamplerDouble(int inputRate, int outputRate, int channels)
        : base(inputRate, outputRate, channels, static taps => taps)
    {
    }

    protected override double Convolve(ReadOnlySpan<double> taps, ReadOnlySpan<double> window)
    {
        var sum = 0.0;
        for (var i = 0; i < taps.Length; i++)
        {
            sum += taps[i] * window[i];
        }

        return sum;
    }
}
