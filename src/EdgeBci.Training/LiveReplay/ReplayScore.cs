namespace EdgeBci.Training.LiveReplay;

/// <summary>
/// What the wearer would have felt over one recording: per-trial outcomes and their totals, moves during rest, the
/// time from cue to move and Wolpaw's information transfer rate (see <see cref="CueScorer"/> for the definitions).
/// </summary>
public sealed record ReplayScore
{
    public required IReadOnlyList<TrialScore> Trials { get; init; }

    public required int CuedWay { get; init; }

    public required int WrongWay { get; init; }

    public required int NoMove { get; init; }

    /// <summary>Moves that started during rest periods.</summary>
    public required int RestMoves { get; init; }

    public required double RestSeconds { get; init; }

    /// <summary>Median seconds from cue onset to the first move, over trials that moved; null when none moved.</summary>
    public double? MedianSecondsToMove { get; init; }

    /// <summary>90th percentile (nearest rank) of the same.</summary>
    public double? P90SecondsToMove { get; init; }

    /// <summary>N of the ITR: the number of cued classes.</summary>
    public required int Classes { get; init; }

    public required double SelectionsPerMinute { get; init; }

    public required double ItrBitsPerMinute { get; init; }

    public int Cues => Trials.Count;

    public double WrongWayShare => Cues == 0 ? 0 : (double)WrongWay / Cues;

    public double CuedWayShare => Cues == 0 ? 0 : (double)CuedWay / Cues;

    /// <summary>Moves per minute of rest; 0 when the recording has no rest.</summary>
    public double RestMovesPerMinute => RestSeconds <= 0 ? 0 : RestMoves / (RestSeconds / 60);

    internal static ReplayScore From(List<TrialScore> trials, int restMoves, double restSeconds, int classes, double cueMinutes)
    {
        int right = 0, wrong = 0, none = 0;
        var latencies = new List<double>(trials.Count);
        foreach (var trial in trials)
        {
            switch (trial.Outcome)
            {
                case TrialOutcome.CuedWay:
                    right++;
                    break;
                case TrialOutcome.WrongWay:
                    wrong++;
                    break;
                default:
                    none++;
                    break;
            }

            if (trial.SecondsToMove is { } seconds)
            {
                latencies.Add(seconds);
            }
        }

        latencies.Sort();
        var perMinute = cueMinutes > 0 ? trials.Count / cueMinutes : 0;
        return new ReplayScore
        {
            Trials = trials,
            CuedWay = right,
            WrongWay = wrong,
            NoMove = none,
            RestMoves = restMoves,
            RestSeconds = restSeconds,
            MedianSecondsToMove = latencies.Count == 0 ? null : NearestRank(latencies, 0.5),
            P90SecondsToMove = latencies.Count == 0 ? null : NearestRank(latencies, 0.9),
            Classes = classes,
            SelectionsPerMinute = perMinute,
            ItrBitsPerMinute = WolpawItr.BitsPerMinute(classes, (double)right / trials.Count, perMinute),
        };
    }

    private static double NearestRank(List<double> sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1)];
}
