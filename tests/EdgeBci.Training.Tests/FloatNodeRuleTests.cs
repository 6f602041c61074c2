using EdgeBci.Training.Bundle;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Onnx.Protos;
using EdgeBci.Training.Quantization;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Training.Tests;

/// <summary>
/// <see cref="FloatNodeRule"/>: which Conv/MatMul/Gemm nodes <see cref="OnnxStaticQuantizer"/> leaves float, on a
/// small graph with one node of each kind the rule tells apart: the alignment MatMul (constant × graph input), a
/// temporal Conv with one input channel, a Conv with four input channels per group, a MatMul reducing over 128
/// values, one over 16, and a Gemm over 16.
/// </summary>
public class FloatNodeRuleTests
{
    private const int Channels = 4;
    private const int Samples = 64;
    private const int Filters = 4;
    private const int Maps = 8;
    private const int Tokens = 16;
    private const int Wide = 128;
    private const int Narrow = 16;
    private const int Classes = 3;

    private static readonly FloatNodeRule Measured = new() { ConvMaxInputChannelsPerGroup = 1, MatMulMaxReductionLength = 64 };

    [Test]
    public void Small_convolutions_and_small_reductions_stay_float_and_larger_ones_are_quantized()
    {
        var result = Quantize(Measured);

        Assert.That(result.Report.FloatNodes.Select(n => n.NodeName), Is.EqualTo(new[] { "alignment", "temporal", "narrow", "classifier" }));
        Assert.That(Reason(result, "temporal"), Does.Contain("1 input channel(s) per group"));
        Assert.That(Reason(result, "narrow"), Does.Contain("MatMul reducing over 16 values"));
        Assert.That(Reason(result, "classifier"), Does.Contain("Gemm reducing over 16 values"), "transB: the reduction is B's second dimension");
        Assert.That(result.Report.QuantizedNodeCount, Is.EqualTo(2));
        Assert.That(result.Report.SkippedNodes, Is.Empty);

        var producers = Producers(result.Model);
        foreach (var name in new[] { "mixing", "wide" })
        {
            Assert.That(producers[Node(result.Model, name).Input[1]].OpType, Is.EqualTo("DequantizeLinear"), $"{name}'s weight is int8");
        }

        foreach (var name in new[] { "alignment", "temporal", "narrow", "classifier" })
        {
            var node = Node(result.Model, name);
            Assert.That(node.Input.Where(producers.ContainsKey).Select(i => producers[i].OpType), Has.None.EqualTo("DequantizeLinear"),
                $"{name} stays float and reads float values");
        }

        Assert.That(Initializer(result.Model, "temporal.weight").DataType, Is.EqualTo((int)TensorProto.Types.DataType.Float));
        Assert.That(result.Model.Graph.Initializer.Select(i => i.Name), Has.None.EqualTo("narrow.weight_quantized"));
    }

    [Test]
    public void The_alignment_matmul_stays_float_even_when_everything_else_is_quantized()
    {
        var result = Quantize(FloatNodeRule.InputTransformsOnly);

        Assert.That(result.Report.FloatNodes.Select(n => n.NodeName), Is.EqualTo(new[] { "alignment" }));
        Assert.That(Reason(result, "alignment"), Does.Contain("input transform").And.Contain("'alignment.matrix'").And.Contain("'eeg'"));
        Assert.That(result.Report.QuantizedNodeCount, Is.EqualTo(5));
        var alignment = Node(result.Model, "alignment");
        Assert.That(alignment.Input, Is.EqualTo(new[] { "alignment.matrix", "eeg" }), "the float matrix applied to the float window");
        Assert.That(Initializer(result.Model, "alignment.matrix").DataType, Is.EqualTo((int)TensorProto.Types.DataType.Float));
        Assert.That(result.Model.Graph.Node.Where(n => n.OpType == "QuantizeLinear").Select(n => n.Input[0]), Has.None.EqualTo("eeg"));
    }

    [Test]
    public void A_constant_matmul_on_an_intermediate_value_is_not_an_input_transform()
    {
        var model = new OnnxGraphBuilder("not-alignment")
            .AddInput("eeg", OnnxDim.Batch, Channels, Samples)
            .AddNamedNode("relu", "Relu", ["eeg"], ["r"])
            .AddInitializer("m", Identity(Channels), [Channels, Channels])
            .AddNamedNode("mix", "MatMul", ["m", "r"], ["probabilities"])
            .AddOutput("probabilities", OnnxDim.Batch, Channels, Samples)
            .Build("EdgeBci.Tests");

        var result = OnnxStaticQuantizer.Quantize(model, Windows(new Random(3), 4));

        Assert.That(result.Report.FloatNodes, Is.Empty);
        Assert.That(result.Report.SkippedNodes.Single().Reason, Does.Contain("is an initializer, not an activation"));
    }

