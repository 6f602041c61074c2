using EdgeBci.Training.Data;
using EdgeBci.Training.Model;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Quantization;
using Google.Protobuf;

namespace EdgeBci.Training.Evaluation;

/// <summary>How the int8 model of one fold compared with its fp32 model on that fold's test windows.</summary>
/// <param name="Label">The fold: "fold 2/5", "chronological".</param>
/// <param name="Agreeing">Test windows on which int8 and fp32 picked the same class.</param>
/// <param name="Windows">Test windows.</param>
/// <param name="MaxProbabilityDifference">Largest |p_int8 − p_fp32| over every class of every test window.</param>
/// <param name="Fp32Bytes">Serialized size of the fp32 ONNX model.</param>
/// <param name="Int8Bytes">Serialized size of the int8 ONNX model.</param>
public sealed record QuantizationAgreement(string Label, int Agreeing, int Windows, double MaxProbabilityDifference, long Fp32Bytes, long Int8Bytes)
{
    public double Share => Windows == 0 ? 1 : (double)Agreeing / Windows;

    /// <summary>
    /// Compares two models' probabilities (row-major [windows, classes]) and returns the int8 model's predictions in
    /// <paramref name="int8Predictions"/>.
    /// </summary>
    public static QuantizationAgreement Compare(string label, ReadOnlySpan<float> fp32Probabilities, ReadOnlySpan<float> int8Probabilities,
        int classes, long fp32Bytes, long int8Bytes, out int[] int8Predictions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (fp32Probabilities.Length != int8Probabilities.Length || fp32Probabilities.Length % classes != 0)
        {
            throw new ArgumentException($"{fp32Probabilities.Length} fp32 and {int8Probabilities.Length} int8 probabilities are not the same whole number of {classes}-class rows.");
        }

        var windows = fp32Probabilities.Length / classes;
        int8Predictions = new int[windows];
        var agreeing = 0;
        var maxDifference = 0.0;
        for (var i = 0; i < windows; i++)
        {
            var row8 = int8Probabilities.Slice(i * classes, classes);
            var row32 = fp32Probabilities.Slice(i * classes, classes);
            int8Predictions[i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row8);
            agreeing += int8Predictions[i] == System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row32) ? 1 : 0;
            for (var k = 0; k < classes; k++)
            {
                maxDifference = Math.Max(maxDifference, Math.Abs(row8[k] - row32[k]));
            }
        }

        return new QuantizationAgreement(label, agreeing, windows, maxDifference, fp32Bytes, int8Bytes);
    }

    /// <summary>Every fold together: windows summed, the largest difference and the sizes of the last fold.</summary>
    public static QuantizationAgreement Pool(IReadOnlyList<QuantizationAgreement> folds)
    {
        ArgumentNullException.ThrowIfNull(folds);
        var agreeing = 0;
        var windows = 0;
        var difference = 0.0;
        foreach (var fold in folds)
        {
            agreeing += fold.Agreeing;
            windows += fold.Windows;
            difference = Math.Max(difference, fold.MaxProbabilityDifference);
        }

        return new QuantizationAgreement("all folds", agreeing, windows, difference, folds.Count > 0 ? folds[^1].Fp32Bytes : 0, folds.Count > 0 ? folds[^1].Int8Bytes : 0);
    }
}

/// <summary>
/// The attention decoder under the same two protocols as <see cref="BaselineEvaluation"/>: stratified k-fold
/// cross-validation (test predictions of all folds pooled) and the chronological split (first runs → last run). A
/// fresh decoder is trained per fold, its early-stopping split drawn from that fold's training trials only. With
/// quantization options, each fold's decoder is also exported to ONNX, quantized to int8 with calibration on that
/// fold's training windows only, and run in ONNX Runtime on the same test windows: the deployed model's figures.
/// </summary>
public static class DecoderEvaluation
{
    public const string ModelName = "decoder fp32";

    public const string Int8ModelName = "decoder int8";

    /// <summary>Calibration uses at most this many training windows (spread evenly over the training set).</summary>
    public const int MaximumCalibrationWindows = 256;

