using EdgeBci.Training.Neurofeedback;

namespace EdgeBci.Training.Tests.Neurofeedback;

/// <summary>The staircase between sessions: up after an easy session, down after a hard one, clamped, moved only by a real session.</summary>
public class AdaptiveThresholdTests
{
    private readonly AdaptiveThreshold _rule = new();

    [Test]
    public void A_wearer_who_spends_more_than_70_percent_in_the_zone_gets_a_higher_threshold()
    {
        Assert.That(_rule.Next(0.5, 0.85), Is.EqualTo(0.6));
        Assert.That(_rule.Next(0.5, 0.71), Is.EqualTo(0.6));
    }

    [Test]
    public void A_wearer_who_struggles_below_40_percent_gets_a_lower_one()
    {
        Assert.That(_rule.Next(0.5, 0.2), Is.EqualTo(0.4));
        Assert.That(_rule.Next(0.5, 0.39), Is.EqualTo(0.4));
    }

    [Test]
    public void Between_40_and_70_percent_the_threshold_stays()
    {
        Assert.That(_rule.Next(0.5, 0.4), Is.EqualTo(0.5));
        Assert.That(_rule.Next(0.5, 0.6), Is.EqualTo(0.5));
        Assert.That(_rule.Next(0.5, 0.7), Is.EqualTo(0.5));
    }

    [Test]
    public void It_stays_within_its_bounds_and_reaches_them_in_whole_steps()
    {
        var threshold = _rule.Initial;
        var raised = new List<double>();
        for (var session = 0; session < 8; session++)
        {
            threshold = _rule.Next(threshold, 1.0);
            raised.Add(threshold);
        }

        Assert.That(raised, Is.EqualTo(new[] { 0.6, 0.7, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9 }));
        for (var session = 0; session < 12; session++)
        {
            threshold = _rule.Next(threshold, 0.0);
        }

        Assert.That(threshold, Is.EqualTo(0.1));
        Assert.That(_rule.Next(0.95, 0.5), Is.EqualTo(0.9), "a stored value beyond the bounds is brought back");
        Assert.That(_rule.Clamp(double.NaN), Is.EqualTo(0.5));
    }

    [Test]
    public void Only_a_session_that_ran_to_its_end_with_enough_usable_signal_counts()
    {
        Assert.That(_rule.Counts(completed: true, usableSeconds: 300, seconds: 600), Is.True);
        Assert.That(_rule.Counts(completed: false, usableSeconds: 600, seconds: 600), Is.False, "cancelled");
        Assert.That(_rule.Counts(completed: true, usableSeconds: 299, seconds: 600), Is.False, "mostly bad electrodes");
        Assert.That(_rule.Counts(completed: true, usableSeconds: 0, seconds: 0), Is.False);
    }

    [Test]
    public void A_score_outside_0_to_1_and_bad_rules_are_named()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _rule.Next(0.5, 1.2));
        var problems = new AdaptiveThreshold { Maximum = 1, Initial = 1.2, Step = 0 }.Validate();

        Assert.That(problems, Has.Count.EqualTo(3));
        Assert.That(problems[0], Does.StartWith("Minimum 0.1 and Maximum 1"));
        Assert.That(problems[1], Does.StartWith("Initial 1.2"));
        Assert.That(problems[2], Does.StartWith("Step 0"));
    }
}
