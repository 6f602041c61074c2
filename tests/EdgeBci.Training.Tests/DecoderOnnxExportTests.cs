using EdgeBci.Acquisition.Configuration;
using EdgeBci.Signal.Chain;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Data;
using EdgeBci.Training.Engine;
using EdgeBci.Training.Model;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Onnx.Protos;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Training.Tests;

/// <summary>
/// The exported attention decoder against the engine: ONNX Runtime, fed raw microvolts, must give the logits and
/// probabilities the engine's inference pass gives (normalisation included) for every shape variant the decoder
/// has, on synthetic and on real EEG, at any batch size. Batch normalisation must be folded away, and the exporter
/// must refuse what it cannot express rather than export something else.
/// </summary>
public class DecoderOnnxExportTests
{
    private const float Tolerance = 1e-4f;
    private const int ParityTrials = 40;

    // ---- Parity -------------------------------------------------------------------------------------------------

    [Test]
    public void A_trained_decoder_gives_the_engines_logits_and_probabilities_in_onnx_runtime_at_batch_1_and_7()
    {
        // Default tokenizer: even kernel 32 (asymmetric same-padding), 250 samples = 31 pools of 8 and a remainder of 2.
        var shape = new DecoderShape(Channels: 8, Samples: 250, Classes: 2, Seed: 5);
        var dataset = Synthetic(ParityTrials, shape.Channels, shape.Samples, shape.Classes, seed: 11);
        var decoder = TrainedDecoder(shape, dataset);

        var (probabilityError, logitError) = AssertParity(decoder, dataset.Windows, [1, 7]);

        TestContext.Out.WriteLine($"default shape: max |Δp| = {probabilityError:E2}, max |Δlogit| = {logitError:E2}");
    }

    [TestCase(InputNormalization.ChannelZScore, 2, 2, 8, 250, 2, 32, 8, 8)]
    [TestCase(InputNormalization.FixedScale, 0, 1, 4, 128, 3, 9, 4, 8)]
    [TestCase(InputNormalization.ChannelZScore, 0, 2, 4, 128, 2, 9, 4, 8)]
    [TestCase(InputNormalization.ChannelZScore, 1, 1, 4, 130, 2, 16, 8, 8)]
    [TestCase(InputNormalization.FixedScale, 1, 4, 6, 200, 3, 25, 5, 4)]
    [TestCase(InputNormalization.ChannelZScore, 2, 4, 8, 250, 4, 32, 8, 8)]
    public void Every_shape_variant_matches_the_engine_in_onnx_runtime(InputNormalization normalization, int layers, int heads,
        int channels, int samples, int classes, int kernel, int pool, int filters)
    {
        var shape = new DecoderShape(channels, samples, classes, TemporalFilters: filters, TemporalKernel: kernel, Pool: pool,
            Heads: heads, AttentionLayers: layers, Normalization: normalization, Seed: 7);
        var dataset = Synthetic(ParityTrials, channels, samples, classes, seed: 13, quietLastChannel: true);
        var decoder = TrainedDecoder(shape, dataset);

        var (probabilityError, logitError) = AssertParity(decoder, dataset.Windows, [1, 8]);

        TestContext.Out.WriteLine($"{normalization}, {layers} layers, {heads} heads, {channels}×{samples}, {classes} classes, K {kernel}, " +
            $"pool {pool}, F {filters}: max |Δp| = {probabilityError:E2}, max |Δlogit| = {logitError:E2}");
    }

    [TestCase(InputNormalization.FixedScale)]
    [TestCase(InputNormalization.ChannelZScore)]
    public void A_decoder_trained_on_S001_run_4_matches_the_engine_on_its_real_windows(InputNormalization normalization)
    {
        // Missing shared data is a failure, as everywhere in the suite: CI always has ../shared beside the clone.
        var path = SharedData.Path("eegmmidb/S001/S001R04.edf");

        // Rest, left and right cues of run 4, each cut twice (0–2 s and 2–4 s after the cue): about 60 windows of the
        // deployed 8 × 500 input, as the device's signal chain delivers them.
        var classes = new Dictionary<string, string>(StringComparer.Ordinal) { ["T0"] = "rest", ["T1"] = "left", ["T2"] = "right" };
        var windows = new List<float[]>();
        EpochDataset? early = null;
        foreach (var (start, end) in new[] { (0.0, 2.0), (2.0, 4.0) })
        {
            var task = new TaskDefinition("run-4", [4], classes, start, end);
            var dataset = DatasetBuilder.Build([path], task, Ads1299Options.DefaultMontage, ReplaySettings.Default, new SignalOptions());
            early ??= dataset;
            windows.AddRange(dataset.Windows);
        }

        Assert.That(windows, Has.Count.GreaterThanOrEqualTo(32));
        var shape = DecoderTrainer.ShapeFor(early!, seed: 3) with { Normalization = normalization };
        var decoder = TrainedDecoder(shape, early!);

        var (probabilityError, logitError) = AssertParity(decoder, windows, [1, 16]);

        TestContext.Out.WriteLine($"S001 run 4, {normalization}, {windows.Count} windows of {shape.Channels}×{shape.Samples}: " +
            $"max |Δp| = {probabilityError:E2}, max |Δlogit| = {logitError:E2}");
    }

