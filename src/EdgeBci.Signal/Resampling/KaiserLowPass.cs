namespace EdgeBci.Signal.Resampling;

/// <summary>
/// Linear-phase FIR low-pass filters designed by the Kaiser window method (Kaiser 1974; Oppenheim &amp; Schafer §7.5.3):
/// an ideal sinc truncated by a Kaiser window whose shape (beta) and length come from the wanted stop-band
/// attenuation and transition width. One design parameter per requirement, no iteration, and the same taps on every
/// machine, which is what the resamplers need to rebuild identical filters at start-up instead of shipping tables.
/// </summary>
public static class KaiserLowPass
{
    /// <summary>
    /// The anti-alias pass band ends at this fraction of the lower of the two rates (0.4 → 64 Hz when 250 Hz meets
    /// 160 Hz). EEG bands of interest stop well below it, so the 20 % guard band costs nothing.
    /// </summary>
    public const double PassBandFraction = 0.4;

    /// <summary>
    /// The anti-alias stop band starts at this fraction of the lower rate: exactly its Nyquist frequency. Anything that
    /// could fold back when decimating (or any image when interpolating) lies beyond it, and what folds from just
    /// above it lands in the transition band, never in the pass band.
    /// </summary>
    public const double StopBandFraction = 0.5;

    /// <summary>
    /// Stop-band attenuation of the anti-alias filter. 80 dB was the requirement; Kaiser's length formula is an
    /// estimate that can miss by a dB or two, and the Q30 taps add their own floor, so the design aims 10 dB higher.
    /// That is also below the ADS1299's noise floor at any gain (≈ 1 µV rms in ±187 mV at gain 24).
    /// </summary>
    public const double AntiAliasAttenuationDb = 90;

    /// <summary>
    /// Taps of a linear-phase low-pass with DC gain exactly 1 (the taps sum to 1 up to double rounding).
    /// The length is odd so the group delay, (length − 1) / 2 samples, is a whole number of samples.
    /// </summary>
    /// <param name="cutoffHz">The −6 dB point: the middle of the transition band.</param>
    /// <param name="transitionHz">Width from the pass-band edge to the stop-band edge.</param>
    /// <param name="attenuationDb">Stop-band attenuation, also the pass-band ripple in the same δ (Kaiser's design ties them).</param>
    /// <param name="sampleRate">Rate the filter runs at.</param>
    public static double[] Design(double cutoffHz, double transitionHz, double attenuationDb, double sampleRate)
    {
        if (!(sampleRate > 0) || double.IsInfinity(sampleRate))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The sample rate must be positive and finite.");
        }

        if (!(cutoffHz > 0) || !(cutoffHz < sampleRate / 2))
        {
            throw new ArgumentOutOfRangeException(nameof(cutoffHz), cutoffHz, $"The cutoff must lie between 0 and Nyquist ({sampleRate / 2} Hz).");
        }

        if (!(transitionHz > 0) || !(transitionHz < sampleRate / 2))
        {
            throw new ArgumentOutOfRangeException(nameof(transitionHz), transitionHz, "The transition width must be positive and below Nyquist.");
        }

        if (!(attenuationDb > 0) || attenuationDb > 300)
        {
            throw new ArgumentOutOfRangeException(nameof(attenuationDb), attenuationDb, "The attenuation must lie between 0 and 300 dB.");
        }

        var beta = Beta(attenuationDb);
        var length = Length(transitionHz, attenuationDb, sampleRate);
        var taps = new double[length];
        var center = (length - 1) / 2;
        var normalizedCutoff = 2 * cutoffHz / sampleRate;
        var windowNormalizer = BesselI0(beta);