    /// <param name="shape">The decoder shape, or null for <see cref="DecoderTrainer.ShapeFor"/>.</param>
    /// <param name="options">Training options (null = defaults). Its time budget applies to each fold separately.</param>
    /// <param name="curves">When given, receives each fold's learning curve, in the order the folds ran.</param>
    /// <param name="quantization">When given, also report "decoder int8" quantized with these settings.</param>
    /// <param name="agreements">When given (with <paramref name="quantization"/>), receives each fold's int8/fp32 agreement.</param>
    public static IReadOnlyList<ProtocolResult> Run(EpochDataset dataset, TaskDefinition task, int folds = 5, int seed = 7,
        DecoderShape? shape = null, TrainingOptions? options = null, IProgress<string>? log = null, ICollection<LearningCurve>? curves = null,
        StaticQuantizationOptions? quantization = null, ICollection<QuantizationAgreement>? agreements = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var decoderShape = shape ?? DecoderTrainer.ShapeFor(dataset, seed);
        var trainingOptions = options ?? new TrainingOptions(Seed: seed);
        string[] models = quantization is null ? [ModelName] : [ModelName, Int8ModelName];
        return EvaluationProtocols.Run(dataset, task, folds, seed, models, (train, test, label) =>
        {
            var epochs = new List<EpochReport>();
            var (decoder, summary) = DecoderTrainer.Train(train, decoderShape, trainingOptions, new CollectingProgress<EpochReport>(epochs));
            curves?.Add(new LearningCurve(label, epochs, summary));
            var fp32 = decoder.Predict(test);
            var line = $"{label}: {summary.EpochsRun} epochs ({summary.StopReason}, best {summary.BestEpoch}), {summary.Elapsed.TotalSeconds:F1} s, " +
                $"test fp32 {Correct(fp32, test)}/{test.Count}";
            if (quantization is null)
            {
                log?.Report(line);
                return [fp32];
            }

            var agreement = QuantizeAndCompare(decoder, train, test, quantization, label, out var int8);
            agreements?.Add(agreement);
            log?.Report($"{line}, int8 {Correct(int8, test)}/{test.Count} (agrees on {agreement.Agreeing}/{agreement.Windows})");
            return [fp32, int8];
        });
    }

    /// <summary>
    /// Exports <paramref name="decoder"/>, quantizes it calibrated on <paramref name="calibration"/>, and compares the
    /// int8 model (in ONNX Runtime) with the engine's fp32 forward pass on <paramref name="test"/>.
    /// </summary>
    public static QuantizationAgreement QuantizeAndCompare(AttentionDecoder decoder, EpochDataset calibration, EpochDataset test,
        StaticQuantizationOptions quantization, string label, out int[] int8Predictions)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(test);
        var exported = DecoderOnnxExporter.Export(decoder);
        var quantized = OnnxStaticQuantizer.Quantize(exported, CalibrationWindows(calibration), quantization);
        using var int8 = new OnnxClassifier(quantized.Model.ToByteArray(), decoder.Shape.Channels, decoder.Shape.Samples,
            DecoderOnnxExporter.InputName, DecoderOnnxExporter.OutputName);
        var int8Probabilities = int8.Probabilities(test.Windows, out var classes);
        var fp32Probabilities = decoder.Probabilities(test.Windows).Data;
        return QuantizationAgreement.Compare(label, fp32Probabilities, int8Probabilities, classes,
            quantized.Report.Float32ModelBytes, quantized.Report.QuantizedModelBytes, out int8Predictions);
    }

    /// <summary>At most <see cref="MaximumCalibrationWindows"/> windows of <paramref name="dataset"/>, evenly spread.</summary>
    public static IReadOnlyList<float[]> CalibrationWindows(EpochDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var count = Math.Min(dataset.Count, MaximumCalibrationWindows);
        var windows = new float[count][];
        for (var i = 0; i < count; i++)
        {
            windows[i] = dataset.Windows[(int)((long)i * dataset.Count / count)];
        }

        return windows;
    }

    private static int Correct(int[] predictions, EpochDataset test)
    {
        var correct = 0;
        for (var i = 0; i < test.Count; i++)
        {
            correct += predictions[i] == test.Labels[i] ? 1 : 0;
        }

        return correct;
    }
}
