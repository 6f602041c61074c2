using System.Globalization;

namespace EdgeBci.Signal.Design;

/// <summary>
/// Second-order IIR notches for mains interference (50/60 Hz and, optionally, its harmonics).
/// </summary>
/// <remarks>
/// The design is <c>scipy.signal.iirnotch</c>: zeros on the unit circle at the notch frequency, poles just inside it
/// at the same angle, with the pole radius chosen so the -3 dB width is exactly f0/Q. A notch costs one section and
/// leaves the EEG band either side nearly untouched, which a band-stop of the same depth could not.
/// </remarks>
public static class Notch
{
    /// <summary>The notch at <paramref name="frequencyHz"/> with -3 dB width <paramref name="frequencyHz"/>/<paramref name="q"/>.</summary>
    public static Biquad Design(double frequencyHz, double q, double sampleRate)
    {
        Butterworth.ValidateSampleRate(sampleRate);
        Butterworth.ValidateFrequency(frequencyHz, sampleRate, nameof(frequencyHz));
        var nyquist = sampleRate / 2;
        var minimumQ = frequencyHz / nyquist;
        if (!(q > minimumQ) || double.IsInfinity(q))
        {
            // Below this the notch would be wider than the whole band and the tangent below turns negative.
            throw new ArgumentOutOfRangeException(
                nameof(q),
                q,
                string.Create(CultureInfo.InvariantCulture, $"q must be finite and above {minimumQ} so the {frequencyHz} Hz notch is narrower than the {nyquist} Hz band."));
        }

        var centre = Math.PI * frequencyHz / nyquist;
        var width = centre / q;
        var gain = 1.0 / (1.0 + Math.Tan(width / 2.0));
        var cosine = Math.Cos(centre);
        return new Biquad(gain, -2.0 * gain * cosine, gain, -2.0 * gain * cosine, (2.0 * gain) - 1.0);
    }

    /// <summary>
    /// A notch at <paramref name="fundamentalHz"/> and at each of its next <paramref name="harmonics"/> multiples that
    /// lie below Nyquist (those at or above it alias onto other frequencies and are left out), all with the same Q.
    /// </summary>
    /// <param name="harmonics">How many multiples above the fundamental to notch as well; 0 notches the fundamental only.</param>
    public static Biquad[] WithHarmonics(double fundamentalHz, int harmonics, double q, double sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(harmonics);
        Butterworth.ValidateSampleRate(sampleRate);
        Butterworth.ValidateFrequency(fundamentalHz, sampleRate, nameof(fundamentalHz));
        var nyquist = sampleRate / 2;
        var count = 1;
        while (count <= harmonics && (count + 1) * fundamentalHz < nyquist)
        {
            count++;
        }

        var notches = new Biquad[count];
        for (var i = 0; i < count; i++)
        {
            notches[i] = Design((i + 1) * fundamentalHz, q, sampleRate);
        }

        return notches;
    }
}
