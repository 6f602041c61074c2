using EdgeBci.Training.LiveReplay;

namespace EdgeBci.Training.Reporting;

/// <summary>
/// One live replay in the evaluation report (<c>edgebci replay-score</c>): what the chair did on each cue of a held-out
/// run beside the same bundle's offline accuracy on that run.
/// </summary>
public sealed record LiveReplaySummary
{
    public required string Recording { get; init; }

    /// <summary>"s001-left-vs-right v2026.11.25".</summary>
    public required string Model { get; init; }

    /// <summary>"int8" or "fp32".</summary>
    public required string Precision { get; init; }

    public required int Cues { get; init; }

    public required int CuedWay { get; init; }

    public required int WrongWay { get; init; }

    public required int NoMove { get; init; }

    public required int RestMoves { get; init; }

    public required double RestSeconds { get; init; }

    public double? MedianSecondsToMove { get; init; }

    public double? P90SecondsToMove { get; init; }

    /// <summary>N of Wolpaw's rate: the cued classes.</summary>
    public required int Classes { get; init; }

    public required double SelectionsPerMinute { get; init; }

    public required double ItrBitsPerMinute { get; init; }

    public required int OfflineCorrect { get; init; }

    public required int OfflineTrials { get; init; }

    public double WrongWayShare => Cues == 0 ? 0 : (double)WrongWay / Cues;

    public double RestMovesPerMinute => RestSeconds <= 0 ? 0 : RestMoves / (RestSeconds / 60);

    public double OfflineAccuracy => OfflineTrials == 0 ? 0 : (double)OfflineCorrect / OfflineTrials;

    public static LiveReplaySummary From(ReplayScoreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var score = report.Score;
        return new LiveReplaySummary
        {
            Recording = report.Replay.Recording,
            Model = report.Replay.Model,
            Precision = report.Replay.Precision,
            Cues = score.Cues,
            CuedWay = score.CuedWay,
            WrongWay = score.WrongWay,
            NoMove = score.NoMove,
            RestMoves = score.RestMoves,
            RestSeconds = score.RestSeconds,
            MedianSecondsToMove = score.MedianSecondsToMove,
            P90SecondsToMove = score.P90SecondsToMove,
            Classes = score.Classes,
            SelectionsPerMinute = score.SelectionsPerMinute,
            ItrBitsPerMinute = score.ItrBitsPerMinute,
            OfflineCorrect = report.OfflineCorrect,
            OfflineTrials = report.OfflineTrials,
        };
    }

    /// <summary>Same recording, model and precision: a newer replay replaces this one in a report.</summary>
    public bool Replays(LiveReplaySummary other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return string.Equals(Recording, other.Recording, StringComparison.Ordinal) && string.Equals(Model, other.Model, StringComparison.Ordinal)
            && string.Equals(Precision, other.Precision, StringComparison.Ordinal);
    }
}
