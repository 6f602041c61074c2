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
    /// <param name="curves">When given, receives each fold's learning curve, in the order the folds ran.</param>
    public static IReadOnlyList<ProtocolResult> Run(EpochDataset dataset, TaskDefinition task, int folds = 5, int seed = 7,
        DecoderShape? shape = null, TrainingOptions? options = null, IProgress<string>? log = null, ICollection<LearningCurve>? curves = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var decoderShape = shape ?? DecoderTrainer.ShapeFor(dataset, seed);
        var trainingOptions = options ?? new TrainingOptions(Seed: seed);
        return EvaluationProtocols.Run(dataset, task, folds, seed, ModelName, (train, test, label) =>
        {
            var epochs = new List<EpochReport>();
            var (decoder, summary) = DecoderTrainer.Train(train, decoderShape, trainingOptions, new CollectingProgress<EpochReport>(epochs));
            curves?.Add(new LearningCurve(label, epochs, summary));
            var predictions = decoder.Predict(test);
            var correct = 0;
            for (var i = 0; i < test.Count; i++)
            {
                correct += predictions[i] == test.Labels[i] ? 1 : 0;
            }

            log?.Report($"{label}: {summary.EpochsRun} epochs ({summary.StopReason}, best {summary.BestEpoch}), {summary.Elapsed.TotalSeconds:F1} s, " +
                $"test {correct}/{test.Count}");
            return predictions;
        });
    }
}
