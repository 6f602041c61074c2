using System.Globalization;

namespace EdgeBci.Signal.Design;

/// <summary>
/// The magnitude response of a cascade of sections, for checking designs and for logging where a designed filter's
/// -3 dB points really are.
/// </summary>
public static class FilterResponse
{
    /// <summary>The bisection stops after this many halvings; 200 is far past double precision on any band.</summary>
    private const int MaximumHalvings = 200;

    /// <summary>|H| of the cascade at <paramref name="frequencyHz"/>.</summary>
    public static double Magnitude(IReadOnlyList<Biquad> sections, double frequencyHz, double sampleRate)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var magnitude = 1.0;
        for (var i = 0; i < sections.Count; i++)
        {
            magnitude *= sections[i].Response(frequencyHz, sampleRate).Magnitude;
        }

        return magnitude;
    }

    /// <summary>20 log10 |H|; negative infinity exactly on a zero of the cascade.</summary>
    public static double MagnitudeDb(IReadOnlyList<Biquad> sections, double frequencyHz, double sampleRate) =>
        20 * Math.Log10(Magnitude(sections, frequencyHz, sampleRate));

    /// <summary>
    /// The frequency between <paramref name="fromHz"/> and <paramref name="toHz"/> where the response crosses
    /// <paramref name="targetDb"/>, by bisection. The response must be on opposite sides of the target at the two ends
    /// and should cross it once in between (a monotonic stretch, such as one skirt of a Butterworth design).
    /// </summary>
    public static double FindCrossing(IReadOnlyList<Biquad> sections, double targetDb, double fromHz, double toHz, double sampleRate)
    {
        ArgumentNullException.ThrowIfNull(sections);
        if (double.IsNaN(targetDb))
        {
            throw new ArgumentOutOfRangeException(nameof(targetDb), targetDb, "targetDb must be a number.");
        }

        if (!(fromHz >= 0 && fromHz < toHz && toHz <= sampleRate / 2))
        {
            throw new ArgumentOutOfRangeException(
                nameof(fromHz), fromHz, string.Create(CultureInfo.InvariantCulture, $"The search range {fromHz}..{toHz} Hz must satisfy 0 <= fromHz < toHz <= Nyquist ({sampleRate / 2} Hz)."));
        }

        var low = fromHz;
        var high = toHz;
        var lowAbove = MagnitudeDb(sections, low, sampleRate) > targetDb;
        var highAbove = MagnitudeDb(sections, high, sampleRate) > targetDb;
        if (lowAbove == highAbove)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The response does not cross {targetDb} dB between {fromHz} and {toHz} Hz: it is {(lowAbove ? "above" : "at or below")} it at both ends."),
                nameof(targetDb));
        }

        for (var i = 0; i < MaximumHalvings; i++)
        {
            var middle = low + ((high - low) / 2);
            if (middle <= low || middle >= high)
            {
                break;
            }

            if (MagnitudeDb(sections, middle, sampleRate) > targetDb == lowAbove)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return low + ((high - low) / 2);
    }
}
