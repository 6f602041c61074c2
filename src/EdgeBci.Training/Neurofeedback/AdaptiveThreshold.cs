using System.Globalization;

namespace EdgeBci.Training.Neurofeedback;

/// <summary>
/// The wearer's threshold t (where the target zone starts in their own range) moved between sessions by a staircase
/// that keeps the wearer challenged but not frustrated, aiming at about 60 % time in zone: above
/// <see cref="RaiseAbove"/> the next session starts one <see cref="Step"/> higher, below <see cref="LowerBelow"/> one
/// step lower, in between it stays; always within [<see cref="Minimum"/>, <see cref="Maximum"/>]. Only a session that
/// ran to its end with at least <see cref="MinimumUsableFraction"/> of usable signal moves it: a cancelled session or
/// one spent mostly with bad electrodes says nothing about the wearer.
/// </summary>
public sealed record AdaptiveThreshold
{
    /// <summary>The first session's threshold.</summary>
    public double Initial { get; init; } = 0.5;

    /// <summary>How far one session moves it.</summary>
    public double Step { get; init; } = 0.1;

    /// <summary>The lowest threshold (some challenge is left even for a wearer who struggles).</summary>
    public double Minimum { get; init; } = 0.1;

    /// <summary>
    /// The highest threshold, below 1 so the zone always starts inside the wearer's range: a wearer who improves also
    /// raises the range itself, which every session measures afresh.
    /// </summary>
    public double Maximum { get; init; } = 0.9;

    /// <summary>Time in zone above which the threshold goes up.</summary>
    public double RaiseAbove { get; init; } = 0.7;

    /// <summary>Time in zone below which the threshold goes down.</summary>
    public double LowerBelow { get; init; } = 0.4;

    /// <summary>Share of the session that must have had usable signal for the score to move the threshold.</summary>
    public double MinimumUsableFraction { get; init; } = 0.5;

    /// <summary>Every problem at once, each naming the rule, its value and what is allowed.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!(Minimum >= 0 && Minimum <= Maximum && Maximum < 1))
        {
            problems.Add(Invariant($"{nameof(Minimum)} {Minimum} and {nameof(Maximum)} {Maximum}: need 0 ≤ minimum ≤ maximum < 1."));
        }

        if (!(Initial >= Minimum && Initial <= Maximum))
        {
            problems.Add(Invariant($"{nameof(Initial)} {Initial}: must lie in [{Minimum}, {Maximum}]."));
        }

        if (!(Step > 0 && Step < 1))
        {
            problems.Add(Invariant($"{nameof(Step)} {Step}: must be in (0, 1)."));
        }

        if (!(LowerBelow >= 0 && LowerBelow <= RaiseAbove && RaiseAbove <= 1))
        {
            problems.Add(Invariant($"{nameof(LowerBelow)} {LowerBelow} and {nameof(RaiseAbove)} {RaiseAbove}: need 0 ≤ lower-below ≤ raise-above ≤ 1."));
        }

        if (!(MinimumUsableFraction >= 0 && MinimumUsableFraction <= 1))
        {
            problems.Add(Invariant($"{nameof(MinimumUsableFraction)} {MinimumUsableFraction}: must be in [0, 1]."));
        }

        return problems;
    }

    /// <summary>The threshold brought into [<see cref="Minimum"/>, <see cref="Maximum"/>]; NaN gives <see cref="Initial"/>.</summary>
    public double Clamp(double threshold) => double.IsNaN(threshold) ? Initial : OnGrid(Math.Clamp(threshold, Minimum, Maximum));

    /// <summary>True when a session moves the threshold: it ran to its end and had enough usable signal.</summary>
    /// <param name="completed">The session ran to its end.</param>
    /// <param name="usableSeconds">Its seconds with a ready focus index.</param>
    /// <param name="seconds">Its length.</param>
    public bool Counts(bool completed, double usableSeconds, double seconds) =>
        completed && seconds > 0 && usableSeconds > 0 && usableSeconds >= MinimumUsableFraction * seconds;

    /// <summary>The next session's threshold after a counted session scoring <paramref name="timeInZone"/> (0..1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The score is not in 0..1.</exception>
    public double Next(double current, double timeInZone)
    {
        if (!(timeInZone >= 0 && timeInZone <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(timeInZone), timeInZone, "Time in zone is a fraction, 0..1.");
        }

        var threshold = Clamp(current);
        if (timeInZone > RaiseAbove)
        {
            return Clamp(threshold + Step);
        }

        return timeInZone < LowerBelow ? Clamp(threshold - Step) : threshold;
    }

    // Keeps the staircase on its grid: 0.7 + 0.1 is 0.7999999999999999 in binary, and the clamp at 0.9 would then take
    // a step too many to reach.
    private static double OnGrid(double threshold) => Math.Round(threshold, 9);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
