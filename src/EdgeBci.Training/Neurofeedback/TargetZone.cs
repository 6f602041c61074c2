using System.Globalization;

namespace EdgeBci.Training.Neurofeedback;

/// <summary>
/// The band of focus scores a session rewards. Its low edge is the wearer's adaptive threshold t placed in their own
/// range (<c>low + t·(high − low)</c>); its high edge lies above the range (<c>high + headroom·(high − low)</c>, at most
/// 1), because a score far beyond anything the wearer showed at rest is more likely muscle tension (broadband EMG reads
/// as beta) than focus, and should not be rewarded.
/// </summary>
public sealed record TargetZone
{
    /// <summary>How far above the range the zone reaches, in spreads of the range, by default.</summary>
    public const double DefaultHeadroom = 0.5;

    private TargetZone(double low, double high)
    {
        Low = low;
        High = high;
    }

    public double Low { get; }

    public double High { get; }

    /// <param name="range">The wearer's baseline range.</param>
    /// <param name="threshold">Position of the zone's low edge in the range, [0, 1).</param>
    /// <param name="headroom">How far above the range the zone reaches, in spreads of the range, &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">The threshold or the headroom is out of range.</exception>
    public static TargetZone From(BaselineRange range, double threshold, double headroom = DefaultHeadroom)
    {
        ArgumentNullException.ThrowIfNull(range);
        // Below 1 the low edge stays under the range's high end, and the high edge is at least that end: the zone is never empty.
        if (!(threshold >= 0 && threshold < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, string.Create(CultureInfo.InvariantCulture,
                $"The threshold is a position in the wearer's range, [0, 1); got {threshold}."));
        }

        if (!(headroom > 0 && double.IsFinite(headroom)))
        {
            throw new ArgumentOutOfRangeException(nameof(headroom), headroom, "The headroom above the range must be a positive number of spreads.");
        }

        return new TargetZone(range.ScoreAt(threshold), Math.Min(1, range.High + (headroom * range.Spread)));
    }

    /// <summary>True when <paramref name="score"/> lies in the zone, both edges included.</summary>
    public bool Contains(double score) => score >= Low && score <= High;
}
