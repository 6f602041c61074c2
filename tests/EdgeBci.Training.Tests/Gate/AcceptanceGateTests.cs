using System.Text.Json;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Gate;
using EdgeBci.Training.LiveReplay;

namespace EdgeBci.Training.Tests.Gate;

/// <summary>The acceptance gate says no to a model that cannot drive and names why, and yes to a clearly good one.</summary>
public class AcceptanceGateTests
{
    private const int Trials = 30;

    [Test]
    public void A_chance_model_is_refused_by_the_binomial_test_with_the_count_needed()
    {
        // Random class probabilities on 30 two-class trials: argmax of noise.
        var random = new Random(16);
        var labels = new int[Trials];
        var predictions = new int[Trials];
        for (var i = 0; i < Trials; i++)
        {
            labels[i] = i % 2;
            var left = random.NextDouble();
            predictions[i] = left > 1 - left ? 0 : 1;
        }

        var report = AcceptanceGate.Evaluate(Inputs(labels, predictions, predictions, predictions, agreeing: 300, of: 300, GoodReplay()), new GateOptions());

        var significance = report.Check(AcceptanceGate.Significance);
        Assert.That(report.Passed, Is.False);
        Assert.That(significance.Passed, Is.False);
        Assert.That(significance.CountNeeded, Is.EqualTo(22), "P(X >= 22 | n = 30, p = 1/2) = 0.0081 < 0.01; 21 gives 0.0214");
        Assert.That(significance.Detail, Does.Contain("22 needed for p < 0.01"));
        Assert.That(report.Advice, Has.Some.Contain("imagery strategy").Or.Some.Contain("more trials"));
    }

    [Test]
    public void A_model_that_always_says_rest_is_at_chance_when_half_the_trials_are_rest()
    {
        // Three classes (left 0, rest 1, right 2); 60 held-out trials, 30 of them rest, as a session's rest periods give.
        // Always answering "rest" is right on 30 of 60: p = 0.0002 against 1/3, but exactly the largest class's share.
        var labels = new int[60];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = i % 2 == 1 ? 1 : (i % 4 == 0 ? 0 : 2);
        }

        var rest = new int[labels.Length];
        Array.Fill(rest, 1);
        var inputs = new GateInputs(labels, 3, rest, rest, rest, AgreeingWindows: 300, AgreementWindows: 300, GoodReplay(), []);

        var significance = AcceptanceGate.Evaluate(inputs, new GateOptions()).Check(AcceptanceGate.Significance);

