using EdgeBci.Training.Data;

namespace EdgeBci.Training.Evaluation;

/// <summary>One protocol's outcome: which trials trained and tested, and the metrics over all test predictions.</summary>
public sealed record ProtocolResult(string Model, string Protocol, string Description, ClassificationMetrics Metrics);

/// <summary>
/// The two protocols every model is reported with, run the same way for every model so their figures compare:
/// stratified k-fold cross-validation (test predictions of all folds pooled) and a chronological split (train on the
/// task's first runs, test on its last).
/// </summary>
public static class EvaluationProtocols
{
    /// <param name="fit">Trains a model on the training trials and returns its predictions for the test trials.</param>
    public static IReadOnlyList<ProtocolResult> Run(
        EpochDataset dataset, TaskDefinition task, int folds, int seed, string model, Func<EpochDataset, EpochDataset, string, int[]> fit)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(fit);
        var results = new List<ProtocolResult>(2);
        var truth = new List<int>(dataset.Count);
        var predicted = new List<int>(dataset.Count);
        var fold = 0;
        foreach (var split in CrossValidation.StratifiedKFold(dataset.Labels, folds, seed))
        {
            Evaluate(dataset, split, $"fold {++fold}/{folds}", fit, truth, predicted);
        }

        results.Add(new ProtocolResult(model, $"{folds}-fold", $"stratified {folds}-fold cross-validation, seed {seed}",
            ClassificationMetrics.Compute(truth, predicted, dataset.ClassNames)));

        if (task.Runs.Length >= 2)
        {
            var trainRuns = task.Runs[..^1];
            var testRuns = task.Runs[^1..];
            truth.Clear();
            predicted.Clear();
            Evaluate(dataset, CrossValidation.Chronological(dataset.RunNumbers, trainRuns, testRuns), "chronological", fit, truth, predicted);
            results.Add(new ProtocolResult(model, "chronological",
                $"train on runs {string.Join(", ", trainRuns)}, test on run {testRuns[0]}",
                ClassificationMetrics.Compute(truth, predicted, dataset.ClassNames)));
        }

        return results;
    }

    private static void Evaluate(EpochDataset dataset, DataSplit split, string label, Func<EpochDataset, EpochDataset, string, int[]> fit,
        List<int> truth, List<int> predicted)
    {
        var test = dataset.Subset(split.TestIndices);
        var predictions = fit(dataset.Subset(split.TrainIndices), test, label);
        for (var i = 0; i < test.Count; i++)
        {
            truth.Add(test.Labels[i]);
            predicted.Add(predictions[i]);
        }
    }
}