    // ---- Graph structure ----------------------------------------------------------------------------------------

    [Test]
    public void Batch_normalisation_is_folded_into_conv_weights_and_biases()
    {
        var shape = new DecoderShape(Channels: 4, Samples: 64, Classes: 2, TemporalKernel: 8, AttentionLayers: 1, Seed: 2);
        var decoder = new AttentionDecoder(shape);
        Perturb(decoder, seed: 4);

        var model = DecoderOnnxExporter.Export(decoder);
        var nodes = model.Graph.Node;
        var initializers = model.Graph.Initializer.ToDictionary(tensor => tensor.Name, StringComparer.Ordinal);

        Assert.That(nodes.Select(node => node.OpType), Has.None.EqualTo("BatchNormalization"));
        Assert.That(nodes.Select(node => node.OpType), Has.None.EqualTo("Dropout"));
        var convolutions = nodes.Where(node => node.OpType == "Conv").ToList();
        Assert.That(convolutions.Select(node => node.Name), Is.EqualTo(new[] { "temporal", "spatial" }));
        var layers = decoder.Layers().ToList();
        var norms = layers.OfType<BatchNormalization>().ToList();
        float[][] weights = [layers.OfType<TemporalConvolution>().Single().Weight.Value.Data, layers.OfType<DepthwiseSpatialConvolution>().Single().Weight.Value.Data];
        for (var i = 0; i < 2; i++)
        {
            var conv = convolutions[i];
            var norm = norms[i];
            Assert.That(conv.Input, Has.Count.EqualTo(3), $"{conv.Name} carries a bias");
            var foldedWeights = Floats(initializers[conv.Input[1]]);
            var foldedBias = Floats(initializers[conv.Input[2]]);
            var perMap = weights[i].Length / norm.Features;
            Assert.That(foldedBias, Has.Length.EqualTo(norm.Features));
            for (var m = 0; m < norm.Features; m++)
            {
                var scale = norm.Gain.Value.Data[m] / Math.Sqrt(norm.RunningVariance.Data[m] + norm.Epsilon);
                Assert.That(foldedBias[m], Is.EqualTo(norm.Bias.Value.Data[m] - (norm.RunningMean.Data[m] * scale)).Within(1e-6), $"{conv.Name} bias {m}");
                for (var j = m * perMap; j < (m + 1) * perMap; j++)
                {
                    Assert.That(foldedWeights[j], Is.EqualTo(weights[i][j] * scale).Within(1e-6), $"{conv.Name} weight {j}");
                }
            }

            Assert.That(foldedBias, Is.Not.EqualTo(new float[norm.Features]), "the perturbed statistics give a non-zero bias");
        }

        var temporal = convolutions[0].Attribute.ToDictionary(a => a.Name, StringComparer.Ordinal);
        Assert.That(temporal["pads"].Ints, Is.EqualTo(new long[] { 0, 3, 0, 4 }), "PyTorch-style same padding: one more zero after for even K");
        Assert.That(convolutions[1].Attribute.Single(a => a.Name == "group").I, Is.EqualTo(shape.TemporalFilters));
        Assert.That(initializers[convolutions[1].Input[1]].Dims, Is.EqualTo(new long[] { shape.Embedding, 1, shape.Channels, 1 }));
    }

