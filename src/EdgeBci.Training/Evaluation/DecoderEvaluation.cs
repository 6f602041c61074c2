using EdgeBci.Training.Data;
using EdgeBci.Training.Model;

namespace EdgeBci.Training.Evaluation;

/// <summary>
/// The attention decoder under the same two protocols as <see cref="BaselineEvaluation"/>: stratified k-fold
/// cross-validation (test predictions of all folds pooled) and the chronological split (first runs → last run). A
/// fresh decoder is trained per fold, its early-stopping split drawn from that fold's training trials only.
/// </summary>
public static class DecoderEvaluation
{
    public const string ModelName = "decoder fp32";

    /// <param name="shape">The decoder shape, or null for <see cref="DecoderTrainer.ShapeFor"/>.</param>
    /// <param name="options">Training options (null = defaults). Its time budget applies to each fold separately.</param>
    public static IReadOnlyList<ProtocolResult> Run(EpochDataset dataset, TaskDefinition task, int folds = 5, int seed = 7,
        DecoderShape? shape = null, TrainingOptions? options = null, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(task);
        shape ??= DecoderTrainer.ShapeFor(dataset, seed);
        options ??= new TrainingOptions(Seed: seed);
        var results = new List<ProtocolResult>(2);

        var truth = new List<int>(dataset.Count);
        var predicted = new List<int>(dataset.Count);
        var fold = 0;
        foreach (var split in CrossValidation.StratifiedKFold(dataset.Labels, folds, seed))
        {
            Evaluate(dataset, split, shape, options, truth, predicted, $"fold {++fold}/{folds}", log);
        }

        results.Add(new ProtocolResult(ModelName, $"{folds}-fold", $"stratified {folds}-fold cross-validation, seed {seed}",
            ClassificationMetrics.Compute(truth, predicted, dataset.ClassNames)));

        if (task.Runs.Length >= 2)
        {
            var trainRuns = task.Runs[..^1];
            var testRuns = task.Runs[^1..];
            truth.Clear();
            predicted.Clear();
            Evaluate(dataset, CrossValidation.Chronological(dataset.RunNumbers, trainRuns, testRuns), shape, options, truth, predicted, "chronological", log);
            results.Add(new ProtocolResult(ModelName, "chronological",
                $"train on runs {string.Join(", ", trainRuns)}, test on run {testRuns[0]}",
                ClassificationMetrics.Compute(truth, predicted, dataset.ClassNames)));
        }

        return results;
    }

    private static void Evaluate(EpochDataset dataset, DataSplit split, DecoderShape shape, TrainingOptions options,
        List<int> truth, List<int> predicted, string label, IProgress<string>? log)
    {
        var (decoder, summary) = DecoderTrainer.Train(dataset.Subset(split.TrainIndices), shape, options);
        var test = dataset.Subset(split.TestIndices);
        var predictions = decoder.Predict(test);
        var correct = 0;
        for (var i = 0; i < test.Count; i++)
        {
            truth.Add(test.Labels[i]);
            predicted.Add(predictions[i]);
            correct += predictions[i] == test.Labels[i] ? 1 : 0;
        }

        log?.Report($"{label}: {summary.EpochsRun} epochs ({summary.StopReason}, best {summary.BestEpoch}), {summary.Elapsed.TotalSeconds:F1} s, " +
            $"test {correct}/{test.Count}");
    }
}
