namespace EdgeBci.Training.Gate;

/// <summary>
/// What a calibrated model must show on the held-out block before it may drive (issue 16, section 4). The accuracy
/// checks count one decision per trial (overlapping windows of one trial are not independent evidence).
/// </summary>
public sealed record GateOptions
{
    /// <summary>The one-sided binomial test's significance level against chance (1 / classes).</summary>
    public double Alpha { get; init; } = 0.01;

    /// <summary>Share of held-out windows on which int8 and fp32 pick the same class.</summary>
    public double MinAgreement { get; init; } = 0.98;

    /// <summary>
    /// How many trials fewer than CSP+LDA the model may get right: 0 means "at least the baseline" as the issue says,
    /// so a tie passes and one trial fewer fails.
    /// </summary>
    public int BaselineToleranceTrials { get; init; }

    /// <summary>Live replay: moves the wrong way, as a share of cues.</summary>
    public double MaxWrongWayShare { get; init; } = 0.05;

    /// <summary>Live replay: moves that start during rest, per minute of rest.</summary>
    public double MaxRestMovesPerMinute { get; init; } = 1.0;

    /// <summary>The problems with these values, each naming the setting; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!(Alpha is > 0 and < 1))
        {
            problems.Add(FormattableString.Invariant($"Gate Alpha = {Alpha} is outside (0, 1)."));
        }

        if (!(MinAgreement is >= 0 and <= 1))
        {
            problems.Add(FormattableString.Invariant($"Gate MinAgreement = {MinAgreement} is outside 0..1."));
        }

        if (BaselineToleranceTrials < 0)
        {
            problems.Add(FormattableString.Invariant($"Gate BaselineToleranceTrials = {BaselineToleranceTrials} is negative."));
        }

        if (!(MaxWrongWayShare is >= 0 and <= 1))
        {
            problems.Add(FormattableString.Invariant($"Gate MaxWrongWayShare = {MaxWrongWayShare} is outside 0..1."));
        }

        if (!(MaxRestMovesPerMinute >= 0) || double.IsInfinity(MaxRestMovesPerMinute))
        {
            problems.Add(FormattableString.Invariant($"Gate MaxRestMovesPerMinute = {MaxRestMovesPerMinute} must be finite and not negative."));
        }

        return problems;
    }
}
