using EdgeBci.Control.Supervision;

namespace EdgeBci.Training.LiveReplay;

/// <summary>One cued trial of a recording: the cue's onset and length (s from the recording's start) and the class cued.</summary>
public sealed record CuedTrial(double OnsetSeconds, double DurationSeconds, string ClassName)
{
    public double EndSeconds => OnsetSeconds + DurationSeconds;
}

/// <summary>A rest period between cues (T0 in eegmmidb and in calibration sessions).</summary>
public sealed record RestPeriod(double OnsetSeconds, double DurationSeconds)
{
    public double EndSeconds => OnsetSeconds + DurationSeconds;
}

/// <summary>The chair started moving (from standing still) at <paramref name="Seconds"/> of recording time, doing <paramref name="Intent"/>.</summary>
public readonly record struct MotionOnset(double Seconds, IntentCommand Intent);

/// <summary>What the chair did in one cued trial.</summary>
public enum TrialOutcome
{
    /// <summary>The first move in the trial was what the policy maps the cued class to.</summary>
    CuedWay,

    /// <summary>The first move in the trial was something else.</summary>
    WrongWay,

    /// <summary>The chair did not start moving during the cue.</summary>
    NoMove,
}

/// <summary>One trial's score: the trial, what happened and, when it moved, seconds from the cue's onset to the move.</summary>
public sealed record TrialScore(CuedTrial Trial, TrialOutcome Outcome, double? SecondsToMove);

/// <summary>
/// Scores the chair's moves against a recording's cues. A move is a transition from standing still to moving; the
/// first move that starts inside a cue period decides that trial (a move already under way at the cue's onset does
/// not count for it). Moves that start inside a rest period are counted per minute of rest. The information transfer
/// rate takes N = the number of cued classes and P = the share of trials moved the cued way (a trial without a move is
/// not a right selection: the standard N-class Wolpaw rate, no extra "no move" outcome), with one selection per trial
/// over the time from the first cue's onset to the last cue's end.
/// </summary>
public static class CueScorer
{
    public static ReplayScore Score(IReadOnlyList<CuedTrial> trials, IReadOnlyList<RestPeriod> rests, IReadOnlyList<MotionOnset> moves,
        IntentPolicy policy, IReadOnlyList<string> cuedClasses)
    {
        ArgumentNullException.ThrowIfNull(trials);
        ArgumentNullException.ThrowIfNull(rests);
        ArgumentNullException.ThrowIfNull(moves);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(cuedClasses);
        if (trials.Count == 0)
        {
            throw new ArgumentException("The recording has no cued trials to score.", nameof(trials));
        }

        if (cuedClasses.Count < 2)
        {
            throw new ArgumentException($"Scoring needs at least two cued classes; got {cuedClasses.Count}.", nameof(cuedClasses));
        }

        var scores = new List<TrialScore>(trials.Count);
        foreach (var trial in trials)
        {
            var first = FirstMoveIn(moves, trial.OnsetSeconds, trial.EndSeconds);
            if (first is not { } move)
            {
                scores.Add(new TrialScore(trial, TrialOutcome.NoMove, null));
                continue;
            }

            var outcome = move.Intent == policy.Map(trial.ClassName) ? TrialOutcome.CuedWay : TrialOutcome.WrongWay;
            scores.Add(new TrialScore(trial, outcome, move.Seconds - trial.OnsetSeconds));
        }

        var restSeconds = 0.0;
        var restMoves = 0;
        foreach (var rest in rests)
        {
            restSeconds += rest.DurationSeconds;
            foreach (var move in moves)
            {
                if (move.Seconds >= rest.OnsetSeconds && move.Seconds < rest.EndSeconds)
                {
                    restMoves++;
                }
            }
        }

        var first0 = trials[0].OnsetSeconds;
        var last = trials[0].EndSeconds;
        foreach (var trial in trials)
        {
            first0 = Math.Min(first0, trial.OnsetSeconds);
            last = Math.Max(last, trial.EndSeconds);
        }

        return ReplayScore.From(scores, restMoves, restSeconds, cuedClasses.Count, (last - first0) / 60);
    }

    private static MotionOnset? FirstMoveIn(IReadOnlyList<MotionOnset> moves, double from, double to)
    {
        MotionOnset? first = null;
        foreach (var move in moves)
        {
            if (move.Seconds >= from && move.Seconds < to && (first is null || move.Seconds < first.Value.Seconds))
            {
                first = move;
            }
        }

        return first;
    }
}
