using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Onnx;

namespace EdgeBci.Training.Evaluation;

/// <summary>One of a bundle's models on other data: its metrics over one decision per trial, and the binomial test against chance.</summary>
/// <param name="Model">"int8" or "fp32".</param>
/// <param name="Metrics">Accuracy, balanced accuracy, kappa, per-class scores (with predicted counts) and confusion matrix.</param>
/// <param name="CorrectTrials">Trials decided right.</param>
/// <param name="PValue">P(a model guessing at 1/K gets at least <paramref name="CorrectTrials"/> right).</param>
/// <param name="SignificantCount">Correct trials needed for p &lt; <see cref="BundleEvaluation.Alpha"/>.</param>
public sealed record BundleModelResult(string Model, ClassificationMetrics Metrics, int CorrectTrials, double PValue, int SignificantCount, double Chance, string ChanceText);

/// <summary>
/// Runs an existing bundle's int8 and fp32 ONNX models on a dataset cut as the bundle's task says (one unshifted window
/// per trial, so every decision is an independent trial) and scores them, so a model trained on one wearer can be
/// judged on another.
/// </summary>
public static class BundleEvaluation
{
    /// <summary>The significance level the report states the needed count for.</summary>
    public const double Alpha = 0.01;

    /// <exception cref="ArgumentException">The dataset's windows, channels or classes are not the bundle's (named).</exception>
    public static IReadOnlyList<BundleModelResult> Run(ModelBundle bundle, EpochDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(dataset);
        var manifest = bundle.Manifest;
        if (dataset.SamplesPerWindow != manifest.WindowSamples || dataset.ChannelCount != manifest.Channels.Count)
        {
            throw new ArgumentException(
                $"The recordings give windows of {dataset.ChannelCount} channels × {dataset.SamplesPerWindow} samples; the model in {bundle.Folder} takes {manifest.Channels.Count} × {manifest.WindowSamples}. Check --config (the chip's rate).");
        }

        if (!dataset.ClassNames.SequenceEqual(manifest.Classes, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"The task's classes ({string.Join(", ", dataset.ClassNames)}) are not the model's ({string.Join(", ", manifest.Classes)}, {Path.Combine(bundle.Folder, ModelManifest.FileName)}).");
        }

        if (dataset.Count == 0)
        {
            throw new ArgumentException("The recordings hold no trial of the bundle's task.");
        }

        return [Score("int8", bundle.Int8ModelPath, manifest, dataset), Score("fp32", bundle.Fp32ModelPath, manifest, dataset)];
    }

    private static BundleModelResult Score(string name, string modelPath, ModelManifest manifest, EpochDataset dataset)
    {
        using var classifier = new OnnxClassifier(File.ReadAllBytes(modelPath), manifest.Channels.Count, manifest.WindowSamples,
            manifest.Tensors.Input, manifest.Tensors.Probabilities);
        var predictions = classifier.Predict(dataset);
        var metrics = ClassificationMetrics.Compute(dataset.Labels, predictions, dataset.ClassNames);
        var correct = 0;
        for (var i = 0; i < predictions.Length; i++)
        {
            correct += predictions[i] == dataset.Labels[i] ? 1 : 0;
        }

        var (chance, chanceText) = BinomialTest.ChanceLevel(dataset.Labels, dataset.ClassNames.Count);
        return new BundleModelResult(name, metrics, correct, BinomialTest.UpperTail(correct, predictions.Length, chance),
            BinomialTest.SignificantCount(predictions.Length, chance, Alpha), chance, chanceText);
    }
}