    [Test]
    public void The_graph_is_opset_17_with_a_dynamic_batch_readable_names_and_the_shape_in_its_metadata()
    {
        var shape = new DecoderShape(Channels: 4, Samples: 64, Classes: 3, TemporalKernel: 8, AttentionLayers: 2, Seed: 2);
        var model = DecoderOnnxExporter.Export(new AttentionDecoder(shape), "unit-test-decoder");
        var nodes = model.Graph.Node;

        Assert.That(model.OpsetImport.Single().Version, Is.EqualTo(17));
        Assert.That(model.Graph.Name, Is.EqualTo("unit-test-decoder"));
        Assert.That(model.DocString, Does.Contain("4 channels × 64 samples").And.Contain("folded"));
        // Opset 17 reductions take their axes as an attribute; an axes input would not load.
        foreach (var reduce in nodes.Where(node => node.OpType == "ReduceMean"))
        {
            Assert.That(reduce.Input, Has.Count.EqualTo(1), reduce.Name);
            Assert.That(reduce.Attribute.Select(a => a.Name), Does.Contain("axes"), reduce.Name);
        }

        Assert.That(nodes.Count(node => node.OpType == "LayerNormalization"), Is.EqualTo((2 * shape.AttentionLayers) + 1));
        Assert.That(nodes.Count(node => node.OpType == "Tanh"), Is.EqualTo(shape.AttentionLayers), "one composed GELU per feed-forward");
        Assert.That(nodes.Single(node => node.OpType == "Gemm").Name, Is.EqualTo("classifier"));
        Assert.That(nodes.Select(node => node.Name), Is.Unique);
        Assert.That(nodes.Select(node => node.Name), Does.Contain("block1.attention/softmax").And.Contain("block0.attention.query/matmul"));
        Assert.That(model.Graph.Initializer.Select(t => t.Name), Does.Contain("block0.attention.query.weight_transposed").And.Contain("position.embedding"));

        using var session = new InferenceSession(OnnxModelWriter.ToBytes(model));
        Assert.That(session.InputMetadata.Keys, Is.EqualTo(new[] { DecoderOnnxExporter.InputName }));
        Assert.That(session.InputMetadata[DecoderOnnxExporter.InputName].Dimensions, Is.EqualTo(new[] { -1, 4, 64 }));
        Assert.That(session.InputMetadata[DecoderOnnxExporter.InputName].SymbolicDimensions[0], Is.EqualTo("batch"));
        Assert.That(session.OutputMetadata.Keys, Is.EquivalentTo(new[] { DecoderOnnxExporter.OutputName, DecoderOnnxExporter.LogitsName }));
        Assert.That(session.OutputMetadata[DecoderOnnxExporter.OutputName].Dimensions, Is.EqualTo(new[] { -1, 3 }));
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.That(metadata["channels"], Is.EqualTo("4"));
        Assert.That(metadata["samples"], Is.EqualTo("64"));
        Assert.That(metadata["classes"], Is.EqualTo("3"));
        Assert.That(metadata["normalization"], Is.EqualTo("FixedScale"));
        Assert.That(session.ModelMetadata.ProducerName, Is.EqualTo(DecoderOnnxExporter.Producer));
    }

    // ---- Refusals -----------------------------------------------------------------------------------------------

    [Test]
    public void A_layer_without_an_onnx_form_is_refused_by_name_and_type()
    {
        var shape = new DecoderShape(Channels: 4, Samples: 64, Classes: 2);
        var network = new Sequential("net",
            new Engine.Reshape("input", 1, 4, 64),
            new TemporalConvolution("temporal", 2, 5, seed: 1),
            new Residual("skip", new Sequential("inner", new Elu("elu"), new Mystery("mystery_layer"))));

        var error = Assert.Throws<NotSupportedException>(() => DecoderOnnxExporter.Export(network, shape, "bad"));
        Assert.That(error!.Message, Does.Contain("'mystery_layer'").And.Contain(nameof(Mystery)));

        var loneNorm = new Sequential("net", new Engine.Reshape("input", 1, 4, 64), new Elu("elu"), new BatchNormalization("lonely_bn", 1));
        var normError = Assert.Throws<NotSupportedException>(() => DecoderOnnxExporter.Export(loneNorm, shape, "bad"));
        Assert.That(normError!.Message, Does.Contain("'lonely_bn'"));
    }

    [Test]
    public void A_network_that_does_not_end_in_the_class_logits_is_refused()
    {
        var shape = new DecoderShape(Channels: 4, Samples: 64, Classes: 2);
        var network = new Sequential("net", new Engine.Reshape("input", 1, 4, 64), new TemporalConvolution("temporal", 2, 5, seed: 1));

        Assert.That(() => DecoderOnnxExporter.Export(network, shape, "bad"), Throws.InvalidOperationException.With.Message.Contains("[2] logits"));
    }

