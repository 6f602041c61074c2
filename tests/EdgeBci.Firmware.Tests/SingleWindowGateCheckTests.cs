using EdgeBci.Control;
using EdgeBci.Decoding;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// The derived rule "no single window starts a movement", run on the real evidence accumulator. Under the start-up
/// bounds (EvidenceFactor ≤ 0.5, EvidenceThreshold ≥ 0.7, DwellMs ≥ two hops) no combination fails it: with two classes
/// the move class's evidence after the window and one window giving it nothing is at most 1/2 + (α/2)(1 − α) ≤ 0.625
/// (α = 0.5), below 0.7. So the check is exercised directly with the bounds relaxed, where it must refuse.
/// </summary>
public class SingleWindowGateCheckTests
{
    private static string? Check(double factor, double threshold, int dwellMs, int classes = 2, int hopMs = 250, double rejectionFloor = 0.55) =>
        SingleWindowGateCheck.Check(new DecodingOptions { EvidenceFactor = factor, RejectionFloor = rejectionFloor },
            new ControlOptions { EvidenceThreshold = threshold, DwellMs = dwellMs, HopMs = hopMs }, classes, "derived from Decoding:HopSeconds = 0.25");

    [TestCase(0, 250, 1)]
    [TestCase(249, 250, 1)]
    [TestCase(500, 250, 2)]
    [TestCase(600, 250, 2)]
    [TestCase(750, 250, 3)]
    public void The_dwell_is_sure_to_see_the_first_decision_and_one_per_whole_hop_less_one_late(int dwellMs, int hopMs, int decisions)
    {
        Assert.That(SingleWindowGateCheck.DecisionsInDwell(dwellMs, hopMs), Is.EqualTo(decisions));
    }

    [Test]
    public void The_worst_case_runs_the_real_accumulator_from_uniform()
    {
        Assert.Multiple(() =>
        {
            // α = 0.5, two classes: 0.5 → 0.75 on the window; then ×0.5 (+0.25 toward uniform when rejected).
            Assert.That(SingleWindowGateCheck.MoveClassEvidence(2, 0.5, 0.55, 3, FollowingWindows.Rejected), Is.EqualTo(new[] { 0.75, 0.625, 0.5625 }).Within(1e-12));
            Assert.That(SingleWindowGateCheck.MoveClassEvidence(2, 0.5, 0.55, 3, FollowingWindows.OtherClass), Is.EqualTo(new[] { 0.75, 0.375, 0.1875 }).Within(1e-12));
            Assert.That(SingleWindowGateCheck.MoveClassEvidence(2, 0.5, 0, 2, FollowingWindows.Uniform), Is.EqualTo(new[] { 0.75, 0.625 }).Within(1e-12), "an accepted uniform window");
            Assert.That(SingleWindowGateCheck.MoveClassEvidence(4, 0.5, 0.55, 1, FollowingWindows.Rejected), Is.EqualTo(new[] { 0.625 }).Within(1e-12), "from 1/4");
        });
    }

    [Test]
    public void One_window_that_alone_reaches_the_threshold_with_no_dwell_is_refused_naming_the_keys()
    {
        var refusal = Check(factor: 0.5, threshold: 0.7, dwellMs: 0);
        Assert.That(refusal, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(refusal, Does.StartWith("Decoding:EvidenceFactor = 0.5, Control:EvidenceThreshold = 0.7 and Control:DwellMs = 0 with a hop of 250 ms"));
            Assert.That(refusal, Does.Contain("Control:HopMs, derived from Decoding:HopSeconds = 0.25; Decoding:HopSeconds = 0.25"));
            Assert.That(refusal, Does.Contain("let a single window start a movement"));
            Assert.That(refusal, Does.Contain("lifts its evidence to 0.750"));
            Assert.That(refusal, Does.Contain("for all 1 decision(s) the dwell is sure to see (0.750)"));
        });
    }

    [Test]
    public void A_window_whose_evidence_outlasts_a_three_decision_dwell_is_refused()
    {
        // α = 1/3, two classes: 2/3 after the window, then 0.611 and 0.574 while rejected windows decay it toward 1/2.
        var refusal = Check(factor: 1.0 / 3, threshold: 0.55, dwellMs: 750);
        Assert.That(refusal, Does.Contain("with every following window rejected it stays at or above 0.55 for all 3 decision(s) the dwell is sure to see (0.667, 0.611, 0.574)"));
        Assert.That(Check(factor: 1.0 / 3, threshold: 0.58, dwellMs: 750), Is.Null, "0.574 is below 0.58 at the third decision");
    }

    [Test]
    public void More_classes_start_the_move_class_lower()
    {
        // α = 0.4: from 1/2 the window reaches 0.7 exactly; from 1/3 only 0.6.
        Assert.That(Check(factor: 0.4, threshold: 0.7, dwellMs: 0, classes: 2), Is.Not.Null);
        Assert.That(Check(factor: 0.4, threshold: 0.7, dwellMs: 0, classes: 3), Is.Null);
    }

    [Test]
    public void No_combination_within_the_start_up_bounds_lets_a_single_window_move()
    {
        var failing = new List<string>();
        for (var factor = 0.01; factor <= DecodingOptions.EvidenceFactorCeiling + 1e-9; factor += 0.01)
        {
            for (var threshold = ControlOptions.EvidenceThresholdFloor; threshold <= 1 + 1e-9; threshold += 0.05)
            {
                foreach (var classes in (int[])[2, 3, 4, 8])
                {
                    foreach (var floor in (double[])[0, 0.55, 1])
                    {
                        if (Check(factor, threshold, dwellMs: 500, classes, hopMs: 250, floor) is { } refusal)
                        {
                            failing.Add(refusal);
                        }
                    }
                }
            }
        }

        Assert.That(failing, Is.Empty);
    }

    [Test]
    public void Settings_refused_elsewhere_are_not_judged_here()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Check(factor: 0, threshold: 0.7, dwellMs: 0), Is.Null, "EvidenceFactor 0 is refused by the Decoding section");
            Assert.That(Check(factor: 0.5, threshold: 0.7, dwellMs: 0, hopMs: 0), Is.Null, "HopMs 0 is refused by the Control section");
            Assert.That(Check(factor: 0.5, threshold: 0.7, dwellMs: 0, classes: 1), Is.Null);
        });
    }
}
