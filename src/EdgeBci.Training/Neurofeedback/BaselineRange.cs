using System.Globalization;

namespace EdgeBci.Training.Neurofeedback;

/// <summary>
/// The wearer's own focus range, measured in the baseline before a session: the low and high percentiles of the ready
/// focus scores (the 10th and 90th by default, so a few artefacts at either end do not stretch it).
/// </summary>
public sealed record BaselineRange
{
    /// <exception cref="ArgumentOutOfRangeException">Not 0 ≤ low &lt; high ≤ 1.</exception>
    public BaselineRange(double low, double high)
    {
        if (!(low >= 0 && low < high && high <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(low), low, string.Create(CultureInfo.InvariantCulture,
                $"A focus range needs 0 ≤ low < high ≤ 1; got {low} to {high}."));
        }

        Low = low;
        High = high;
    }

    public double Low { get; }

    public double High { get; }

    /// <summary>High − low.</summary>
    public double Spread => High - Low;

    /// <summary>Where <paramref name="score"/> lies in the range: 0 at the low end, 1 at the high end (may lie outside 0..1).</summary>
    public double PositionOf(double score) => (score - Low) / Spread;

    /// <summary>The score at <paramref name="position"/> of the range (0 the low end, 1 the high end).</summary>
    public double ScoreAt(double position) => Low + (position * Spread);
}