    [Test]
    public void Node_names_given_to_the_builder_must_be_unique()
    {
        var builder = new OnnxGraphBuilder().AddInput("x", 2).AddNamedNode("relu", "Relu", ["x"], ["y"]);

        Assert.That(() => builder.AddNamedNode("relu", "Relu", ["y"], ["z"]), Throws.ArgumentException.With.Message.Contains("'relu'"));
        var model = builder.AddNamedNode("Relu_2", "Relu", ["y"], ["z"]).AddNode("Relu", ["z"], ["w"]).AddOutput("w", 2).Build("t");
        Assert.That(model.Graph.Node.Select(node => node.Name), Is.EqualTo(new[] { "relu", "Relu_2", "Relu_2_1" }));
    }

    // ---- Files --------------------------------------------------------------------------------------------------

    [Test]
    public void The_exported_model_saves_loads_from_its_file_and_exports_the_same_bytes_twice()
    {
        var shape = new DecoderShape(Channels: 4, Samples: 96, Classes: 2, TemporalKernel: 12, AttentionLayers: 1, Seed: 8);
        var decoder = new AttentionDecoder(shape);
        Perturb(decoder, seed: 9);
        var model = DecoderOnnxExporter.Export(decoder);
        var directory = Path.Combine(Path.GetTempPath(), "edgebci-decoder-onnx-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "decoder.onnx");
        try
        {
            OnnxModelWriter.Save(model, path);

            Assert.That(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)), Is.EqualTo(model));
            Assert.That(OnnxModelWriter.ToBytes(DecoderOnnxExporter.Export(decoder)), Is.EqualTo(File.ReadAllBytes(path)), "export is deterministic");
            var windows = Synthetic(33, shape.Channels, shape.Samples, shape.Classes, seed: 10).Windows;
            using var session = new InferenceSession(path);
            var (probabilities, logits) = Run(session, windows, 0, windows.Count, shape);
            Assert.That(logits, Is.EqualTo(decoder.Network.Forward(decoder.Prepare(windows), training: false).Data).Within(Tolerance));
            Assert.That(probabilities, Is.EqualTo(decoder.Probabilities(windows).Data).Within(Tolerance));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    // ---- Helpers ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Runs <paramref name="windows"/> through ORT in batches of each size and asserts every logit and probability is
    /// within <see cref="Tolerance"/> of the engine's; returns the largest differences seen.
    /// </summary>
    private static (double Probability, double Logit) AssertParity(AttentionDecoder decoder, IReadOnlyList<float[]> windows, int[] batchSizes)
    {
        Assert.That(windows, Has.Count.GreaterThanOrEqualTo(32));
        var classes = decoder.Shape.Classes;
        var expectedLogits = decoder.Network.Forward(decoder.Prepare(windows), training: false).Data;
        var expectedProbabilities = decoder.Probabilities(windows).Data;
        using var session = new InferenceSession(OnnxModelWriter.ToBytes(DecoderOnnxExporter.Export(decoder)));
        double probabilityError = 0, logitError = 0;
        foreach (var batch in batchSizes)
        {
            for (var start = 0; start < windows.Count; start += batch)
            {
                var count = Math.Min(batch, windows.Count - start);
                var (probabilities, logits) = Run(session, windows, start, count, decoder.Shape);
                var expectedRows = expectedLogits.AsSpan(start * classes, count * classes).ToArray();
                var expectedProbabilityRows = expectedProbabilities.AsSpan(start * classes, count * classes).ToArray();
                Assert.That(logits, Is.EqualTo(expectedRows).Within(Tolerance), $"logits of windows {start}..{start + count - 1} at batch {batch}");
                Assert.That(probabilities, Is.EqualTo(expectedProbabilityRows).Within(Tolerance), $"probabilities of windows {start}..{start + count - 1} at batch {batch}");
                logitError = Math.Max(logitError, MaxDifference(logits, expectedRows));
                probabilityError = Math.Max(probabilityError, MaxDifference(probabilities, expectedProbabilityRows));
            }
        }

        // Parity with constant logits would prove little: the decoder must actually tell the windows apart.
        Assert.That(expectedLogits.Distinct().Count(), Is.GreaterThan(classes));
        return (probabilityError, logitError);
    }

    private static (float[] Probabilities, float[] Logits) Run(InferenceSession session, IReadOnlyList<float[]> windows, int start, int count, DecoderShape shape)
    {
        var length = shape.WindowLength;
        var input = new float[count * length];
        for (var i = 0; i < count; i++)
        {
            windows[start + i].CopyTo(input, i * length);
        }

        using var value = OrtValue.CreateTensorValueFromMemory(input, [count, shape.Channels, shape.Samples]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [DecoderOnnxExporter.InputName], [value], [DecoderOnnxExporter.OutputName, DecoderOnnxExporter.LogitsName]);
        var outputs = results.ToArray();
        Assert.That(outputs[0].GetTensorTypeAndShape().Shape, Is.EqualTo(new long[] { count, shape.Classes }));
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[1].GetTensorDataAsSpan<float>().ToArray());
    }