    [Test]
    public void Names_and_op_type_patterns_keep_nodes_float()
    {
        var rule = new FloatNodeRule { Names = ["wide"], Patterns = [NodePattern.Parse("Conv:^mix")] };

        var result = Quantize(rule);

        Assert.That(result.Report.FloatNodes.Select(n => n.NodeName), Is.EqualTo(new[] { "alignment", "mixing", "wide" }));
        Assert.That(Reason(result, "mixing"), Does.Contain("Conv:^mix"));
        Assert.That(Reason(result, "wide"), Does.Contain("named"));
        Assert.That(Quantize(new FloatNodeRule { Patterns = [new NodePattern("MatMul", "^mix")] }).Report.FloatNodes.Select(n => n.NodeName),
            Is.EqualTo(new[] { "alignment" }), "the op type must match too");
    }

    [Test]
    public void The_mixed_precision_model_runs_in_onnx_runtime_and_agrees_with_the_float_model()
    {
        var model = Model(new Random(5));
        var heldOut = Windows(new Random(6), 200);
        var expected = Run(model, heldOut);

        foreach (var rule in new[] { Measured, FloatNodeRule.InputTransformsOnly })
        {
            var quantized = OnnxStaticQuantizer.Quantize(model, Windows(new Random(7), 100),
                DecoderBundleBuilder.DefaultQuantization with { FloatNodes = rule }).Model;
            var actual = Run(quantized, heldOut);
            var maxDifference = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            var agree = Enumerable.Range(0, heldOut.Count).Count(n => ArgMax(expected, n) == ArgMax(actual, n));
            TestContext.Out.WriteLine($"{rule}: max |Δp| {maxDifference:F4}, agreement {agree}/{heldOut.Count}");
            Assert.That(maxDifference, Is.LessThan(0.1f));
            Assert.That(agree, Is.GreaterThanOrEqualTo(0.97 * heldOut.Count));
        }
    }

    [Test]
    public void The_bundles_default_keeps_the_measured_small_operators_float()
    {
        var rule = DecoderBundleBuilder.DefaultQuantization.FloatNodes;

        Assert.That(rule.ConvMaxInputChannelsPerGroup, Is.EqualTo(1));
        Assert.That(rule.MatMulMaxReductionLength, Is.EqualTo(64));
        Assert.That(Quantize(rule).Report.FloatNodes.Select(n => n.NodeName), Is.EqualTo(new[] { "alignment", "temporal", "narrow", "classifier" }));
    }

    [Test]
    public void Bad_rules_are_refused_with_what_is_wrong()
    {
        Assert.That(() => NodePattern.Parse("Conv"), Throws.ArgumentException.With.Message.Contain("'Conv'").And.Message.Contain("OpType:regex"));
        Assert.That(() => NodePattern.Parse(":x"), Throws.ArgumentException.With.Message.Contain("':x'"));
        Assert.That(() => NodePattern.Parse("Conv:(temporal"), Throws.ArgumentException.With.Message.Contain("Conv:(temporal").And.Message.Contain("regular expression"));
        Assert.That(() => Quantize(new FloatNodeRule { MatMulMaxReductionLength = -1 }),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contain("MatMulMaxReductionLength"));
        Assert.That(() => Quantize(new FloatNodeRule { Patterns = [new NodePattern("", "x")] }),
            Throws.ArgumentException.With.Message.Contain("no operator type"));
    }

    private static StaticQuantizationResult Quantize(FloatNodeRule rule) =>
        OnnxStaticQuantizer.Quantize(Model(new Random(5)), Windows(new Random(7), 50), new StaticQuantizationOptions { ReduceWeightRange = true, FloatNodes = rule });

