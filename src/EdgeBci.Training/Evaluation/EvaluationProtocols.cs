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
        ArgumentNullException.ThrowIfNull(fit);
        return Run(dataset, task, folds, seed, [model], (train, test, label) => [fit(train, test, label)]);
    }

    /// <summary>
    /// Several models that come out of one training per fold (for example an fp32 network and its int8 quantization):
    /// <paramref name="fit"/> returns one prediction array per name in <paramref name="models"/>, in that order. The
    /// results list, per protocol, every model in that order.
    /// </summary>
    public static IReadOnlyList<ProtocolResult> Run(EpochDataset dataset, TaskDefinition task, int folds, int seed,
        IReadOnlyList<string> models, Func<EpochDataset, EpochDataset, string, IReadOnlyList<int[]>> fit)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(fit);
        if (models.Count == 0)
        {
            throw new ArgumentException("Name at least one model.", nameof(models));
        }

        var results = new List<ProtocolResult>(2 * models.Count);
        var pooled = new Pool(models.Count, dataset.Count);
        var fold = 0;
        foreach (var split in CrossValidation.StratifiedKFold(dataset.Labels, folds, seed))
        {
            Evaluate(dataset, split, $"fold {++fold}/{folds}", models, fit, pooled);
        }

        pooled.Report(models, $"{folds}-fold", $"stratified {folds}-fold cross-validation, seed {seed}", dataset.ClassNames, results);

        if (task.Runs.Length >= 2)
        {
            var trainRuns = task.Runs[..^1];
            var testRuns = task.Runs[^1..];
            pooled = new Pool(models.Count, dataset.Count);
            Evaluate(dataset, CrossValidation.Chronological(dataset.RunNumbers, trainRuns, testRuns), "chronological", models, fit, pooled);
            pooled.Report(models, "chronological", $"train on runs {string.Join(", ", trainRuns)}, test on run {testRuns[0]}", dataset.ClassNames, results);
        }

        return results;
    }

    private static void Evaluate(EpochDataset dataset, DataSplit split, string label, IReadOnlyList<string> models,
        Func<EpochDataset, EpochDataset, string, IReadOnlyList<int[]>> fit, Pool pooled)
    {
        var test = dataset.Subset(split.TestIndices);
        var predictions = fit(dataset.Subset(split.TrainIndices), test, label);
        if (predictions is null || predictions.Count != models.Count)
        {
            throw new InvalidOperationException($"{label}: the model returned {predictions?.Count ?? 0} prediction sets for {models.Count} models.");
        }

        for (var m = 0; m < models.Count; m++)
        {
            if (predictions[m] is null || predictions[m].Length != test.Count)
            {
                throw new InvalidOperationException($"{label}: {models[m]} predicted {predictions[m]?.Length ?? 0} of {test.Count} test trials.");
            }
        }

        for (var i = 0; i < test.Count; i++)
        {
            pooled.Truth.Add(test.Labels[i]);
            for (var m = 0; m < models.Count; m++)
            {
                pooled.Predicted[m].Add(predictions[m][i]);
            }
        }
    }

    private sealed class Pool
    {
        public Pool(int models, int capacity)
        {
            Truth = new List<int>(capacity);
            Predicted = new List<int>[models];
            for (var m = 0; m < models; m++)
            {
                Predicted[m] = new List<int>(capacity);
            }
        }

        public List<int> Truth { get; }

        public List<int>[] Predicted { get; }

        public void Report(IReadOnlyList<string> models, string protocol, string description, IReadOnlyList<string> classNames, List<ProtocolResult> results)
        {
            for (var m = 0; m < models.Count; m++)
            {
                results.Add(new ProtocolResult(models[m], protocol, description, ClassificationMetrics.Compute(Truth, Predicted[m], classNames)));
            }
        }
    }
}
