using EdgeBci.Training.Baseline;
using EdgeBci.Training.Data;

namespace EdgeBci.Training.Evaluation;

/// <summary>One protocol's outcome: which trials trained and tested, and the metrics over all test predictions.</summary>
public sealed record ProtocolResult(string Model, string Protocol, string Description, ClassificationMetrics Metrics);

/// <summary>
/// The classical baseline (CSP + LDA) under the two protocols every decoder is reported with: stratified k-fold
/// cross-validation (test predictions of all folds pooled) and a chronological split (train on the task's first
/// runs, test on its last), on exactly the windows the decoder sees.
/// </summary>
public static class BaselineEvaluation
{
    public static IReadOnlyList<ProtocolResult> Run(EpochDataset dataset, TaskDefinition task, int folds = 5, int seed = 7, int filterPairs = CspLdaClassifier.DefaultFilterPairs)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(task);
        var results = new List<ProtocolResult>(2);

        var truth = new List<int>(dataset.Count);
        var predicted = new List<int>(dataset.Count);
        foreach (var split in CrossValidation.StratifiedKFold(dataset.Labels, folds, seed))
        {
            Evaluate(dataset, split, filterPairs, truth, predicted);
        }

        results.Add(new ProtocolResult("CSP+LDA", $"{folds}-fold", $"stratified {folds}-fold cross-validation, seed {seed}",
            ClassificationMetrics.Compute(truth, predicted, dataset.ClassNames)));

        if (task.Runs.Length >= 2)
        {
            var trainRuns = task.Runs[..^1];
            var testRuns = task.Runs[^1..];
            truth.Clear();
            predicted.Clear();
            Evaluate(dataset, CrossValidation.Chronological(dataset.RunNumbers, trainRuns, testRuns), filterPairs, truth, predicted);
            results.Add(new ProtocolResult("CSP+LDA", "chronological",
                $"train on runs {string.Join(", ", trainRuns)}, test on run {testRuns[0]}",
                ClassificationMetrics.Compute(truth, predicted, dataset.ClassNames)));
        }

        return results;
    }

    private static void Evaluate(EpochDataset dataset, DataSplit split, int filterPairs, List<int> truth, List<int> predicted)
    {
        var windows = new List<float[]>(split.TrainIndices.Count);
        var labels = new List<int>(split.TrainIndices.Count);
        foreach (var index in split.TrainIndices)
        {
            windows.Add(dataset.Windows[index]);
            labels.Add(dataset.Labels[index]);
        }

        var classifier = new CspLdaClassifier(filterPairs);
        classifier.Fit(windows, dataset.ChannelCount, dataset.SamplesPerWindow, labels, dataset.ClassNames.Count);
        foreach (var index in split.TestIndices)
        {
            truth.Add(dataset.Labels[index]);
            predicted.Add(classifier.Predict(dataset.Windows[index]));
        }
    }
}
