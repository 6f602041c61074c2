using EdgeBci.Decoding.Live;

namespace EdgeBci.Decoding.Tests;

public sealed class EvidenceAccumulatorTests
{
    [Test]
    public void An_accepted_window_moves_the_evidence_by_alpha_toward_its_probabilities()
    {
        var evidence = new EvidenceAccumulator(2, factor: 0.3, rejectionFloor: 0.55);

        var rejected = evidence.Update([0.9f, 0.1f]);

        Assert.That(rejected, Is.False);
        Assert.That(evidence.Evidence[0], Is.EqualTo((0.7 * 0.5) + (0.3 * 0.9f)));
        Assert.That(evidence.Evidence[1], Is.EqualTo((0.7 * 0.5) + (0.3 * 0.1f)));
        Assert.That(evidence.Leader, Is.Zero);
    }

    [Test]
    public void A_window_below_the_floor_decays_the_evidence_toward_uniform_instead_of_toward_its_class()
    {
        var evidence = new EvidenceAccumulator(3, factor: 0.3, rejectionFloor: 0.55);
        evidence.Update([0.8f, 0.1f, 0.1f]);
        var before = evidence.Evidence.ToArray();

        var rejected = evidence.Update([0.05f, 0.45f, 0.5f]);

        Assert.That(rejected, Is.True);
        for (var k = 0; k < 3; k++)
        {
            Assert.That(evidence.Evidence[k], Is.EqualTo((0.7 * before[k]) + (0.3 / 3)).Within(1e-15));
        }

        Assert.That(evidence.Evidence[2], Is.LessThan(before[2] + (0.3 * 0.5) - 1e-3), "class 2 did not gain what its 0.5 would have given");
        Assert.That(evidence.Evidence.ToArray().Sum(), Is.EqualTo(1).Within(1e-6), "still a distribution (up to the float probabilities' own rounding)");
    }

    [Test]
    public void A_window_that_is_not_a_number_is_rejected()
    {
        var evidence = new EvidenceAccumulator(2, 0.3, 0);

        Assert.That(evidence.Update([float.NaN, 0.5f]), Is.True);
        Assert.That(evidence.Evidence.ToArray(), Is.EqualTo(new[] { 0.5, 0.5 }));
    }

    [Test]
    public void Reset_returns_to_uniform_with_no_leader()
    {
        var evidence = new EvidenceAccumulator(4, 0.5, 0.3);
        evidence.Update([0.7f, 0.1f, 0.1f, 0.1f]);

        evidence.Reset();

        Assert.That(evidence.Evidence.ToArray(), Is.All.EqualTo(0.25));
        Assert.That(evidence.Leader, Is.EqualTo(-1));
        Assert.That(evidence.Windows, Is.Zero);
    }

    [TestCase(0.0)]
    [TestCase(-0.1)]
    [TestCase(1.01)]
    [TestCase(double.NaN)]
    public void The_factor_must_be_in_zero_to_one(double factor) =>
        Assert.That(() => new EvidenceAccumulator(2, factor, 0.5), Throws.TypeOf<ArgumentOutOfRangeException>());

    /// <summary>
    /// The property: for α ≤ 0.5, if the leader A's evidence exceeds every other class's by at least α/(1 − α), then
    /// after any one window (any probabilities, accepted or rejected) A is still the leader. Checked on 20,000 random
    /// states and windows, including the worst case (probability 1 on the strongest rival).
    /// </summary>
    [Test]
    public void One_window_cannot_flip_a_decision_whose_lead_is_at_least_the_margin()
    {
        var random = new Random(11);
        double[] factors = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5];
        for (var trial = 0; trial < 20_000; trial++)
        {
            var alpha = factors[trial % factors.Length];
            var classes = 2 + random.Next(4);
            var margin = EvidenceAccumulator.FlipMargin(alpha);
            var settled = SettledState(random, classes, margin, out var leader);
            var accumulator = Settle(settled, alpha, leader);
            Assert.That(accumulator.Leader, Is.EqualTo(leader));

            var window = ContraryWindow(random, classes, leader, settled);
            accumulator.Update(window);

            Assert.That(accumulator.Leader, Is.EqualTo(leader),
                $"α {alpha}, evidence [{string.Join(", ", settled)}], window [{string.Join(", ", window)}] flipped the decision to {accumulator.Leader}");
        }
    }

    [TestCase(0.1)]
    [TestCase(0.3)]
    [TestCase(0.5)]
    public void The_margin_is_tight_a_smaller_lead_is_flipped_by_one_certain_window(double alpha)
    {
        var margin = EvidenceAccumulator.FlipMargin(alpha);
        var lead = margin * 0.98;
        double[] state = [(1 + lead) / 2, (1 - lead) / 2];
        var accumulator = Settle(state, alpha, 0);

        accumulator.Update([0f, 1f]);

        Assert.That(accumulator.Leader, Is.EqualTo(1));
    }

    [Test]
    public void From_uniform_two_certain_windows_at_the_default_factor_reach_the_margin()
    {
        var accumulator = new EvidenceAccumulator(2, 0.3, 0.55);
        accumulator.Update([1f, 0f]);
        accumulator.Update([1f, 0f]);
        var lead = accumulator.Evidence[0] - accumulator.Evidence[1];
        Assert.That(lead, Is.EqualTo(1 - (0.7 * 0.7)).Within(1e-12));
        Assert.That(lead, Is.GreaterThanOrEqualTo(EvidenceAccumulator.FlipMargin(0.3)));

        accumulator.Update([0f, 1f]);

        Assert.That(accumulator.Leader, Is.Zero);
    }

    // A distribution whose leader beats every other class by at least the margin (plus a hair for rounding).
    private static double[] SettledState(Random random, int classes, double margin, out int leader)
    {
        leader = random.Next(classes);
        var state = new double[classes];
        var lead = margin + 1e-9 + (random.NextDouble() * (1 - margin - 1e-9));
        var rest = 0.0;
        for (var k = 0; k < classes; k++)
        {
            if (k != leader)
            {
                state[k] = random.NextDouble();
                rest += state[k];
            }
        }

        // Scale the others to total s, so leader = 1 − s and leader − max(other) = 1 − s·(1 + max share) = lead.
        var maxShare = 0.0;
        for (var k = 0; k < classes; k++)
        {
            if (k != leader)
            {
                state[k] /= rest;
                maxShare = Math.Max(maxShare, state[k]);
            }
        }

        var s = (1 - lead) / (1 + maxShare);
        for (var k = 0; k < classes; k++)
        {
            state[k] = k == leader ? 1 - s : state[k] * s;
        }

        return state;
    }

    private static EvidenceAccumulator Settle(double[] state, double alpha, int leader)
    {
        var accumulator = new EvidenceAccumulator(state.Length, alpha, 0);
        accumulator.Restore(state, leader);
        return accumulator;
    }

    // Half the time the worst case (all mass on the strongest rival), otherwise a random window that favours a rival.
    private static float[] ContraryWindow(Random random, int classes, int leader, double[] state)
    {
        var window = new float[classes];
        var rival = -1;
        for (var k = 0; k < classes; k++)
        {
            if (k != leader && (rival < 0 || state[k] > state[rival]))
            {
                rival = k;
            }
        }

        if (random.Next(2) == 0)
        {
            window[rival] = 1;
            return window;
        }

        var total = 0f;
        for (var k = 0; k < classes; k++)
        {
            window[k] = k == leader ? 0 : (float)random.NextDouble();
            total += window[k];
        }

        for (var k = 0; k < classes; k++)
        {
            window[k] /= total;
        }

        return window;
    }
}