    /// <summary>eeg [B, 4, 64] → alignment (4×4 · eeg) → [B, 1, 4, 64] → temporal Conv (1 → 4 maps, 1×7) → mixing
    /// Conv (4 → 8 maps, 1×3) → Elu → [B, 16 tokens, 128] → wide MatMul (128 → 16) → narrow MatMul (16 → 16), so a
    /// quantised node feeds a float one
    /// → mean over tokens → classifier Gemm (16 → 3, transB) → Softmax.</summary>
    private static ModelProto Model(Random random)
    {
        var alignment = Identity(Channels);
        for (var i = 0; i < alignment.Length; i++)
        {
            alignment[i] += (float)((random.NextDouble() - 0.5) * 0.2);
        }

        return new OnnxGraphBuilder("mixed-precision")
            .AddInput("eeg", OnnxDim.Batch, Channels, Samples)
            .AddInitializer("alignment.matrix", alignment, [Channels, Channels])
            .AddNamedNode("alignment", "MatMul", ["alignment.matrix", "eeg"], ["aligned"])
            .AddInt64Initializer("image_shape", [0, 1, Channels, Samples], [4])
            .AddNamedNode("to_image", "Reshape", ["aligned", "image_shape"], ["image"])
            .AddInitializer("temporal.weight", Uniform(random, Filters * 7, 0.4f), [Filters, 1, 1, 7])
            .AddInitializer("temporal.bias", Uniform(random, Filters, 0.1f), [Filters])
            .AddNamedNode("temporal", "Conv", ["image", "temporal.weight", "temporal.bias"], ["t"],
                ("kernel_shape", new long[] { 1, 7 }), ("pads", new long[] { 0, 3, 0, 3 }))
            .AddInitializer("mixing.weight", Uniform(random, Maps * Filters * 3, 0.3f), [Maps, Filters, 1, 3])
            .AddInitializer("mixing.bias", Uniform(random, Maps, 0.1f), [Maps])
            .AddNamedNode("mixing", "Conv", ["t", "mixing.weight", "mixing.bias"], ["m"],
                ("kernel_shape", new long[] { 1, 3 }), ("pads", new long[] { 0, 1, 0, 1 }))
            .AddNamedNode("elu", "Elu", ["m"], ["e"])
            .AddInt64Initializer("token_shape", [0, Tokens, Wide], [3])
            .AddNamedNode("tokens", "Reshape", ["e", "token_shape"], ["tok"])
            .AddInitializer("wide.weight", Uniform(random, Wide * Narrow, 1f / MathF.Sqrt(Wide)), [Wide, Narrow])
            .AddNamedNode("wide", "MatMul", ["tok", "wide.weight"], ["w"])
            .AddInitializer("narrow.weight", Uniform(random, Narrow * Narrow, 1f / MathF.Sqrt(Narrow)), [Narrow, Narrow])
            .AddNamedNode("narrow", "MatMul", ["w", "narrow.weight"], ["n"])
            .AddNamedNode("mean", "ReduceMean", ["n"], ["pooled"], ("axes", new long[] { 1 }), ("keepdims", 0))
            .AddInitializer("classifier.weight", Uniform(random, Classes * Narrow, 1.5f), [Classes, Narrow])
            .AddInitializer("classifier.bias", Uniform(random, Classes, 0.1f), [Classes])
            .AddNamedNode("classifier", "Gemm", ["pooled", "classifier.weight", "classifier.bias"], ["logits"], ("transB", 1))
            .AddNamedNode("output", "Softmax", ["logits"], ["probabilities"], ("axis", -1))
            .AddOutput("probabilities", OnnxDim.Batch, Classes)
            .Build("EdgeBci.Tests");
    }

    private static float[] Identity(int size)
    {
        var matrix = new float[size * size];
        for (var i = 0; i < size; i++)
        {
            matrix[(i * size) + i] = 1;
        }

        return matrix;
    }

    private static List<float[]> Windows(Random random, int count)
    {
        var windows = new List<float[]>(count);
        for (var w = 0; w < count; w++)
        {
            var window = new float[Channels * Samples];
            for (var c = 0; c < Channels; c++)
            {
                var frequency = 0.05 + (random.NextDouble() * 0.3);
                var phase = random.NextDouble() * 2 * Math.PI;
                var amplitude = 0.5 + (random.NextDouble() * 1.5);
                for (var t = 0; t < Samples; t++)
                {
                    window[(c * Samples) + t] = (float)((amplitude * Math.Sin((frequency * t) + phase)) + (0.3 * (random.NextDouble() - 0.5)));
                }
            }

            windows.Add(window);
        }

        return windows;
    }

    private static float[] Uniform(Random random, int count, float amplitude) =>
        [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1) * amplitude)];

    private static float[] Run(ModelProto model, IReadOnlyList<float[]> windows)
    {
        // The unit's optimisation level: ONNX Runtime fuses the QDQ nodes into its integer kernels.
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(OnnxModelWriter.ToBytes(model), options);
        using var runOptions = new RunOptions();
        var data = windows.SelectMany(w => w).ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(data, [windows.Count, Channels, Samples]);
        using var results = session.Run(runOptions, ["eeg"], [input], ["probabilities"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static int ArgMax(float[] probabilities, int window)
    {
        var row = probabilities.AsSpan(window * Classes, Classes);
        var best = 0;
        for (var k = 1; k < Classes; k++)
        {
            best = row[k] > row[best] ? k : best;
        }

        return best;
    }

    private static string Reason(StaticQuantizationResult result, string node) => result.Report.FloatNodes.Single(n => n.NodeName == node).Reason;

    private static NodeProto Node(ModelProto model, string name) => model.Graph.Node.Single(n => n.Name == name);

    private static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(i => i.Name == name);

    private static Dictionary<string, NodeProto> Producers(ModelProto model) =>
        model.Graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);
}
