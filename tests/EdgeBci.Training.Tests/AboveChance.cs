using EdgeBci.Training.Evaluation;

namespace EdgeBci.Training.Tests;

/// <summary>
/// The one way the tests claim a model learned a task: one decision per independent trial, and a count of correct
/// trials that a model guessing at chance (1/K) reaches with probability below 1 % (one-sided exact binomial test).
/// Overlapping or shifted windows of one trial are not independent and are not counted.
/// </summary>
internal static class AboveChance
{
    public const double Alpha = 0.01;

    public static bool IsSignificant(int correctTrials, int trials, int classes) =>
        correctTrials >= BinomialTest.SignificantCount(trials, 1.0 / classes, Alpha);

    /// <summary>Asserts the claim; the message states the count, the p-value and the count needed.</summary>
    public static void Assert(int correctTrials, int trials, int classes, string what) =>
        NUnit.Framework.Assert.That(IsSignificant(correctTrials, trials, classes), Is.True,
            $"{what}: {BinomialTest.Describe(correctTrials, trials, classes, Alpha)}");
}
