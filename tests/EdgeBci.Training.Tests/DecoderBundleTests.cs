using EdgeBci.Decoding.Bundle;
using EdgeBci.Signal.Chain;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Model;
using EdgeBci.Training.Onnx;

namespace EdgeBci.Training.Tests;

/// <summary>
/// The deployed path on real EEG: a decoder trained on S001 hands-vs-feet runs 6 and 10, exported, quantized to int8
/// with calibration on its training windows only, and judged on run 14, which it never saw; then the bundle the unit
/// loads.
/// </summary>
[NonParallelizable]
public sealed class DecoderBundleTests
{
    private static readonly string[] Montage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];

    private EpochDataset _train = null!;
    private EpochDataset _test = null!;
    private AttentionDecoder _decoder = null!;
    private string[] _paths = null!;
    private string _root = null!;

    [OneTimeSetUp]
    public void TrainOnTheFirstTwoRuns()
    {
        var task = TaskDefinition.HandsVersusFeet;
        _paths = [.. task.Runs.Select(run => SharedData.Path($"eegmmidb/S001/S001R{run:00}.edf"))];
        var dataset = DatasetBuilder.Build(_paths, task, Montage, ReplaySettings.Default, new SignalOptions(), cropMarginSeconds: 0.5);
        var split = CrossValidation.Chronological(dataset.RunNumbers, task.Runs[..^1], task.Runs[^1..]);
        _train = dataset.Subset(split.TrainIndices);
        _test = dataset.Subset(split.TestIndices);
        (_decoder, _) = DecoderTrainer.Train(_train, DecoderTrainer.ShapeFor(_train, 7), DecoderTrainer.OptionsFor(_train, 7));
        _root = Path.Combine(Path.GetTempPath(), $"edgebci-decoder-bundle-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
    }

    [OneTimeTearDown]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    /// <summary>Run 14's windows and the same trials seen up to 0.4 s earlier or later: 75 windows the model never trained on.</summary>
    private float[][] HeldOutWindows(out int[] labels)
    {
        int[] shifts = [-100, -50, 0, 50, 100];
        var windows = new List<float[]>();
        var truth = new List<int>();
        foreach (var shift in shifts)
        {
            for (var trial = 0; trial < _test.Count; trial++)
            {
                var window = new float[_test.ChannelCount * _test.SamplesPerWindow];
                _test.CopyShiftedWindow(trial, shift, window);
                windows.Add(window);
                truth.Add(_test.Labels[trial]);
            }
        }

        labels = [.. truth];
        return [.. windows];
    }

    [Test]
    public void The_int8_model_agrees_with_fp32_on_98_percent_of_held_out_windows_and_loses_at_most_a_point()
    {
        var windows = HeldOutWindows(out var labels);
        var heldOut = new EpochDataset(windows, labels, [.. labels.Select(_ => 14)], [.. labels.Select(_ => 0.0)], _test.ClassNames, _test.ChannelNames,
            _test.SampleRate, _test.SamplesPerWindow);

        var agreement = DecoderEvaluation.QuantizeAndCompare(_decoder, _train, heldOut, DecoderBundleBuilder.DefaultQuantization, "run 14", out var int8);
        var fp32 = _decoder.Predict(heldOut);
        var fp32Correct = fp32.Where((p, i) => p == labels[i]).Count();
        var int8Correct = int8.Where((p, i) => p == labels[i]).Count();
        TestContext.Out.WriteLine($"agreement {agreement.Agreeing}/{agreement.Windows}, max |Δp| {agreement.MaxProbabilityDifference:F4}, " +
            $"fp32 {fp32Correct}/{labels.Length}, int8 {int8Correct}/{labels.Length}, sizes fp32 {agreement.Fp32Bytes} int8 {agreement.Int8Bytes}");

        Assert.That(agreement.Windows, Is.EqualTo(75));
        Assert.That(agreement.Share, Is.GreaterThanOrEqualTo(0.98));
        Assert.That(int8Correct, Is.GreaterThanOrEqualTo(fp32Correct - (int)(0.01 * labels.Length)), "int8 loses at most one point of accuracy");

        // That it learned the task at all is judged on independent trials, one decision each (the 75 windows above are
        // 15 trials seen five times), so a model at chance fails this with probability below 1 %.
        var decisions = _decoder.Predict(_test);
        AboveChance.Assert(decisions.Where((p, i) => p == _test.Labels[i]).Count(), _test.Count, _test.ClassNames.Count, "fp32 decoder on run 14");
    }

    [Test]
    public void A_built_bundle_verifies_records_what_the_unit_needs_and_runs_in_onnx_runtime()
    {
        var folder = Path.Combine(_root, "bundle");
        var request = new BundleRequest(_train, TaskDefinition.HandsVersusFeet, new SignalOptions(), _paths[..2], DecoderTrainer.ShapeFor(_train, 7),
            DecoderTrainer.OptionsFor(_train, 7) with { MaxEpochs = 5 }, DecoderBundleBuilder.DefaultQuantization, "test-hvf", "1", "test",
            new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero), []);

        var built = DecoderBundleBuilder.Build(folder, request);
        var bundle = ModelBundle.Load(folder, ModelTrustPolicy.None);

        Assert.That(built.ExportParity, Is.LessThanOrEqualTo(DecoderBundleBuilder.ExportTolerance));
        var manifest = bundle.Manifest;
        Assert.That(manifest.Channels, Is.EqualTo(new[] { "FC3", "FC4", "C3", "CZ", "C4", "CP3", "CP4", "PZ" }));
        Assert.That(manifest.SampleRate, Is.EqualTo(250));
        Assert.That(manifest.WindowSamples, Is.EqualTo(500));
        Assert.That(manifest.Classes, Is.EqualTo(new[] { "feet", "hands" }));
        Assert.That(manifest.SignalChain.Filters, Has.Length.EqualTo(1), "the manifest spells out the default band-pass");
        Assert.That(manifest.Task!.Runs, Is.EqualTo(new[] { 6, 10, 14 }));
        Assert.That(manifest.TrainingRecordings.Select(r => r.Name), Is.EqualTo(new[] { "S001R06.edf", "S001R10.edf" }));
        Assert.That(manifest.TrainingRecordings[0].Sha256, Is.EqualTo(ModelBundle.Sha256(_paths[0])));
        Assert.That(manifest.Files.Select(f => f.Name), Is.EquivalentTo(new[] { ModelManifest.Int8ModelFile, ModelManifest.Fp32ModelFile }));
        Assert.That(manifest.Quantization!.FloatNodes, Is.EqualTo(DecoderBundleBuilder.FloatNodeNames(built.Quantization)).And.Contain("temporal").And.Contain("spatial"),
            "the manifest lists the nodes the default rule kept float (both convolutions have one input channel per group)");

        using var int8 = new OnnxClassifier(File.ReadAllBytes(bundle.Int8ModelPath), 8, 500, manifest.Tensors.Input, manifest.Tensors.Probabilities);
        var probabilities = int8.Probabilities(_test.Windows, out var classes);
        Assert.That(classes, Is.EqualTo(2));
        Assert.That(probabilities.Chunk(2).Select(row => row.Sum()), Is.All.EqualTo(1f).Within(1e-5f));

        var bytes = File.ReadAllBytes(bundle.Int8ModelPath);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(bundle.Int8ModelPath, bytes);
        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain(ModelManifest.Int8ModelFile).And.Message.Contain("SHA-256"));
    }
}
