using EdgeBci.Training.Evaluation;

namespace EdgeBci.Training.Tests;

/// <summary>
/// Classification metrics on examples computed by hand, their edge cases, and the train/test splits: stratified
/// folds that partition and balance, and chronological splits by run.
/// </summary>
public class MetricsTests
{
    // ---- metrics -------------------------------------------------------------------------------------------------

    [Test]
    public void A_two_class_example_matches_the_hand_computed_accuracy_balanced_accuracy_kappa_and_F1()
    {
        // Truth: 4 × class 0, 6 × class 1. Confusion [truth, predicted] = [[3, 1], [1, 5]].
        int[] truth = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        int[] predicted = [0, 0, 0, 1, 0, 1, 1, 1, 1, 1];

        var metrics = ClassificationMetrics.Compute(truth, predicted, ["rest", "move"]);

        Assert.That(metrics.ConfusionMatrix(), Is.EqualTo(new[,] { { 3, 1 }, { 1, 5 } }));
        Assert.That(metrics.Accuracy, Is.EqualTo(0.8).Within(1e-15));

        // Recalls 3/4 and 5/6.
        Assert.That(metrics.BalancedAccuracy, Is.EqualTo(19.0 / 24).Within(1e-15));

        // Chance agreement 0.4 × 0.4 + 0.6 × 0.6 = 0.52; kappa (0.8 − 0.52) / 0.48 = 7/12.
        Assert.That(metrics.CohensKappa, Is.EqualTo(7.0 / 12).Within(1e-15));

        // Precision equals recall for both classes here, so F1 does too.
        Assert.That(metrics.PerClass[0], Is.EqualTo(new ClassScores("rest", 4, 4, 0.75, 0.75, 0.75)));
        Assert.That(metrics.PerClass[1].Precision, Is.EqualTo(5.0 / 6).Within(1e-15));
        Assert.That(metrics.PerClass[1].F1, Is.EqualTo(5.0 / 6).Within(1e-15));
        Assert.That(metrics.MacroF1, Is.EqualTo((0.75 + (5.0 / 6)) / 2).Within(1e-15));
    }

    [Test]
    public void A_class_that_is_never_predicted_has_precision_0_not_NaN()
    {
        // Confusion [[2, 0, 0], [1, 1, 0], [0, 2, 0]]: class 2 is never predicted.
        int[] truth = [0, 0, 1, 1, 2, 2];
        int[] predicted = [0, 0, 1, 0, 1, 1];

        var metrics = ClassificationMetrics.Compute(truth, predicted, ["left", "right", "feet"]);

        Assert.That(metrics.PerClass[2], Is.EqualTo(new ClassScores("feet", 2, 0, 0, 0, 0)));
        Assert.That(metrics.PerClass[0].Precision, Is.EqualTo(2.0 / 3).Within(1e-15));
        Assert.That(metrics.PerClass[0].F1, Is.EqualTo(0.8).Within(1e-15));
        Assert.That(metrics.PerClass[1].Precision, Is.EqualTo(1.0 / 3).Within(1e-15));
        Assert.That(metrics.PerClass[1].F1, Is.EqualTo(0.4).Within(1e-15));
        Assert.That(metrics.Accuracy, Is.EqualTo(0.5));
        Assert.That(metrics.BalancedAccuracy, Is.EqualTo(0.5).Within(1e-15));

        // Chance agreement 2/6 × 3/6 + 2/6 × 3/6 + 2/6 × 0 = 1/3; kappa (1/2 − 1/3) / (2/3) = 1/4.
        Assert.That(metrics.CohensKappa, Is.EqualTo(0.25).Within(1e-15));
        Assert.That(metrics.Count(2, 1), Is.EqualTo(2));
    }

    [Test]
    public void A_class_absent_from_the_truth_has_recall_0_and_is_left_out_of_balanced_accuracy()
    {
        int[] truth = [0, 0, 1, 1];
        int[] predicted = [0, 2, 1, 1];

        var metrics = ClassificationMetrics.Compute(truth, predicted, ["a", "b", "c"]);

        Assert.That(metrics.PerClass[2], Is.EqualTo(new ClassScores("c", 0, 1, 0, 0, 0)));
        Assert.That(metrics.BalancedAccuracy, Is.EqualTo(0.75));
    }

