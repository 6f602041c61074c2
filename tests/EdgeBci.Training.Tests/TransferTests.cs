using System.Text.Json.Nodes;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Alignment;
using EdgeBci.Training.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Model;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Onnx.Protos;
using EdgeBci.Training.Quantization;
using EdgeBci.Training.Transfer;
using Google.Protobuf;

namespace EdgeBci.Training.Tests;

/// <summary>
/// Alignment in the graph, the base model's checkpoint in its bundle, fine-tuning and the zero-shot path, on small
/// synthetic wearers (6 channels × 128 samples, a one-layer decoder) so the whole fixture trains in seconds.
/// </summary>
[NonParallelizable]
public sealed class TransferTests
{
    private const int Channels = 6;
    private const int Samples = 128;

    private static readonly TaskDefinition Task = TaskDefinition.RestLeftRight;

    private EpochDataset _base = null!;
    private EpochDataset _wearer = null!;
    private AttentionDecoder _baseDecoder = null!;
    private string _root = null!;
    private string[] _recordings = null!;

    [OneTimeSetUp]
    public void TrainASmallBase()
    {
        // Two "wearers" aligned each with their own R and pooled, as PooledDataset does with recordings.
        var first = TransferTestData.Wearer(36, Channels, Samples, seed: 11);
        var second = TransferTestData.Wearer(36, Channels, Samples, seed: 12);
        _base = EpochDataset.Concatenate([EuclideanAlignment.Compute(first).Apply(first), EuclideanAlignment.Compute(second).Apply(second)]);
        _wearer = TransferTestData.Wearer(30, Channels, Samples, seed: 13);
        (_baseDecoder, _) = DecoderTrainer.Train(_base, Shape(), new TrainingOptions(MaxEpochs: 6, BatchSize: 12, PeakLearningRate: 3e-3, ValidationFraction: 0, Seed: 2));
        _root = Path.Combine(Path.GetTempPath(), $"edgebci-transfer-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
        _recordings = [Path.Combine(_root, "S901R04.edf"), Path.Combine(_root, "S901R08.edf")];
        File.WriteAllBytes(_recordings[0], [1, 2, 3]);
        File.WriteAllBytes(_recordings[1], [4, 5, 6, 7]);
    }

    [OneTimeTearDown]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    private static DecoderShape Shape() =>
        new(Channels, Samples, 3, TemporalKernel: 9, Pool: 8, AttentionLayers: 1, InputScaleMicrovolts: EuclideanAlignment.AlignedInputScale, Seed: 5);

    private BundleRequest Request(EpochDataset dataset, EuclideanAlignment? alignment = null, AttentionDecoder? startFrom = null, bool skipTraining = false,
        bool checkpoint = false) =>
        new(dataset, Task, new SignalOptions(), _recordings, Shape(), new TrainingOptions(MaxEpochs: 2, BatchSize: 12, ValidationFraction: 0, Seed: 3),
            DecoderBundleBuilder.DefaultQuantization, "test-transfer", "1", "test", new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), [],
            Alignment: alignment, StartFrom: startFrom, SkipTraining: skipTraining, IncludeCheckpoint: checkpoint);

    [Test]
    public void The_graph_aligns_raw_microvolts_first_so_onnx_on_raw_windows_equals_the_engine_on_aligned_ones()
    {
        var alignment = EuclideanAlignment.Compute(_wearer);
        var aligned = alignment.Apply(_wearer);

        var model = DecoderOnnxExporter.Export(_baseDecoder, "aligned", alignment);

        var first = model.Graph.Node[0];
        Assert.That((first.Name, first.OpType), Is.EqualTo(("alignment", "MatMul")));
        Assert.That(first.Input, Is.EqualTo(new[] { DecoderOnnxExporter.AlignmentName, DecoderOnnxExporter.InputName }));
        var initializer = model.Graph.Initializer.Single(t => t.Name == DecoderOnnxExporter.AlignmentName);
        Assert.That(initializer.Dims, Is.EqualTo(new long[] { Channels, Channels }));

        using var onnx = new OnnxClassifier(model.ToByteArray(), Channels, Samples, DecoderOnnxExporter.InputName, DecoderOnnxExporter.OutputName);
        var exported = onnx.Probabilities(_wearer.Windows, out _);
        var engine = _baseDecoder.Probabilities(aligned.Windows).Data;
        var unaligned = _baseDecoder.Probabilities(_wearer.Windows).Data;
        var worst = exported.Zip(engine, (a, b) => Math.Abs(a - b)).Max();
        TestContext.Out.WriteLine($"ONNX(raw) against engine(aligned): max |Δp| = {worst:E2}");
        Assert.That(worst, Is.LessThanOrEqualTo(1e-4));
        Assert.That(exported.Zip(unaligned, (a, b) => Math.Abs(a - b)).Max(), Is.GreaterThan(1e-3), "the node does something: raw input differs");

        Assert.That(DecoderOnnxExporter.Export(_baseDecoder, "plain", EuclideanAlignment.Identity(_wearer.ChannelNames)).Graph.Node
            .Select(n => n.Name), Has.None.EqualTo("alignment"), "the identity adds no node");
    }

