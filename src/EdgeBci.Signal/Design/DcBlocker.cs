namespace EdgeBci.Signal.Design;

/// <summary>
/// The first-order DC blocker y[n] = g (x[n] - x[n-1]) + R y[n-1], as one section (b0 = g, b1 = -g, a1 = -R).
/// </summary>
/// <remarks>
/// Electrode offsets of hundreds of millivolts sit on microvolt EEG; removing them first keeps the later sections'
/// fixed-point states small. The zero at z = 1 removes DC exactly. R is chosen so the half-power (-3.01 dB) point is
/// exactly at the requested cutoff, and g = (1 + R)/2 makes the gain at Nyquist exactly 1. With that R the section is
/// the bilinear-transformed first-order Butterworth high-pass.
/// </remarks>
public static class DcBlocker
{
    /// <summary>The blocker whose -3 dB point is <paramref name="cutoffHz"/> (e.g. 0.5 Hz).</summary>
    public static Biquad Design(double cutoffHz, double sampleRate)
    {
        Butterworth.ValidateSampleRate(sampleRate);
        Butterworth.ValidateFrequency(cutoffHz, sampleRate, nameof(cutoffHz));
        var warped = Math.Tan(Math.PI * cutoffHz / sampleRate);
        var pole = (1 - warped) / (1 + warped);
        var gain = (1 + pole) / 2;
        return new Biquad(gain, -gain, 0, -pole, 0);
    }
}
