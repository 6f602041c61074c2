using EdgeBci.Training.Evaluation;

namespace EdgeBci.Training.Tests;

/// <summary>The one-sided binomial test the acceptance gate and the accuracy claims rest on, against hand-computed tails.</summary>
public class BinomialTestTests
{
    [Test]
    public void Ten_fair_coin_flips_have_the_hand_computed_upper_tails()
    {
        // P(X >= 8) = (45 + 10 + 1) / 1024; P(X >= 10) = 1 / 1024; P(X >= 0) = 1.
        Assert.That(BinomialTest.UpperTail(8, 10, 0.5), Is.EqualTo(56.0 / 1024).Within(1e-12));
        Assert.That(BinomialTest.UpperTail(10, 10, 0.5), Is.EqualTo(1.0 / 1024).Within(1e-15));
        Assert.That(BinomialTest.UpperTail(0, 10, 0.5), Is.EqualTo(1.0));
    }

    [Test]
    public void A_three_class_tail_matches_the_sum_of_its_terms()
    {
        // n = 4, p = 1/3: P(X >= 3) = 4·(1/3)³·(2/3) + (1/3)⁴ = 8/81 + 1/81.
        Assert.That(BinomialTest.UpperTail(3, 4, 1.0 / 3), Is.EqualTo(9.0 / 81).Within(1e-14));
    }

    [Test]
    public void The_significant_count_is_the_first_count_below_alpha()
    {
        var needed = BinomialTest.SignificantCount(30, 0.5, 0.01);

        Assert.That(BinomialTest.UpperTail(needed, 30, 0.5), Is.LessThan(0.01));
        Assert.That(BinomialTest.UpperTail(needed - 1, 30, 0.5), Is.GreaterThanOrEqualTo(0.01));
        Assert.That(needed, Is.EqualTo(22), "P(X >= 22 | 30, 1/2) = 0.0081, P(X >= 21) = 0.0214");
    }

    [Test]
    public void Too_few_trials_can_never_be_significant_and_say_so()
    {
        Assert.That(BinomialTest.SignificantCount(5, 0.5, 0.01), Is.EqualTo(6), "5 of 5 at chance 1/2 has p = 1/32");
        Assert.That(BinomialTest.Describe(5, 5, 2, 0.01), Does.Contain("no count of 5 reaches p < 0.01"));
    }

    [Test]
    public void Two_hundred_trials_neither_underflow_nor_exceed_one()
    {
        Assert.That(BinomialTest.UpperTail(200, 200, 0.5), Is.EqualTo(Math.Pow(0.5, 200)).Within(1e-70));
        Assert.That(BinomialTest.UpperTail(1, 200, 0.5), Is.LessThanOrEqualTo(1.0).And.GreaterThan(0.999));
    }

    [Test]
    public void Impossible_arguments_are_refused_by_name()
    {
        Assert.That(() => BinomialTest.UpperTail(11, 10, 0.5), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => BinomialTest.UpperTail(1, 10, 1.0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("chance"));
    }
}
