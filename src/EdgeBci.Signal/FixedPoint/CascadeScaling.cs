using System.Numerics;
using EdgeBci.Signal.Design;

namespace EdgeBci.Signal.FixedPoint;

/// <summary>
/// Distributes a cascade's gain so that no intermediate signal can exceed full scale and none is needlessly small.
/// scipy's sos form puts the whole gain in the first section: a narrow band-pass then attenuates by 60 dB in section
/// one (and its rounding noise is amplified back later) while a resonant section further on can peak far above 1 and
/// saturate. Scaling each section so the response up to it peaks at exactly 1 (L∞ scaling) keeps every stage at the
/// signal's own level; the last section restores the overall gain, so the cascade's response is unchanged.
/// </summary>
public static class CascadeScaling
{
    private const int GridPoints = 4096;

    public static Biquad[] PeakNormalised(IReadOnlyList<Biquad> sections)
    {
        ArgumentNullException.ThrowIfNull(sections);
        var result = new Biquad[sections.Count];
        if (sections.Count == 0)
        {
            return result;
        }

        var overallPeak = Peak(sections, sections.Count);
        var cumulative = new Complex[GridPoints + 1];
        Array.Fill(cumulative, Complex.One);
        for (var s = 0; s < sections.Count; s++)
        {
            var section = sections[s];
            var peak = 0.0;
            for (var k = 0; k <= GridPoints; k++)
            {
                cumulative[k] *= section.Response(k, 2.0 * GridPoints);
                peak = Math.Max(peak, cumulative[k].Magnitude);
            }

            // Every section but the last is scaled to a cumulative peak of 1; the last keeps the designed overall peak.
            var target = s == sections.Count - 1 ? overallPeak : 1.0;
            var gain = peak > 0 ? target / peak : 1.0;
            result[s] = section with { B0 = section.B0 * gain, B1 = section.B1 * gain, B2 = section.B2 * gain };
            for (var k = 0; k <= GridPoints; k++)
            {
                cumulative[k] *= gain;
            }
        }

        return result;
    }

    private static double Peak(IReadOnlyList<Biquad> sections, int count)
    {
        var peak = 0.0;
        for (var k = 0; k <= GridPoints; k++)
        {
            var response = Complex.One;
            for (var s = 0; s < count; s++)
            {
                response *= sections[s].Response(k, 2.0 * GridPoints);
            }

            peak = Math.Max(peak, response.Magnitude);
        }

        return peak;
    }
}
