using System.Globalization;
using EdgeBci.Control;
using EdgeBci.Decoding;
using EdgeBci.Decoding.Live;

namespace EdgeBci.Firmware;

/// <summary>What follows the one window of probability 1 for the move class, in <see cref="SingleWindowGateCheck"/>'s worst case.</summary>
internal enum FollowingWindows
{
    /// <summary>No evidence at all (below the floor, or a dead channel): the evidence decays toward uniform.</summary>
    Rejected,

    /// <summary>Every class equally likely (accepted, or rejected by the floor when 1/K is below it).</summary>
    Uniform,

    /// <summary>Probability 1 on another class: the move class gets 0.</summary>
    OtherClass,
}

/// <summary>
/// Derives, rather than lists, whether the decoder's evidence integration (<c>Decoding:EvidenceFactor</c>,
/// <c>Decoding:RejectionFloor</c>) and the supervisor's gate (<c>Control:EvidenceThreshold</c> held for
/// <c>Control:DwellMs</c>, one decision per hop) together let one window start a movement. The worst case for one window:
/// the evidence at uniform (nothing decoded yet), one window of probability 1 for a move class, then windows that give
/// that class nothing (<see cref="FollowingWindows"/>). The real <see cref="EvidenceAccumulator"/> runs each sequence; if
/// the move class stays at or above the threshold at every decision the dwell is sure to see, that one window would
/// move the platform, and the settings are refused. The window's own confidence (<c>Control:MinConfidence</c>) is a
/// second, separate gate and is deliberately not counted on here: each gate on its own must stop a single window.
/// </summary>
internal static class SingleWindowGateCheck
{
    /// <summary>
    /// Decisions the supervisor is sure to have seen, all at or above the threshold, when it moves: it moves at the first
    /// tick the intent has been held for the dwell, which at the nominal hop spans the first decision and one per whole
    /// hop after it (⌊dwell / hop⌋ + 1); a decision up to a hop late is not yet a timeout (that is two hops), so one of
    /// those may not have arrived. Hence ⌊dwell / hop⌋, and at least the one decision that started the dwell.
    /// </summary>
    public static int DecisionsInDwell(int dwellMs, int hopMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(dwellMs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hopMs);
        return Math.Max(1, dwellMs / hopMs);
    }

    /// <summary>
    /// The move class's evidence after each of <paramref name="decisions"/> windows: from uniform over
    /// <paramref name="classes"/>, one window of probability 1 for it, then <paramref name="following"/> windows.
    /// </summary>
    public static double[] MoveClassEvidence(int classes, double factor, double rejectionFloor, int decisions, FollowingWindows following)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(decisions, 1);
        const int Move = 0;
        var accumulator = new EvidenceAccumulator(classes, factor, rejectionFloor);
        var spike = new float[classes];
        spike[Move] = 1;
        var next = new float[classes];
        if (following == FollowingWindows.OtherClass)
        {
            next[Move + 1] = 1;
        }
        else
        {
            Array.Fill(next, 1f / classes);
        }

        var evidence = new double[decisions];
        accumulator.Update(spike);
        evidence[0] = accumulator.Evidence[Move];
        for (var k = 1; k < decisions; k++)
        {
            if (following == FollowingWindows.Rejected)
            {
                accumulator.Reject();
            }
            else
            {
                accumulator.Update(next);
            }

            evidence[k] = accumulator.Evidence[Move];
        }

        return evidence;
    }

    /// <summary>
    /// Null when no single window can start a movement under these settings, else the refusal naming the keys. Settings
    /// that are themselves out of range (refused by their own sections) are not judged here.
    /// </summary>
    /// <param name="classes">The model's class count (2 when no model is known: the fewest classes, the worst case).</param>
    /// <param name="hopSource">Where Control:HopMs came from, as <see cref="ControlOptionSources.Hop"/> says it.</param>
    public static string? Check(DecodingOptions decoding, ControlOptions control, int classes, string hopSource)
    {
        ArgumentNullException.ThrowIfNull(decoding);
        ArgumentNullException.ThrowIfNull(control);
        if (!(decoding.EvidenceFactor > 0 && decoding.EvidenceFactor <= 1) || !(decoding.RejectionFloor >= 0 && decoding.RejectionFloor <= 1)
            || classes < 2 || control.HopMs <= 0 || control.DwellMs < 0 || double.IsNaN(control.EvidenceThreshold))
        {
            return null;
        }

        var decisions = DecisionsInDwell(control.DwellMs, control.HopMs);
        double[]? held = null;
        var heldAfter = FollowingWindows.Rejected;
        foreach (var following in Enum.GetValues<FollowingWindows>())
        {
            var evidence = MoveClassEvidence(classes, decoding.EvidenceFactor, decoding.RejectionFloor, decisions, following);
            if (Array.TrueForAll(evidence, e => e >= control.EvidenceThreshold) && (held is null || evidence[^1] > held[^1]))
            {
                held = evidence;
                heldAfter = following;
            }
        }

        if (held is null)
        {
            return null;
        }

        var trace = string.Join(", ", held.Select(e => e.ToString("0.000", CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture,
            $"{DecodingOptions.Section}:EvidenceFactor = {decoding.EvidenceFactor}, {ControlOptions.Section}:EvidenceThreshold = {control.EvidenceThreshold} and {ControlOptions.Section}:DwellMs = {control.DwellMs} "
            + $"with a hop of {control.HopMs} ms ({ControlOptions.Section}:HopMs, {hopSource}; {DecodingOptions.Section}:HopSeconds = {decoding.HopSeconds}) let a single window start a movement: "
            + $"from uniform evidence over {classes} classes, one window of probability 1 for a move class lifts its evidence to {held[0]:0.000}, and with every following window {Describe(heldAfter)} "
            + $"it stays at or above {control.EvidenceThreshold} for all {decisions} decision(s) the dwell is sure to see ({trace}), so the supervisor would move on that one window. "
            + $"Lower {DecodingOptions.Section}:EvidenceFactor, raise {ControlOptions.Section}:EvidenceThreshold or lengthen {ControlOptions.Section}:DwellMs.");
    }

    private static string Describe(FollowingWindows following) => following switch
    {
        FollowingWindows.Rejected => "rejected",
        FollowingWindows.Uniform => "uniform",
        _ => "giving probability 1 to another class",
    };
}
