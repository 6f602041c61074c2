using System.Globalization;

namespace EdgeBci.Training.Neurofeedback;

/// <summary>What a baseline must hold to set a wearer's range, and which percentiles bound the range.</summary>
public sealed record BaselineRules
{
    /// <summary>Percentile of the ready scores that is the range's low end.</summary>
    public double LowPercentile { get; init; } = 10;

    /// <summary>Percentile of the ready scores that is the range's high end.</summary>
    public double HighPercentile { get; init; } = 90;

    /// <summary>Share of the baseline that must have usable signal.</summary>
    public double MinimumUsableFraction { get; init; } = 0.5;

    /// <summary>Usable seconds needed however short the baseline (a range from a handful of samples is noise).</summary>
    public double MinimumUsableSeconds { get; init; } = 5;

    /// <summary>
    /// The smallest high − low that is a range: below it the index hardly moved (a stuck or dead signal), and a target
    /// zone inside it would reward noise.
    /// </summary>
    public double MinimumSpread { get; init; } = 0.002;

    /// <summary>Usable seconds a baseline of <paramref name="baselineSeconds"/> needs.</summary>
    public double UsableSecondsNeeded(double baselineSeconds) => Math.Max(MinimumUsableSeconds, MinimumUsableFraction * baselineSeconds);

    /// <summary>Every problem at once, each naming the rule, its value and what is allowed.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!(LowPercentile >= 0 && LowPercentile < HighPercentile && HighPercentile <= 100))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture,
                $"{nameof(LowPercentile)} {LowPercentile} and {nameof(HighPercentile)} {HighPercentile}: need 0 ≤ low < high ≤ 100."));
        }

        if (!(MinimumUsableFraction > 0 && MinimumUsableFraction <= 1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(MinimumUsableFraction)} {MinimumUsableFraction}: must be in (0, 1]."));
        }

        if (!(MinimumUsableSeconds >= 0 && double.IsFinite(MinimumUsableSeconds)))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(MinimumUsableSeconds)} {MinimumUsableSeconds}: must be 0 or more seconds."));
        }

        if (!(MinimumSpread > 0 && MinimumSpread < 1))
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{nameof(MinimumSpread)} {MinimumSpread}: must be in (0, 1)."));
        }

        return problems;
    }
}