    [Test]
    public void The_int8_model_keeps_the_alignment_node_and_its_matrix_in_float()
    {
        var alignment = EuclideanAlignment.Compute(_wearer);
        var fp32 = DecoderOnnxExporter.Export(_baseDecoder, "aligned", alignment);

        var int8 = OnnxStaticQuantizer.Quantize(fp32, _wearer.Windows, DecoderBundleBuilder.DefaultQuantization).Model;

        var node = int8.Graph.Node.Single(n => n.Name == DecoderOnnxExporter.AlignmentName);
        Assert.That(node.OpType, Is.EqualTo("MatMul"));
        Assert.That(node.Input[0], Is.EqualTo(DecoderOnnxExporter.AlignmentName));
        var initializer = int8.Graph.Initializer.Single(t => t.Name == DecoderOnnxExporter.AlignmentName);
        Assert.That(initializer.DataType, Is.EqualTo((int)TensorProto.Types.DataType.Float));
        Assert.That(InitializerData.ReadFloats(initializer), Is.EqualTo(alignment.ToArray()));
    }

    [Test]
    public void A_base_bundle_carries_the_checkpoint_and_shape_and_loads_back_into_the_same_decoder()
    {
        var folder = Path.Combine(_root, "base");
        DecoderBundleBuilder.Build(folder, Request(_base, startFrom: _baseDecoder, skipTraining: true, checkpoint: true));

        var loaded = BaseModel.Load(folder);

        var manifest = loaded.Bundle.Manifest;
        Assert.That(manifest.Alignment, Is.Null, "a base model's wearer brings their own alignment");
        Assert.That(manifest.Checkpoint!.File, Is.EqualTo(ModelCheckpointReference.DefaultFile));
        Assert.That(manifest.Files.Select(f => f.Name), Does.Contain(ModelCheckpointReference.DefaultFile), "hashed like the models");
        Assert.That(loaded.ClassNames, Is.EqualTo(new[] { "left", "rest", "right" }));
        Assert.That(loaded.Decoder.Shape, Is.EqualTo(Shape()));
        Assert.That(loaded.Decoder.Probabilities(_base.Windows).Data, Is.EqualTo(_baseDecoder.Probabilities(_base.Windows).Data));

        var checkpoint = Path.Combine(folder, ModelCheckpointReference.DefaultFile);
        var bytes = File.ReadAllBytes(checkpoint);
        bytes[^1] ^= 1;
        File.WriteAllBytes(checkpoint, bytes);
        Assert.That(() => BaseModel.Load(folder), Throws.TypeOf<ModelBundleException>().With.Message.Contain(ModelCheckpointReference.DefaultFile));
    }

    [Test]
    public void A_bundle_without_a_checkpoint_cannot_serve_as_a_base()
    {
        var folder = Path.Combine(_root, "no-checkpoint");
        DecoderBundleBuilder.Build(folder, Request(_base, startFrom: _baseDecoder, skipTraining: true));

        Assert.That(() => BaseModel.Load(folder), Throws.TypeOf<ModelBundleException>().With.Message.Contain("no checkpoint"));
    }

