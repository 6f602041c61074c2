using EdgeBci.Control.Supervision;
using EdgeBci.Training.LiveReplay;

namespace EdgeBci.Training.Tests.LiveReplay;

/// <summary>The cue scorer on a synthetic motion trace whose every outcome is known.</summary>
public class CueScorerTests
{
    private static readonly IntentPolicy Policy = new(new Dictionary<string, string> { ["left"] = "turn-left", ["right"] = "turn-right", ["rest"] = "stop" });

    [Test]
    public void Right_wrong_and_no_move_trials_rest_moves_and_latencies_are_counted_as_they_happened()
    {
        // Four 4-second cues, each after 4 s of rest: 0–4 rest, 4–8 left, 8–12 rest, 12–16 right, 16–20 rest, 20–24 left, 24–28 rest, 28–32 right.
        CuedTrial[] trials = [new(4, 4, "left"), new(12, 4, "right"), new(20, 4, "left"), new(28, 4, "right")];
        RestPeriod[] rests = [new(0, 4), new(8, 4), new(16, 4), new(24, 4)];
        MotionOnset[] moves =
        [
            new(2.0, IntentCommand.TurnRight),   // during rest: a rest move
            new(5.5, IntentCommand.TurnLeft),    // trial 1, cued way after 1.5 s
            new(13.0, IntentCommand.TurnLeft),   // trial 2, wrong way after 1.0 s
            new(17.0, IntentCommand.TurnLeft),   // rest again
            new(30.0, IntentCommand.TurnRight),  // trial 4, cued way after 2.0 s
            new(31.0, IntentCommand.TurnLeft),   // a later move in trial 4 does not change its outcome
        ];

        var score = CueScorer.Score(trials, rests, moves, Policy, ["left", "right"]);

        Assert.That(score.Trials.Select(t => t.Outcome), Is.EqualTo(new[] { TrialOutcome.CuedWay, TrialOutcome.WrongWay, TrialOutcome.NoMove, TrialOutcome.CuedWay }));
        Assert.That((score.CuedWay, score.WrongWay, score.NoMove, score.Cues), Is.EqualTo((2, 1, 1, 4)));
        Assert.That(score.WrongWayShare, Is.EqualTo(0.25));
        Assert.That(score.RestMoves, Is.EqualTo(2));
        Assert.That(score.RestMovesPerMinute, Is.EqualTo(2 / (16.0 / 60)).Within(1e-12));
        Assert.That(score.MedianSecondsToMove, Is.EqualTo(1.5).Within(1e-12));
        Assert.That(score.P90SecondsToMove, Is.EqualTo(2.0).Within(1e-12));

        // P = 2/4 with N = 2 is chance: no information; 4 selections over the 28 s from the first cue's onset to the last one's end.
        Assert.That(score.SelectionsPerMinute, Is.EqualTo(4 / (28.0 / 60)).Within(1e-12));
        Assert.That(score.ItrBitsPerMinute, Is.Zero);
    }

    [Test]
    public void A_chair_that_never_moves_scores_no_move_on_every_cue_and_no_latency()
    {
        var score = CueScorer.Score([new(4, 4, "left"), new(12, 4, "right")], [new(0, 4)], [], Policy, ["left", "right"]);
        Assert.That((score.NoMove, score.CuedWay, score.WrongWay, score.RestMoves), Is.EqualTo((2, 0, 0, 0)));
        Assert.That(score.MedianSecondsToMove, Is.Null);
        Assert.That(score.ItrBitsPerMinute, Is.Zero);
    }

    [Test]
    public void Every_cue_right_carries_one_bit_per_two_class_selection()
    {
        var score = CueScorer.Score([new(0, 4, "left"), new(4, 4, "right")], [], [new(1, IntentCommand.TurnLeft), new(5, IntentCommand.TurnRight)], Policy, ["left", "right"]);
        Assert.That(score.ItrBitsPerMinute, Is.EqualTo(1.0 * 2 / (8.0 / 60)).Within(1e-12));
    }

    [Test]
    public void A_recording_without_cues_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => CueScorer.Score([], [], [], Policy, ["left", "right"]));
        Assert.That(error!.Message, Does.Contain("no cued trials"));
    }
}