    private static double MaxDifference(float[] actual, float[] expected)
    {
        var max = 0.0;
        for (var i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)actual[i] - expected[i]));
        }

        return max;
    }

    /// <summary>
    /// A decoder trained for two epochs (so the batch-normalisation running statistics come from data) and then
    /// perturbed (so gains, biases and statistics are far enough from 1 and 0 that a folding mistake shows).
    /// </summary>
    private static AttentionDecoder TrainedDecoder(DecoderShape shape, EpochDataset dataset)
    {
        var decoder = new AttentionDecoder(shape);
        DecoderTrainer.Train(decoder, dataset, new TrainingOptions(MaxEpochs: 2, BatchSize: 8, ValidationFraction: 0, Seed: 3));
        var norm = decoder.Layers().OfType<BatchNormalization>().First();
        Assert.That(norm.RunningVariance.Data, Has.Some.Not.EqualTo(1f), "training moved the running statistics");
        Perturb(decoder, seed: shape.Seed);
        return decoder;
    }

    private static void Perturb(AttentionDecoder decoder, int seed)
    {
        var random = new Random(seed);
        float Between(double low, double high) => (float)(low + ((high - low) * random.NextDouble()));
        foreach (var layer in decoder.Layers())
        {
            switch (layer)
            {
                case BatchNormalization norm:
                    for (var f = 0; f < norm.Features; f++)
                    {
                        var deviation = MathF.Sqrt(norm.RunningVariance.Data[f]);
                        norm.RunningMean.Data[f] += Between(-0.5, 0.5) * deviation;
                        norm.RunningVariance.Data[f] *= Between(0.5, 2);
                        norm.Gain.Value.Data[f] = Between(0.5, 1.5);
                        norm.Bias.Value.Data[f] = Between(-0.3, 0.3);
                    }

                    break;
                case Engine.LayerNormalization norm:
                    for (var e = 0; e < norm.Features; e++)
                    {
                        norm.Gain.Value.Data[e] = Between(0.7, 1.3);
                        norm.Bias.Value.Data[e] = Between(-0.2, 0.2);
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Class k carries a 10 Hz rhythm (10 µV, random phase) on its own group of channels; every channel has 5 µV
    /// noise and a DC offset of up to ±40 µV, which the in-graph normalisation must remove. 250 Hz. A quiet last
    /// channel holds only 0.001 µV of noise: its variance is of the order of the z-score's epsilon, so a wrong
    /// epsilon in the graph changes its normalised values by tens of percent.
    /// </summary>
    private static EpochDataset Synthetic(int trials, int channels, int samples, int classes, int seed, bool quietLastChannel = false)
    {
        var random = new Random(seed);
        var windows = new List<float[]>(trials);
        var labels = new int[trials];
        for (var trial = 0; trial < trials; trial++)
        {
            var label = trial % classes;
            labels[trial] = label;
            var window = new float[channels * samples];
            var phase = random.NextDouble() * 2 * Math.PI;
            for (var c = 0; c < channels; c++)
            {
                var active = c * classes / channels == label;
                var offset = 80 * (random.NextDouble() - 0.5);
                for (var t = 0; t < samples; t++)
                {
                    var rhythm = active ? 10 * Math.Sin((2 * Math.PI * 10 * t / 250.0) + phase + c) : 0;
                    var noise = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                    window[(c * samples) + t] = quietLastChannel && c == channels - 1 ? (float)(0.001 * noise) : (float)(offset + rhythm + (5 * noise));
                }
            }

            windows.Add(window);
        }

        var runs = Enumerable.Range(0, trials).Select(i => 1 + (3 * i / trials)).ToArray();
        var onsets = Enumerable.Range(0, trials).Select(i => 4.0 * i).ToArray();
        return new EpochDataset(windows, labels, runs, onsets, [.. Enumerable.Range(0, classes).Select(k => $"class{k}")],
            [.. Enumerable.Range(0, channels).Select(c => $"E{c}")], 250, samples);
    }

    private static float[] Floats(TensorProto tensor)
    {
        var bytes = tensor.RawData.Span;
        var values = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        }

        return values;
    }

    /// <summary>A layer type the exporter has never heard of.</summary>
    private sealed class Mystery(string name) : ParameterFreeLayer(name)
    {
        public override Tensor Forward(Tensor input, bool training) => input.Clone();

        public override Tensor Backward(Tensor outputGradient) => outputGradient.Clone();
    }
}