    [Test]
    public void Kappa_is_1_when_perfect_minus_1_when_always_wrong_on_balanced_data_and_0_with_a_single_class()
    {
        int[] alternating = [0, 1, 0, 1];
        int[] flipped = [1, 0, 1, 0];
        int[] zeros = [0, 0, 0];

        Assert.That(ClassificationMetrics.Compute(alternating, alternating, ["a", "b"]).CohensKappa, Is.EqualTo(1));
        Assert.That(ClassificationMetrics.Compute(alternating, flipped, ["a", "b"]).CohensKappa, Is.EqualTo(-1));
        var single = ClassificationMetrics.Compute(zeros, zeros, ["a", "b"]);
        Assert.That(single.CohensKappa, Is.EqualTo(0), "chance agreement is 1: nothing beyond chance");
        Assert.That(single.Accuracy, Is.EqualTo(1));
        Assert.That(single.BalancedAccuracy, Is.EqualTo(1));
        Assert.That(single.PerClass[1].Precision, Is.EqualTo(0));
    }

    [Test]
    public void Metrics_reject_mismatched_empty_and_out_of_range_input()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute([0, 1], [0], ["a", "b"]));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute([], [], ["a", "b"]));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute([0, 2], [0, 1], ["a", "b"]));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Compute([0, 1], [0, -1], ["a", "b"]));
    }

    [Test]
    public void The_table_shows_the_summary_every_class_and_the_confusion_matrix()
    {
        int[] truth = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
        int[] predicted = [0, 0, 0, 1, 0, 1, 1, 1, 1, 1];

        var table = ClassificationMetrics.Compute(truth, predicted, ["rest", "move"]).ToString();

        TestContext.Out.WriteLine(table);
        Assert.That(table, Does.Contain("accuracy 0.800"));
        Assert.That(table, Does.Contain("balanced accuracy 0.792"));
        Assert.That(table, Does.Contain("kappa 0.583"));
        Assert.That(table, Does.Match(@"rest\s+0\.750\s+0\.750\s+0\.750\s+4\s+4"));
        Assert.That(table, Does.Match(@"move\s+1\s+5"));
    }

    [Test]
    public void Metrics_from_a_counted_confusion_matrix_equal_those_from_the_labels_exactly()
    {
        int[] truth = [0, 0, 1, 1, 2, 2, 2];
        int[] predicted = [0, 1, 1, 1, 2, 0, 2];
        var fromLabels = ClassificationMetrics.Compute(truth, predicted, ["a", "b", "c"]);

        var fromCounts = ClassificationMetrics.FromConfusionMatrix(fromLabels.ConfusionMatrix(), ["a", "b", "c"]);

        Assert.That(fromCounts.SampleCount, Is.EqualTo(7));
        Assert.That(fromCounts.Accuracy, Is.EqualTo(fromLabels.Accuracy));
        Assert.That(fromCounts.BalancedAccuracy, Is.EqualTo(fromLabels.BalancedAccuracy));
        Assert.That(fromCounts.CohensKappa, Is.EqualTo(fromLabels.CohensKappa));
        Assert.That(fromCounts.MacroF1, Is.EqualTo(fromLabels.MacroF1));
        Assert.That(fromCounts.PerClass, Is.EqualTo(fromLabels.PerClass));
    }

    [Test]
    public void A_confusion_matrix_that_is_not_square_has_a_negative_count_or_no_samples_is_refused()
    {
        Assert.That(() => ClassificationMetrics.FromConfusionMatrix(new int[2, 3], ["a", "b"]),
            Throws.ArgumentException.With.Message.Contains("2 x 3"));
        Assert.That(() => ClassificationMetrics.FromConfusionMatrix(new[,] { { 1, -1 }, { 0, 1 } }, ["a", "b"]),
            Throws.ArgumentException.With.Message.Contains("negative"));
        Assert.That(() => ClassificationMetrics.FromConfusionMatrix(new int[2, 2], ["a", "b"]),
            Throws.ArgumentException.With.Message.Contains("every count is 0"));
    }

    // ---- stratified k-fold ---------------------------------------------------------------------------------------

    [Test]
    public void Stratified_folds_put_every_trial_in_exactly_one_test_fold_and_balance_each_class()
    {
        // 37 trials of class 4, 23 of class −1: per fold 7–8 and 4–5, 12 trials in each fold.
        var labels = Enumerable.Range(0, 60).Select(i => i % 3 == 0 || i > 50 ? -1 : 4).ToArray();
        var perClass = labels.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());

        var splits = CrossValidation.StratifiedKFold(labels, 5, seed: 42);

        Assert.That(splits, Has.Count.EqualTo(5));
        var timesTested = new int[labels.Length];
        foreach (var (train, test) in splits)
        {
            foreach (var i in test)
            {
                timesTested[i]++;
            }

            Assert.That(train.Concat(test).Order(), Is.EqualTo(Enumerable.Range(0, labels.Length)), "train and test partition the trials");
            Assert.That(train, Is.Ordered.Ascending);
            Assert.That(test, Is.Ordered.Ascending);
            Assert.That(test, Has.Count.EqualTo(12));
            foreach (var (label, count) in perClass)
            {
                var inFold = test.Count(i => labels[i] == label);
                Assert.That(inFold, Is.InRange(count / 5, (count + 4) / 5), $"class {label} in a test fold");
            }
        }

        Assert.That(timesTested, Is.All.EqualTo(1));
    }

    [Test]
    public void Stratified_folds_are_the_same_for_the_same_seed_and_differ_for_another_seed()
    {
        var labels = Enumerable.Range(0, 50).Select(i => i % 2).ToArray();

        var first = CrossValidation.StratifiedKFold(labels, 5, seed: 1);
        var again = CrossValidation.StratifiedKFold(labels, 5, seed: 1);
        var other = CrossValidation.StratifiedKFold(labels, 5, seed: 2);

        Assert.That(again.Select(s => s.TestIndices), Is.EqualTo(first.Select(s => s.TestIndices)));
        Assert.That(other.Select(s => s.TestIndices), Is.Not.EqualTo(first.Select(s => s.TestIndices)));
    }

    [Test]
    public void Stratified_folds_reject_fewer_than_two_folds_or_more_folds_than_trials()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossValidation.StratifiedKFold([0, 1, 0, 1], 1, 0));
        Assert.Throws<ArgumentException>(() => CrossValidation.StratifiedKFold([0, 1, 0, 1], 5, 0));
    }

    // ---- chronological -------------------------------------------------------------------------------------------

    [Test]
    public void A_chronological_split_trains_on_earlier_runs_tests_on_later_ones_and_leaves_other_runs_out()
    {
        int[] runOfTrial = [1, 1, 1, 2, 2, 3, 3, 3, 4, 2];

        var (train, test) = CrossValidation.Chronological(runOfTrial, [1, 2], [3]);

        Assert.That(train, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 9 }));
        Assert.That(test, Is.EqualTo(new[] { 5, 6, 7 }));
    }

    [Test]
    public void A_chronological_split_rejects_test_runs_not_after_the_training_runs_and_runs_without_trials()
    {
        int[] runOfTrial = [1, 1, 2, 2, 3, 3];

        var backwards = Assert.Throws<ArgumentException>(() => CrossValidation.Chronological(runOfTrial, [2, 3], [1]));
        Assert.That(backwards!.Message, Does.Contain("not later than"));
        Assert.Throws<ArgumentException>(() => CrossValidation.Chronological(runOfTrial, [1, 2], [2, 3]));
        Assert.Throws<ArgumentException>(() => CrossValidation.Chronological(runOfTrial, [1], [7]));
        Assert.Throws<ArgumentException>(() => CrossValidation.Chronological(runOfTrial, [], [3]));
    }
}