    [Test]
    public void Fine_tuning_changes_a_copy_of_the_weights_and_keeps_the_class_order()
    {
        var before = ModelCheckpoint.Capture(_baseDecoder.Network);

        var result = WearerAdaptation.FineTune(_baseDecoder, TransferTestData.Classes, _wearer.ChannelNames, _wearer,
            WearerAdaptation.FineTuningOptions() with { MaxEpochs = 3, BatchSize = 10 });

        var after = ModelCheckpoint.Capture(result.Decoder.Network);
        var baseNow = ModelCheckpoint.Capture(_baseDecoder.Network);
        Assert.That(baseNow.Select(e => e.Values), Is.EqualTo(before.Select(e => e.Values)), "the base is left as it was");
        var changed = after.Zip(before, (a, b) => a.Values.Zip(b.Values, (x, y) => Math.Abs(x - y)).Max()).Max();
        Assert.That(changed, Is.GreaterThan(1e-4), "fine-tuning moved the weights");
        Assert.That(result.Summary.EpochsRun, Is.EqualTo(3));
        Assert.That(result.AlignedCalibration.ClassNames, Is.EqualTo(TransferTestData.Classes));
        Assert.That(result.Alignment.WindowCount, Is.EqualTo(_wearer.Count));
        Assert.That(TransferTestData.MeanCovariance(result.AlignedCalibration).Where((_, i) => i % (Channels + 1) == 0), Is.All.EqualTo(1).Within(1e-3));

        var reordered = new EpochDataset(_wearer.Windows, _wearer.Labels, _wearer.RunNumbers, _wearer.OnsetSeconds, ["rest", "left", "right"],
            _wearer.ChannelNames, 250, Samples);
        Assert.That(() => WearerAdaptation.FineTune(_baseDecoder, TransferTestData.Classes, _wearer.ChannelNames, reordered),
            Throws.ArgumentException.With.Message.Contain("[rest, left, right]").And.Message.Contain("[left, rest, right]"));
    }

    [Test]
    public void A_calibration_of_N_trials_per_class_takes_the_first_N_of_each_class_in_order()
    {
        var subset = CampStudy.FirstPerClass(_wearer, 4);

        Assert.That(subset.CountPerClass(), Is.EqualTo(new[] { 4, 4, 4 }));
        Assert.That(subset.OnsetSeconds, Is.Ordered, "chronological");
        Assert.That(subset.OnsetSeconds[^1], Is.EqualTo(_wearer.OnsetSeconds[11]), "the first twelve trials of an interleaved session");
        Assert.That(CampStudy.FirstPerClass(_wearer, 100).Count, Is.EqualTo(_wearer.Count), "capped at what the session holds");
    }

    [Test]
    public void The_zero_shot_bundle_aligns_in_the_graph_and_records_the_alignment_in_the_manifest()
    {
        var adapted = WearerAdaptation.ZeroShot(_baseDecoder, TransferTestData.Classes, _wearer.ChannelNames, _wearer);
        var folder = Path.Combine(_root, "zero-shot");

        var built = DecoderBundleBuilder.Build(folder, Request(_wearer, adapted.Alignment, adapted.Decoder, skipTraining: true));
        var bundle = ModelBundle.Load(folder, ModelTrustPolicy.None);

        Assert.That(built.ExportParity, Is.LessThanOrEqualTo(DecoderBundleBuilder.ExportTolerance));
        var recorded = bundle.Manifest.Alignment!;
        Assert.That(recorded.Method, Is.EqualTo("euclidean"));
        Assert.That(recorded.Windows, Is.EqualTo(_wearer.Count));
        Assert.That(recorded.Recordings.Select(r => r.Name), Is.EqualTo(new[] { "S901R04.edf", "S901R08.edf" }));
        Assert.That(recorded.Matrix.SelectMany(row => row).Select(v => (float)v), Is.EqualTo(adapted.Alignment.ToArray()));
        Assert.That(built.Decoder.Probabilities(adapted.AlignedCalibration.Windows).Data,
            Is.EqualTo(_baseDecoder.Probabilities(adapted.AlignedCalibration.Windows).Data), "zero-shot: the base's weights unchanged");

        // A manifest matrix edited by hand no longer matches the graph's: refused, naming the element.
        var path = Path.Combine(folder, ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["alignment"]!["matrix"]![2]![3] = 0.5;
        File.WriteAllText(path, json.ToJsonString());
        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("'alignment'[2][3]").And.Message.Contain("alignment.matrix[2][3] is 0.5"));
    }
}