        Assert.That(significance.Passed, Is.False, significance.Detail);
        Assert.That(significance.Detail, Does.Contain("chance 30/60, the largest class's share"));
    }

    [Test]
    public void A_model_whose_replayed_chair_never_moves_cannot_drive()
    {
        var (labels, model) = Predictions(right: 27);
        var still = Replay(cuedWay: 0, wrongWay: 0, noMove: 30, restMoves: 0, restSeconds: 120);

        var report = AcceptanceGate.Evaluate(Inputs(labels, model, model, model, 300, 300, still), new GateOptions());

        Assert.That(report.Check(AcceptanceGate.WrongWay).Passed && report.Check(AcceptanceGate.RestMoves).Passed, Is.True, "never moving keeps both bounds");
        Assert.That(report.Check(AcceptanceGate.Drives).Passed, Is.False);
        Assert.That(report.Passed, Is.False);
    }

    [Test]
    public void Int8_disagreeing_with_fp32_is_refused_by_that_check_alone()
    {
        var (labels, good) = Predictions(right: 27);
        var report = AcceptanceGate.Evaluate(Inputs(labels, good, good, Wrong(labels, 22), agreeing: 270, of: 300, GoodReplay()), new GateOptions());

        Assert.That(report.Passed, Is.False);
        Assert.That(report.Checks.Where(c => !c.Passed).Select(c => c.Name), Is.EqualTo(new[] { AcceptanceGate.Int8Agreement }));
        Assert.That(report.Check(AcceptanceGate.Int8Agreement).Measured, Is.EqualTo(0.9).Within(1e-12));
        Assert.That(report.Advice, Has.Some.Contain("quantize"));
    }

    [Test]
    public void A_clearly_good_model_passes_every_check()
    {
        var (labels, good) = Predictions(right: 27);
        var report = AcceptanceGate.Evaluate(Inputs(labels, good, good, Wrong(labels, 24), agreeing: 297, of: 300, GoodReplay()), new GateOptions());

        Assert.That(report.Checks.Select(c => c.Name), Is.EqualTo(new[]
        {
            AcceptanceGate.Significance, AcceptanceGate.Baseline, AcceptanceGate.Int8Agreement, AcceptanceGate.WrongWay, AcceptanceGate.RestMoves, AcceptanceGate.Drives,
        }));
        Assert.That(report.Checks.All(c => c.Passed), Is.True, string.Join("; ", report.Checks.Select(c => c.Detail)));
        Assert.That(report.Passed, Is.True);
        Assert.That(report.Advice, Is.Empty);
    }

    [Test]
    public void A_tie_with_CSP_LDA_passes_and_one_trial_fewer_fails()
    {
        var (labels, model) = Predictions(right: 25);
        var tie = AcceptanceGate.Evaluate(Inputs(labels, model, model, Wrong(labels, 25), 300, 300, GoodReplay()), new GateOptions());
        var below = AcceptanceGate.Evaluate(Inputs(labels, model, model, Wrong(labels, 26), 300, 300, GoodReplay()), new GateOptions());

        Assert.That(tie.Check(AcceptanceGate.Baseline).Passed, Is.True);
        Assert.That(below.Check(AcceptanceGate.Baseline).Passed, Is.False);
        Assert.That(below.Check(AcceptanceGate.Baseline).Detail, Does.Contain("CSP+LDA on 26"));
    }

    [Test]
    public void Wrong_way_and_rest_moves_in_the_live_replay_are_refused_against_their_bounds()
    {
        var (labels, good) = Predictions(right: 27);
        var replay = Replay(cuedWay: 26, wrongWay: 2, noMove: 2, restMoves: 3, restSeconds: 120);
        var report = AcceptanceGate.Evaluate(Inputs(labels, good, good, good, 300, 300, replay), new GateOptions());

        Assert.That(report.Check(AcceptanceGate.WrongWay).Passed, Is.False, "2 of 30 = 6.7 % > 5 %");
        Assert.That(report.Check(AcceptanceGate.RestMoves).Passed, Is.False, "3 in 2 min = 1.5/min > 1/min");
        Assert.That(report.Check(AcceptanceGate.RestMoves).Measured, Is.EqualTo(1.5).Within(1e-12));

        var missing = AcceptanceGate.Evaluate(Inputs(labels, good, good, good, 300, 300, null), new GateOptions());
        Assert.That(missing.Check(AcceptanceGate.WrongWay).Passed, Is.False, "no replay, no driving");
    }

    [Test]
    public void The_advice_follows_the_cause_of_a_failed_significance_test()
    {
        // 19 of 30 is above chance (63 %) but not significant: more trials. The same with a flat channel: electrodes first.
        var (labels, model) = Predictions(right: 19);
        var shortBlock = AcceptanceGate.Evaluate(Inputs(labels, model, model, Wrong(labels, 15), 300, 300, GoodReplay()), new GateOptions());
        Assert.That(shortBlock.Advice[0], Does.Contain("record more trials"));

        var electrodes = AcceptanceGate.Evaluate(Inputs(labels, model, model, Wrong(labels, 15), 300, 300, GoodReplay()) with { SignalProblems = ["C3: flat line"] }, new GateOptions());
        Assert.That(electrodes.Advice[0], Does.Contain("Check the electrodes").And.Contain("C3: flat line"));
    }

    [Test]
    public void Inputs_that_do_not_fit_together_are_refused_by_name()
    {
        var (labels, good) = Predictions(right: 27);
        var error = Assert.Throws<ArgumentException>(() => AcceptanceGate.Evaluate(Inputs(labels, good, good, good[..10], 300, 300, GoodReplay()), new GateOptions()));
        Assert.That(error!.Message, Does.Contain("CSP+LDA predictions: 10 for 30"));
        error = Assert.Throws<ArgumentException>(() => AcceptanceGate.Evaluate(Inputs(labels, good, good, good, 300, 300, GoodReplay()), new GateOptions { MinAgreement = 2 }));
        Assert.That(error!.Message, Does.Contain("MinAgreement"));
    }

    [Test]
    public void The_report_is_written_as_gate_json_and_readable_text()
    {
        var (labels, model) = Predictions(right: 15);
        var report = AcceptanceGate.Evaluate(Inputs(labels, model, model, model, 300, 300, GoodReplay()), new GateOptions());
        using var folder = new ScratchFolder("gate");

        var (json, text) = GateReportWriter.Write(report, folder.Path);

        using var document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.That(document.RootElement.GetProperty("passed").GetBoolean(), Is.False);
        var significance = document.RootElement.GetProperty("checks")[0];
        Assert.That(significance.GetProperty("name").GetString(), Is.EqualTo("significance"));
        Assert.That(significance.GetProperty("countNeeded").GetInt32(), Is.EqualTo(22));
        Assert.That(File.ReadAllText(text), Does.StartWith("REFUSED").And.Contain("[FAIL] significance").And.Contain("What to do:"));
        var read = EdgeBci.Training.Reporting.EvaluationReportJson.ReadGate(json);
        Assert.That(read.Checks, Is.EqualTo(report.Checks));
        Assert.That(read.Advice, Is.EqualTo(report.Advice));
    }

    private static GateInputs Inputs(int[] labels, int[] fp32, int[] int8, int[] baseline, int agreeing, int of, ReplayScore? replay) =>
        new(labels, 2, fp32, int8, baseline, agreeing, of, replay, []);

    /// <summary>Alternating labels and predictions right on the first <paramref name="right"/> trials.</summary>
    private static (int[] Labels, int[] Predictions) Predictions(int right)
    {
        var labels = new int[Trials];
        for (var i = 0; i < Trials; i++)
        {
            labels[i] = i % 2;
        }

        return (labels, Wrong(labels, right));
    }

    private static int[] Wrong(int[] labels, int right)
    {
        var predictions = new int[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            predictions[i] = i < right ? labels[i] : 1 - labels[i];
        }

        return predictions;
    }

    private static ReplayScore GoodReplay() => Replay(cuedWay: 25, wrongWay: 1, noMove: 4, restMoves: 1, restSeconds: 120);

    private static ReplayScore Replay(int cuedWay, int wrongWay, int noMove, int restMoves, double restSeconds)
    {
        var trials = new List<CuedTrial>();
        var moves = new List<MotionOnset>();
        var policy = new Control.Supervision.IntentPolicy(new Dictionary<string, string> { ["left"] = "turn-left", ["right"] = "turn-right" });
        for (var i = 0; i < cuedWay + wrongWay + noMove; i++)
        {
            trials.Add(new CuedTrial(10 * i, 4, "left"));
            if (i < cuedWay + wrongWay)
            {
                moves.Add(new MotionOnset((10 * i) + 1, i < cuedWay ? Control.Supervision.IntentCommand.TurnLeft : Control.Supervision.IntentCommand.TurnRight));
            }
        }

        var rests = new List<RestPeriod> { new(-restSeconds, restSeconds) };
        for (var i = 0; i < restMoves; i++)
        {
            moves.Add(new MotionOnset(-restSeconds + i + 1, Control.Supervision.IntentCommand.TurnLeft));
        }

        return CueScorer.Score(trials, rests, moves, policy, ["left", "right"]);
    }
}
