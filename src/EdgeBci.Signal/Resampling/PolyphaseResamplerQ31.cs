using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Resampling;

/// <summary>
/// Rational-factor sample-rate conversion of interleaved Q31 blocks (250 Hz ADS1299 data to the 160 Hz a model was
/// trained on, 500 Hz to 250 Hz, and so on) in integer arithmetic only, so arm64 boards and x86-64 CI produce the
/// same bits.
/// </summary>
/// <remarks>
/// <para>
/// The ratio outputRate/inputRate is reduced to L/M (250→160 is 16/25). Conceptually the input is interpolated by L
/// (L − 1 zeros between samples), low-passed by the <see cref="KaiserLowPass.DesignAntiAlias"/> prototype h, scaled
/// by L, and every M-th sample kept. The polyphase form computes only the kept samples and skips the zero products:
/// output k uses phase p = k·M mod L, whose taps are L·h[p], L·h[p + L], L·h[p + 2L], …, against input frames
/// ⌊k·M/L⌋, ⌊k·M/L⌋ − 1, ….
/// </para>
/// <para>
/// Alignment: output frame k is sampled at input time k·M/L input frames (exactly; frame 0 of both streams
/// coincide, and there is no fractional start offset), and it carries the band-limited input as it was
/// <see cref="DelaySeconds"/> earlier: y[k] ≈ x(k·M/L·T_in − DelaySeconds). Subtract <see cref="DelaySeconds"/>
/// from an output timestamp to line it up with events stamped on input frames. Before the first call the history
/// holds zeros (as if silence preceded frame 0), so the first ≈ 2·DelaySeconds of output are the filter's run-in.
/// </para>
/// <para>
/// Fixed point: taps are rounded to Q30 (1.0 = 2^30, room for the ±2 a tap could in principle need); each product
/// Q31 × Q30 is Q61 in a 64-bit accumulator, and the sum is shifted right by 30 with round-half-up and saturated to
/// Q31. The constructor checks that the taps' absolute sum keeps the accumulator from overflowing for any input
/// (it is 2.1 to 2.2 for these designs; overflow would need 4). Equal rates pass samples through untouched.
/// </para>
/// <para>
/// State (history and phase) carries across calls, so any split of the input into blocks gives bit-identical
/// output to one call. Process allocates nothing.
/// </para>
/// </remarks>
public sealed class PolyphaseResamplerQ31 : PolyphaseResampler<int>
{
    /// <summary>Q format of the taps: 1.0 is 2^30.</summary>
    public const int TapFractionBits = 30;

    public PolyphaseResamplerQ31(int inputRate, int outputRate, int channels)
        : base(inputRate, outputRate, channels, Quantise)
    {
        EnsureAccumulatorCannotOverflow();
    }

    protected override int Convolve(ReadOnlySpan<int> taps, ReadOnlySpan<int> window)
    {
        long accumulator = 1L << (TapFractionBits - 1);
        for (var i = 0; i < taps.Length; i++)
        {
            accumulator += (long)taps[i] * window[i];
        }

        return Q31.Saturate(accumulator >> TapFractionBits);
    }

    private static int[] Quantise(double[] taps)
    {
        var quantised = new int[taps.Length];
        for (var i = 0; i < taps.Length; i++)
        {
            quantised[i] = (int)Math.Round(taps[i] * (1L << TapFractionBits), MidpointRounding.AwayFromZero);
        }

        return quantised;
    }

    private void EnsureAccumulatorCannotOverflow()
    {
        var limit = (long.MaxValue - (1L << (TapFractionBits - 1))) / (1L << 31);
        for (var phase = 0; phase < InterpolationFactor; phase++)
        {
            long absoluteSum = 0;
            foreach (var tap in ReversedPhaseTaps.Slice(phase * TapsPerPhase, TapsPerPhase))
            {
                absoluteSum += Math.Abs((long)tap);
            }

            if (absoluteSum > limit)
            {
                throw new InvalidOperationException($"Phase {phase} of the {InputRate}→{OutputRate} Hz filter could overflow the 64-bit accumulator (absolute tap sum {absoluteSum / (double)(1L << TapFractionBits):F3}).");
            }
        }
    }
}
