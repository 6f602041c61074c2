using System.Numerics.Tensors;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Baseline;
using EdgeBci.Training.Data;
using EdgeBci.Training.LiveReplay;
using EdgeBci.Training.Onnx;

namespace EdgeBci.Training.Gate;

/// <summary>
/// Gathers what the gate judges from a calibration session: the held-out block's trials classified by the fp32 and int8
/// models (one window per trial, cut as the trainer cuts it), CSP+LDA fitted on the calibration windows and tested on
/// the same trials, the int8/fp32 agreement over those windows, channels with abnormal variance, and the live replay's
/// score of the block (run by the caller, see <see cref="ReplayScoring"/>).
/// </summary>
public static class GateEvidence
{
    /// <exception cref="ArgumentException">The datasets do not fit the model or each other (named).</exception>
    public static GateInputs Collect(EpochDataset calibration, EpochDataset heldOut, ModelManifest manifest, byte[] fp32Model, byte[] int8Model, ReplayScore? replay)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(fp32Model);
        ArgumentNullException.ThrowIfNull(int8Model);
        if (!heldOut.ClassNames.SequenceEqual(calibration.ClassNames, StringComparer.Ordinal)
            || heldOut.ChannelCount != calibration.ChannelCount || heldOut.SamplesPerWindow != calibration.SamplesPerWindow)
        {
            throw new ArgumentException(
                $"The held-out block ({string.Join("/", heldOut.ClassNames)}, {heldOut.ChannelCount} × {heldOut.SamplesPerWindow}) is not cut like the calibration data ({string.Join("/", calibration.ClassNames)}, {calibration.ChannelCount} × {calibration.SamplesPerWindow}).");
        }

        // The model's outputs index the manifest's classes; the datasets' labels index their own sorted list.
        var toDataset = new int[manifest.Classes.Count];
        for (var k = 0; k < toDataset.Length; k++)
        {
            toDataset[k] = IndexOf(heldOut.ClassNames, manifest.Classes[k]);
            if (toDataset[k] < 0)
            {
                throw new ArgumentException($"The model's class '{manifest.Classes[k]}' is not among the held-out block's classes ({string.Join(", ", heldOut.ClassNames)}).");
            }
        }

        var fp32 = Predict(fp32Model, heldOut, manifest, toDataset);
        var int8 = Predict(int8Model, heldOut, manifest, toDataset);
        var (agreeing, compared) = SlidingAgreement(fp32Model, int8Model, heldOut, manifest);

        var baseline = new CspLdaClassifier();
        baseline.Fit(calibration.Windows, calibration.ChannelCount, calibration.SamplesPerWindow, calibration.Labels, calibration.ClassNames.Count);
        var baselinePredictions = new int[heldOut.Count];
        for (var i = 0; i < heldOut.Count; i++)
        {
            baselinePredictions[i] = baseline.Predict(heldOut.Windows[i]);
        }

        List<float[]> all = [.. calibration.Windows, .. heldOut.Windows];
        return new GateInputs([.. heldOut.Labels], heldOut.ClassNames.Count, fp32, int8, baselinePredictions, agreeing, compared, replay,
            ChannelVarianceCheck.Abnormal(all, heldOut.ChannelNames));
    }

    /// <summary>
    /// int8 against fp32 on every window the unit would decode around each held-out trial: the trial's window shifted
    /// by whole hops across its crop margin (one window per trial when the block has no margin). One window per trial
    /// would make 98 % mean "all of them" on a 15-trial block; the unit decides every hop, so that is what is compared.
    /// </summary>
    private static (int Agreeing, int Compared) SlidingAgreement(byte[] fp32Model, byte[] int8Model, EpochDataset heldOut, ModelManifest manifest)
    {
        var hop = Math.Max(1, (int)Math.Round(manifest.HopSeconds * heldOut.SampleRate));
        var windows = new List<float[]>();
        for (var trial = 0; trial < heldOut.Count; trial++)
        {
            for (var offset = -(heldOut.CropMargin / hop) * hop; offset <= heldOut.CropMargin; offset += hop)
            {
                var window = new float[heldOut.ChannelCount * heldOut.SamplesPerWindow];
                heldOut.CopyShiftedWindow(trial, offset, window);
                windows.Add(window);
            }
        }

        using var fp32 = new OnnxClassifier(fp32Model, heldOut.ChannelCount, heldOut.SamplesPerWindow, manifest.Tensors.Input, manifest.Tensors.Probabilities);
        using var int8 = new OnnxClassifier(int8Model, heldOut.ChannelCount, heldOut.SamplesPerWindow, manifest.Tensors.Input, manifest.Tensors.Probabilities);
        var fp32Probabilities = fp32.Probabilities(windows, out var classes);
        var int8Probabilities = int8.Probabilities(windows, out _);
        var agreeing = 0;
        for (var w = 0; w < windows.Count; w++)
        {
            var row = w * classes;
            agreeing += TensorPrimitives.IndexOfMax(fp32Probabilities.AsSpan(row, classes)) == TensorPrimitives.IndexOfMax(int8Probabilities.AsSpan(row, classes)) ? 1 : 0;
        }

        return (agreeing, windows.Count);
    }

    private static int[] Predict(byte[] model, EpochDataset dataset, ModelManifest manifest, int[] toDataset)
    {
        using var classifier = new OnnxClassifier(model, dataset.ChannelCount, dataset.SamplesPerWindow, manifest.Tensors.Input, manifest.Tensors.Probabilities);
        var predictions = classifier.Predict(dataset);
        for (var i = 0; i < predictions.Length; i++)
        {
            predictions[i] = toDataset[predictions[i]];
        }

        return predictions;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