        // Built from the centre outwards and mirrored, so the symmetry (hence the linear phase) is exact, not just close.
        for (var offset = 0; offset <= center; offset++)
        {
            var ideal = offset == 0
                ? normalizedCutoff
                : Math.Sin(Math.PI * normalizedCutoff * offset) / (Math.PI * offset);
            var ratio = center == 0 ? 0 : (double)offset / center;
            var window = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - (ratio * ratio)))) / windowNormalizer;
            taps[center + offset] = ideal * window;
            taps[center - offset] = ideal * window;
        }

        var sum = 0.0;
        for (var i = 0; i < length; i++)
        {
            sum += taps[i];
        }

        for (var i = 0; i < length; i++)
        {
            taps[i] /= sum;
        }

        return taps;
    }

    /// <summary>
    /// The prototype anti-alias filter for resampling <paramref name="inputRate"/> to <paramref name="outputRate"/>:
    /// it runs at the interpolated rate inputRate·L (L = outputRate / gcd), passes up to
    /// <see cref="PassBandFraction"/> of the lower rate and stops from <see cref="StopBandFraction"/> of it with
    /// <see cref="AntiAliasAttenuationDb"/>. DC gain is 1; a polyphase resampler multiplies by L to make up for the
    /// zeros interpolation stuffs in.
    /// </summary>
    public static double[] DesignAntiAlias(int inputRate, int outputRate)
    {
        var (up, _) = ResamplingRatio.Reduce(inputRate, outputRate);
        var lowerRate = (double)Math.Min(inputRate, outputRate);
        var passEdge = PassBandFraction * lowerRate;
        var stopEdge = StopBandFraction * lowerRate;
        return Design((passEdge + stopEdge) / 2, stopEdge - passEdge, AntiAliasAttenuationDb, (double)inputRate * up);
    }

    /// <summary>Kaiser's empirical window shape for a wanted attenuation.</summary>
    public static double Beta(double attenuationDb) => attenuationDb switch
    {
        > 50 => 0.1102 * (attenuationDb - 8.7),
        >= 21 => (0.5842 * Math.Pow(attenuationDb - 21, 0.4)) + (0.07886 * (attenuationDb - 21)),
        _ => 0,
    };

    /// <summary>Kaiser's length estimate, N = (A − 7.95) / (2.285 Δω) + 1, rounded up to the next odd number.</summary>
    public static int Length(double transitionHz, double attenuationDb, double sampleRate)
    {
        var transitionRadians = 2 * Math.PI * transitionHz / sampleRate;
        var order = Math.Ceiling(Math.Max(attenuationDb - 7.95, 0) / (2.285 * transitionRadians));
        if (order > 1 << 20)
        {
            throw new ArgumentOutOfRangeException(nameof(transitionHz), transitionHz, $"A {order}-order filter is too long to be sensible; widen the transition band.");
        }

        var length = (int)Math.Max(order, 2) + 1;
        return length % 2 == 1 ? length : length + 1;
    }

    /// <summary>Modified Bessel function of the first kind, order 0, by its power series (converges for every real x).</summary>
    internal static double BesselI0(double x)
    {
        var halfX = x / 2;
        var term = 1.0;
        var sum = 1.0;
        for (var k = 1; k < 500; k++)
        {
            var factor = halfX / k;
            term *= factor * factor;
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }
}

/// <summary>
/// The rational factor L/M = outputRate/inputRate in lowest terms: interpolate by L (Up), then keep every M-th sample (Down).
/// </summary>
internal static class ResamplingRatio
{
    /// <summary>Limit on L and M after reduction: beyond it the prototype filter grows past a few hundred thousand taps.</summary>
    public const int MaximumFactor = 1024;

    public static (int Up, int Down) Reduce(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        var divisor = GreatestCommonDivisor(inputRate, outputRate);
        var up = outputRate / divisor;
        var down = inputRate / divisor;
        if (up > MaximumFactor || down > MaximumFactor)
        {
            throw new ArgumentException(
                $"{inputRate} Hz to {outputRate} Hz reduces to L/M = {up}/{down}; factors above {MaximumFactor} need a filter too long to run. Pick rates with a larger common divisor.",
                nameof(outputRate));
        }

        return (up, down);
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
