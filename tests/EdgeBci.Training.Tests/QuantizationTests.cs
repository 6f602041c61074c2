using System.Buffers.Binary;
using System.Numerics.Tensors;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Onnx.Protos;
using EdgeBci.Training.Quantization;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Training.Tests;

/// <summary>
/// <see cref="OnnxStaticQuantizer"/> on a small EEG-shaped network (temporal Conv → Elu → AveragePool → tokens →
/// MatMul+Add → LayerNormalization → mean over tokens → Gemm → Softmax) built with <see cref="OnnxGraphBuilder"/>,
/// checked against the float model in ONNX Runtime, against the weights recomputed here, and against the graph ONNX
/// Runtime's optimiser makes of it.
/// </summary>
public class QuantizationTests
{
    private const int Channels = 4;
    private const int Samples = 64;
    private const int WindowLength = Channels * Samples;
    private const int Filters = 8;
    private const int Kernel = 7;
    private const int Pool = 4;
    private const int Tokens = Samples / Pool;
    private const int Embedding = Filters * Channels;
    private const int Classes = 4;

    // ONNX Runtime's optimiser off: the QDQ graph runs exactly as written.
    private const GraphOptimizationLevel QdqArithmetic = GraphOptimizationLevel.ORT_DISABLE_ALL;

    private static readonly long[] WindowShape = [1, Channels, Samples];

    // ---- Accuracy -----------------------------------------------------------------------------------------------

    // Accuracy is measured on the QDQ graph as written, with ONNX Runtime's optimiser off: every Q/DQ then runs as
    // specified and the operators in float, which is the arithmetic the fused integer kernels reproduce when they
    // do not saturate (arm64, the headset's CPU; x86 with VNNI). On x86 CPUs without VNNI (AVX2 / AVX-512 only, as
    // on the machine these tests were written on) the fused uint8 × int8 kernels sum pairs of products in
    // saturating 16-bit arithmetic, and full-range int8 weights overflow it: the probabilities there moved by up to
    // 0.35. ReduceWeightRange avoids that, and the second test checks the fused kernels with it.

    [Test]
    public void Int8_model_agrees_with_the_float_model_on_held_out_windows()
    {
        var model = EegModel(seed: 11);
        var calibration = Windows(new Random(12), 100);
        var heldOut = Windows(new Random(13), 300);

        var result = OnnxStaticQuantizer.Quantize(model, calibration);
        var agreement = Compare(model, result.Model, heldOut, QdqArithmetic);

        TestContext.Out.WriteLine($"uint8/int8 QDQ: {agreement}");
        AssertClose(agreement);
        Assert.That(result.Report.QuantizedNodeCount, Is.EqualTo(3));
        Assert.That(result.Report.QuantizedWeightCount, Is.EqualTo(3));
        Assert.That(result.Report.QuantizedBiasCount, Is.EqualTo(2));
        Assert.That(result.Report.SkippedNodes, Is.Empty);
    }

    [Test]
    public void With_reduced_weight_range_the_fused_integer_kernels_compute_what_the_qdq_graph_specifies()
    {
        var model = EegModel(seed: 11);
        var heldOut = Windows(new Random(13), 300);

        var result = OnnxStaticQuantizer.Quantize(model, Windows(new Random(12), 100), new StaticQuantizationOptions { ReduceWeightRange = true });
        var fused = Compare(model, result.Model, heldOut, GraphOptimizationLevel.ORT_ENABLE_ALL);
        var fusedVersusQdq = MaxDifference(
            Run(result.Model, heldOut, "probabilities", WindowShape, GraphOptimizationLevel.ORT_ENABLE_ALL),
            Run(result.Model, heldOut, "probabilities", WindowShape, QdqArithmetic));

        TestContext.Out.WriteLine($"7-bit weights, fused kernels: {fused}; fused vs QDQ arithmetic: max {fusedVersusQdq:G3}");
        AssertClose(fused);
        // Integer accumulation is exact where the float reference rounds, so a tie may round the other way and move
        // one intermediate value by one step (≈0.005 in probability); saturation moved them by 0.27.
        Assert.That(fusedVersusQdq, Is.LessThan(0.01f));
        Assert.That(result.Report.Weights.Where(w => !w.IsBias).Select(w => w.Scales.Max()),
            Is.All.GreaterThan(0f));
    }

    [Test]
    public void Int8_symmetric_activations_give_zero_points_of_zero_and_agree_with_the_float_model()
    {
        var model = EegModel(seed: 11);
        var options = new StaticQuantizationOptions { Activations = ActivationType.Int8Symmetric };

        var result = OnnxStaticQuantizer.Quantize(model, Windows(new Random(12), 100), options);
        var agreement = Compare(model, result.Model, Windows(new Random(13), 300), QdqArithmetic);

        TestContext.Out.WriteLine($"int8/int8 QDQ: {agreement}");
        Assert.That(result.Report.Activations.Select(a => a.ZeroPoint), Is.All.EqualTo(0));
        Assert.That(result.Report.Activations.Select(a => a.RangeMin), Is.EqualTo(result.Report.Activations.Select(a => -a.RangeMax)));
        var zeroPoints = result.Model.Graph.Node.Where(n => n.OpType == "QuantizeLinear")
            .Select(n => Initializer(result.Model, n.Input[2]).DataType);
        Assert.That(zeroPoints, Is.All.EqualTo((int)TensorProto.Types.DataType.Int8));
        // A symmetric grid spends half its levels on the negative side even for the mostly positive tokens, so the
        // step there is about twice as coarse as with uint8; same bounds otherwise, one more tie allowed to flip.
        Assert.That(agreement.MeanDifference, Is.LessThan(0.015f));
        Assert.That(agreement.MaxDifference, Is.LessThan(0.15f));
        Assert.That(agreement.ArgmaxAgreement, Is.GreaterThanOrEqualTo(0.97));
    }

    // ---- Weights ------------------------------------------------------------------------------------------------

    [Test]
    public void Weights_are_int8_per_channel_with_scales_of_max_abs_over_127_and_dequantize_within_half_a_step()
    {
        var model = EegModel(seed: 21, zeroFilter: 3);
        var result = OnnxStaticQuantizer.Quantize(model, Windows(new Random(22), 50));
        var quantized = result.Model;
        var producers = Producers(quantized);
        var checkedNodes = 0;

        foreach (var node in quantized.Graph.Node.Where(n => n.OpType is "Conv" or "MatMul" or "Gemm"))
        {
            var original = model.Graph.Node.Single(n => n.Name == node.Name);
            var weights = Floats(Initializer(model, original.Input[1]));
            var dims = Initializer(model, original.Input[1]).Dims.ToArray();
            var axis = node.OpType switch
            {
                "Conv" => 0,
                "MatMul" => 1,
                _ => node.Attribute.Single(a => a.Name == "transB").I == 1 ? 0 : 1,
            };

            var dequantize = producers[node.Input[1]];
            Assert.That(dequantize.OpType, Is.EqualTo("DequantizeLinear"), node.Name);
            Assert.That(dequantize.Attribute.Single(a => a.Name == "axis").I, Is.EqualTo(axis), node.Name);
            var int8 = Initializer(quantized, dequantize.Input[0]);
            Assert.That(int8.DataType, Is.EqualTo((int)TensorProto.Types.DataType.Int8), node.Name);
            Assert.That(int8.Dims, Is.EqualTo(dims), node.Name);
            var scales = Floats(Initializer(quantized, dequantize.Input[1]));
            var zeroPoints = Initializer(quantized, dequantize.Input[2]);
            Assert.That(zeroPoints.DataType, Is.EqualTo((int)TensorProto.Types.DataType.Int8), node.Name);
            Assert.That(zeroPoints.RawData.ToByteArray(), Is.All.EqualTo(0), node.Name);

            var expected = MaxAbsPerChannel(weights, dims, axis).Select(m => m / 127f).ToArray();
            var values = int8.RawData.ToByteArray().Select(b => (sbyte)b).ToArray();
            for (var c = 0; c < expected.Length; c++)
            {
                if (expected[c] == 0)
                {
                    // The all-zero filter: a positive scale, every value exactly 0.
                    Assert.That(scales[c], Is.GreaterThan(0f), $"{node.Name} channel {c}");
                }
                else
                {
                    Assert.That(scales[c], Is.EqualTo(expected[c]).Within(1).Ulps, $"{node.Name} channel {c}");
                }
            }

            for (var e = 0; e < weights.Length; e++)
            {
                var channel = ChannelOf(e, dims, axis);
                Assert.That(values[e], Is.InRange(-127, 127));
                Assert.That(values[e] * scales[channel], Is.EqualTo(weights[e]).Within(scales[channel] / 2 * 1.0001f),
                    $"{node.Name} element {e}");
            }

            checkedNodes++;
        }

        Assert.That(checkedNodes, Is.EqualTo(3));
        Assert.That(result.Report.Weights.Single(w => w.Name == "conv_W").Scales[3], Is.GreaterThan(0f));
    }

    [Test]
    public void Biases_are_int32_with_scale_activation_scale_times_weight_scale()
    {
        var model = EegModel(seed: 23);
        var result = OnnxStaticQuantizer.Quantize(model, Windows(new Random(24), 50));
        var quantized = result.Model;
        var producers = Producers(quantized);

        foreach (var node in quantized.Graph.Node.Where(n => n.OpType is "Conv" or "Gemm"))
        {
            var original = model.Graph.Node.Single(n => n.Name == node.Name);
            var bias = Floats(Initializer(model, original.Input[2]));
            var biasDequantize = producers[node.Input[2]];
            var weightScales = Floats(Initializer(quantized, producers[node.Input[1]].Input[1]));
            var activationScale = Floats(Initializer(quantized, producers[node.Input[0]].Input[1]))[0];
            var int32 = Initializer(quantized, biasDequantize.Input[0]);
            var scales = Floats(Initializer(quantized, biasDequantize.Input[1]));

            Assert.That(int32.DataType, Is.EqualTo((int)TensorProto.Types.DataType.Int32), node.Name);
            Assert.That(biasDequantize.Attribute.Single(a => a.Name == "axis").I, Is.EqualTo(0), node.Name);
            Assert.That(Initializer(quantized, biasDequantize.Input[2]).RawData.ToByteArray(), Is.All.EqualTo(0), node.Name);
            for (var c = 0; c < bias.Length; c++)
            {
                Assert.That(scales[c], Is.EqualTo(activationScale * weightScales[c]), $"{node.Name} channel {c}");
                var value = BinaryPrimitives.ReadInt32LittleEndian(int32.RawData.Span[(c * 4)..]);
                Assert.That(value * scales[c], Is.EqualTo(bias[c]).Within(scales[c] / 2 * 1.0001f), $"{node.Name} channel {c}");
            }
        }
    }

    // ---- Graph structure ----------------------------------------------------------------------------------------

    [Test]
    public void No_float_weights_remain_and_softmax_and_layer_normalization_read_float_values()
    {
        var model = EegModel(seed: 31);
        var result = OnnxStaticQuantizer.Quantize(model, Windows(new Random(32), 50));
        var graph = result.Model.Graph;
        var producers = Producers(result.Model);
        var initializers = graph.Initializer.ToDictionary(i => i.Name);

        foreach (var node in graph.Node.Where(n => n.OpType is "Conv" or "MatMul" or "Gemm"))
        {
            Assert.That(initializers.ContainsKey(node.Input[1]), Is.False, $"{node.Name} reads an initializer as its weight");
            Assert.That(producers[node.Input[1]].OpType, Is.EqualTo("DequantizeLinear"));
            Assert.That(producers[node.Input[0]].OpType, Is.EqualTo("DequantizeLinear"), $"{node.Name}'s activation is not QDQ");
        }

        string[] floatWeights = ["conv_W", "conv_b", "proj_W", "head_W", "head_b"];
        Assert.That(floatWeights.Where(initializers.ContainsKey), Is.Empty);
        var quantizedTensors = graph.Node.Where(n => n.OpType == "QuantizeLinear").Select(n => n.Input[0]).ToList();
        foreach (var node in graph.Node.Where(n => n.OpType is "Softmax" or "LayerNormalization"))
        {
            Assert.That(producers[node.Input[0]].OpType, Is.Not.EqualTo("DequantizeLinear"), $"{node.OpType} reads a dequantised value");
        }

        // Not wrapped: the float operators' outputs are not quantised unless a quantised operator reads them (the
        // ReduceMean's feeds the Gemm). The Elu does read the Conv's dequantised output: that Q after the Conv is
        // what lets ONNX Runtime requantise inside QLinearConv.
        foreach (var node in graph.Node.Where(n => n.OpType is "Softmax" or "LayerNormalization" or "Elu" or "AveragePool" or "Add"))
        {
            Assert.That(quantizedTensors, Has.No.Member(node.Output[0]), $"{node.OpType}'s output is quantised");
        }

        // Inputs and outputs of the quantised operators, except the Gemm's logits, which feed the Softmax.
        Assert.That(result.Report.Activations.Select(a => a.Name), Is.EqualTo(new[] { "x", "conv", "tokens", "projected", "pooled" }));
        Assert.That(graph.Input.Select(i => i.ToString()), Is.EqualTo(model.Graph.Input.Select(i => i.ToString())));
        Assert.That(graph.Output.Select(o => o.ToString()), Is.EqualTo(model.Graph.Output.Select(o => o.ToString())));
        Assert.That(result.Model.OpsetImport, Is.EqualTo(model.OpsetImport));
    }

    [Test]
    public void Onnx_runtime_fuses_the_qdq_graph_into_integer_kernels()
    {
        var result = OnnxStaticQuantizer.Quantize(EegModel(seed: 41), Windows(new Random(42), 50));
        var path = Path.Combine(Path.GetTempPath(), $"edgebci-quant-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                OptimizedModelFilePath = path,
            })
            using (new InferenceSession(OnnxModelWriter.ToBytes(result.Model), options))
            {
            }

            var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
            var opTypes = optimized.Graph.Node.Select(n => n.OpType).ToList();
            TestContext.Out.WriteLine("optimised graph: " + string.Join(" → ", opTypes));

            Assert.That(opTypes, Has.Member("QLinearConv"));
            Assert.That(opTypes, Has.Member("QLinearMatMul"));
            // The Gemm's output feeds the Softmax and is left float on purpose, so ONNX Runtime makes a QGemm (its
            // com.microsoft integer Gemm) with a float output instead of requantising the logits.
            Assert.That(optimized.Graph.Node.Where(n => n.OpType == "QGemm").Select(n => n.Domain), Is.EqualTo(new[] { "com.microsoft" }));
            Assert.That(opTypes, Has.No.Member("Conv").And.No.Member("MatMul").And.No.Member("Gemm"));
            Assert.That(opTypes, Has.Member("Softmax").And.Member("LayerNormalization"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- Calibration --------------------------------------------------------------------------------------------

    [Test]
    public void Percentile_calibration_ignores_rare_outliers_that_stretch_the_min_max_range()
    {
        var model = EegModel(seed: 51);
        var calibration = Windows(new Random(52), 400);
        // Four samples out of 102 400, at 200 times the signal's amplitude: a glitch or an electrode pop.
        calibration[17][100] = 400f;
        calibration[123][5] = -400f;
        calibration[250][200] = 350f;
        calibration[391][60] = -380f;
        var heldOut = Windows(new Random(53), 300);

        var minMax = OnnxStaticQuantizer.Quantize(model, calibration);
        var percentile = OnnxStaticQuantizer.Quantize(model, calibration,
            new StaticQuantizationOptions { Method = CalibrationMethod.Percentile });
        var minMaxAgreement = Compare(model, minMax.Model, heldOut, QdqArithmetic);
        var percentileAgreement = Compare(model, percentile.Model, heldOut, QdqArithmetic);

        var minMaxInput = minMax.Report.Activations.Single(a => a.Name == "x");
        var percentileInput = percentile.Report.Activations.Single(a => a.Name == "x");
        TestContext.Out.WriteLine(
            $"input range: MinMax [{minMaxInput.RangeMin:G4}, {minMaxInput.RangeMax:G4}], " +
            $"percentile [{percentileInput.RangeMin:G4}, {percentileInput.RangeMax:G4}]");
        TestContext.Out.WriteLine($"MinMax: {minMaxAgreement}; percentile: {percentileAgreement}");

        Assert.That(minMaxInput.RangeMax - minMaxInput.RangeMin, Is.GreaterThan(700f));
        Assert.That(percentileInput.RangeMax - percentileInput.RangeMin, Is.LessThan(0.02f * (minMaxInput.RangeMax - minMaxInput.RangeMin)));
        Assert.That(percentileInput.ObservedMax, Is.EqualTo(400f));
        foreach (var activation in percentile.Report.Activations)
        {
            var other = minMax.Report.Activations.Single(a => a.Name == activation.Name);
            TestContext.Out.WriteLine(
                $"  {activation.Name}: MinMax range {other.RangeMax - other.RangeMin:G4}, percentile {activation.RangeMax - activation.RangeMin:G4}");
            Assert.That(activation.RangeMax - activation.RangeMin, Is.LessThanOrEqualTo(other.RangeMax - other.RangeMin), activation.Name);
        }

        // The outliers reach the Conv's output too (each touches a kernel's width of every filter); the input's
        // clipping must carry through to it.
        var conv = (MinMax: minMax.Report.Activations.Single(a => a.Name == "conv"), Percentile: percentile.Report.Activations.Single(a => a.Name == "conv"));
        Assert.That(conv.Percentile.RangeMax - conv.Percentile.RangeMin, Is.LessThan(0.1f * (conv.MinMax.RangeMax - conv.MinMax.RangeMin)));
        Assert.That(percentileAgreement.MeanDifference, Is.LessThan(minMaxAgreement.MeanDifference));
        Assert.That(percentileAgreement.ArgmaxAgreement, Is.GreaterThan(minMaxAgreement.ArgmaxAgreement));
        AssertClose(percentileAgreement);
    }

    // ---- Size ---------------------------------------------------------------------------------------------------

    [Test]
    public void The_int8_model_is_about_a_quarter_of_the_float_model_when_weights_dominate()
    {
        const int width = 256;
        var random = new Random(61);
        var model = new OnnxGraphBuilder("dense")
            .AddInput("x", OnnxDim.Batch, width)
            .AddInitializer("W1", Uniform(random, width * width, 0.1f), [width, width])
            .AddInitializer("W2", Uniform(random, width * width, 0.1f), [width, width])
            .AddInitializer("W3", Uniform(random, Classes * width, 0.1f), [Classes, width])
            .AddInitializer("b3", Uniform(random, Classes, 0.1f), [Classes])
            .AddNode("MatMul", ["x", "W1"], ["h1"])
            .AddNode("Relu", ["h1"], ["r1"])
            .AddNode("MatMul", ["r1", "W2"], ["h2"])
            .AddNode("Relu", ["h2"], ["r2"])
            .AddNode("Gemm", ["r2", "W3", "b3"], ["logits"], ("transB", 1))
            .AddNode("Softmax", ["logits"], ["p"], ("axis", -1))
            .AddOutput("p", OnnxDim.Batch, Classes)
            .Build("EdgeBci.Tests");
        var calibration = Enumerable.Range(0, 20).Select(_ => Uniform(random, width, 1f)).ToList();

        var result = OnnxStaticQuantizer.Quantize(model, calibration);
        var floatBytes = OnnxModelWriter.ToBytes(model).Length;
        var int8Bytes = OnnxModelWriter.ToBytes(result.Model).Length;

        TestContext.Out.WriteLine($"fp32 {floatBytes} bytes, int8 {int8Bytes} bytes ({(double)int8Bytes / floatBytes:P1})");
        Assert.That(result.Report.Float32ModelBytes, Is.EqualTo(floatBytes));
        Assert.That(result.Report.QuantizedModelBytes, Is.EqualTo(int8Bytes));
        Assert.That(int8Bytes, Is.LessThan(floatBytes * 0.3));
        Assert.That(result.Report.QuantizedWeightCount, Is.EqualTo(3));
    }

    // ---- Errors and edge cases ----------------------------------------------------------------------------------

    [Test]
    public void Bad_calibration_sets_are_rejected_with_the_expected_window_shape()
    {
        var model = EegModel(seed: 71);

        Assert.That(() => OnnxStaticQuantizer.Quantize(model, []),
            Throws.ArgumentException.With.Message.Contains("empty").And.Message.Contains("[1, 4, 64]"));
        Assert.That(() => OnnxStaticQuantizer.Quantize(model, [new float[WindowLength], new float[WindowLength - 1]]),
            Throws.ArgumentException.With.Message.Contains("window 1").And.Message.Contains("[1, 4, 64] (256 values)"));
        Assert.That(() => OnnxStaticQuantizer.Quantize(model, [null!]),
            Throws.ArgumentException.With.Message.Contains("[1, 4, 64]"));
        Assert.That(() => OnnxStaticQuantizer.Quantize(model, Windows(new Random(72), 2), new StaticQuantizationOptions { Percentile = 0 }),
            Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => OnnxStaticQuantizer.Quantize(model, Windows(new Random(72), 2), new StaticQuantizationOptions { OperatorTypes = ["Softmax"] }),
            Throws.ArgumentException.With.Message.Contains("Softmax"));

        var nan = Windows(new Random(73), 2);
        nan[1][3] = float.NaN;
        Assert.That(() => OnnxStaticQuantizer.Quantize(model, nan),
            Throws.InvalidOperationException.With.Message.Contains("'x'"));
    }

    [Test]
    public void Models_the_quantiser_cannot_handle_are_rejected_by_name()
    {
        var old = EegModel(seed: 81);
        old.OpsetImport[0].Version = 12;
        Assert.That(() => OnnxStaticQuantizer.Quantize(old, Windows(new Random(82), 2)),
            Throws.ArgumentException.With.Message.Contains("opset 12"));

        var twoInputs = new OnnxGraphBuilder()
            .AddInput("a", OnnxDim.Batch, 4)
            .AddInput("b", OnnxDim.Batch, 4)
            .AddNode("Add", ["a", "b"], ["y"])
            .AddOutput("y", OnnxDim.Batch, 4)
            .Build("EdgeBci.Tests");
        Assert.That(() => OnnxStaticQuantizer.Quantize(twoInputs, [new float[4]]),
            Throws.ArgumentException.With.Message.Contains("'a', 'b'"));

        var symbolicTime = new OnnxGraphBuilder()
            .AddInput("x", OnnxDim.Batch, "time")
            .AddNode("Relu", ["x"], ["y"])
            .AddOutput("y", OnnxDim.Batch, "time")
            .Build("EdgeBci.Tests");
        Assert.That(() => OnnxStaticQuantizer.Quantize(symbolicTime, [new float[4]]),
            Throws.InstanceOf<NotSupportedException>().With.Message.Contains("time"));
    }

    [Test]
    public void An_operator_whose_weight_is_computed_stays_float_and_is_reported()
    {
        const int width = 8;
        var random = new Random(91);
        var model = new OnnxGraphBuilder()
            .AddInput("x", OnnxDim.Batch, width)
            .AddInitializer("W", Uniform(random, width * width, 0.5f), [width, width])
            .AddNode("Transpose", ["W"], ["Wt"], ("perm", new long[] { 1, 0 }))
            .AddNode("MatMul", ["x", "Wt"], ["computed"])
            .AddNode("MatMul", ["computed", "W"], ["y"])
            .AddOutput("y", OnnxDim.Batch, width)
            .Build("EdgeBci.Tests");
        var calibration = Enumerable.Range(0, 10).Select(_ => Uniform(random, width, 1f)).ToList();

        var result = OnnxStaticQuantizer.Quantize(model, calibration);

        Assert.That(result.Report.QuantizedNodeCount, Is.EqualTo(1));
        Assert.That(result.Report.SkippedNodes.Single().NodeName, Is.EqualTo("MatMul_1"));
        Assert.That(result.Report.SkippedNodes.Single().Reason, Does.Contain("'Wt'").And.Contain("not an initializer"));
        // The float W stays: the Transpose still reads it.
        Assert.That(result.Model.Graph.Initializer.Select(i => i.Name), Has.Member("W"));
        // y is a graph output, so the second MatMul has a quantised input but a float output.
        Assert.That(result.Report.Activations.Select(a => a.Name), Is.EqualTo(new[] { "computed" }));
        var expected = Run(model, calibration, "y", [width], QdqArithmetic);
        var actual = Run(result.Model, calibration, "y", [width], QdqArithmetic);
        // Two 8-bit steps of |y| ≤ max|y|: about 1 % of the largest output.
        Assert.That(MaxDifference(expected, actual), Is.LessThan(0.02f * expected.Max(Math.Abs)));
    }

    [Test]
    public void A_fixed_batch_of_one_and_a_gemm_beta_other_than_one_are_handled()
    {
        const int width = 8;
        var random = new Random(95);
        var bias = Uniform(random, Classes, 1f);
        var model = new OnnxGraphBuilder()
            .AddInput("x", 1, width)
            .AddInitializer("W", Uniform(random, width * Classes, 0.5f), [width, Classes])
            .AddInitializer("C", bias, [Classes])
            .AddNode("Gemm", ["x", "W", "C"], ["logits"], ("beta", 0.5f))
            .AddNode("Relu", ["logits"], ["y"])
            .AddOutput("y", 1, Classes)
            .Build("EdgeBci.Tests");
        var calibration = Enumerable.Range(0, 7).Select(_ => Uniform(random, width, 1f)).ToList();

        var result = OnnxStaticQuantizer.Quantize(model, calibration);

        var gemm = result.Model.Graph.Node.Single(n => n.OpType == "Gemm");
        Assert.That(gemm.Attribute.Single(a => a.Name == "beta").F, Is.EqualTo(1f));
        var biasWeight = result.Report.Weights.Single(w => w.IsBias);
        var quantizedBias = Initializer(result.Model, Producers(result.Model)[gemm.Input[2]].Input[0]);
        for (var c = 0; c < Classes; c++)
        {
            var value = BinaryPrimitives.ReadInt32LittleEndian(quantizedBias.RawData.Span[(c * 4)..]);
            Assert.That(value * biasWeight.Scales[c], Is.EqualTo(0.5f * bias[c]).Within(biasWeight.Scales[c]));
        }

        // The batch is fixed at 1, so one window per run.
        var expected = calibration.SelectMany(w => Run(model, [w], "y", [width], QdqArithmetic)).ToArray();
        var actual = calibration.SelectMany(w => Run(result.Model, [w], "y", [width], QdqArithmetic)).ToArray();
        // A few 8-bit steps of the logits' range (which ends at max y).
        Assert.That(MaxDifference(expected, actual), Is.LessThan(0.02f * expected.Max()));

        Assert.That(() => OnnxStaticQuantizer.Quantize(model, calibration.Take(0).ToList()),
            Throws.ArgumentException.With.Message.Contains("[8]"));
    }

    // ---- Model and data -----------------------------------------------------------------------------------------

    /// <summary>
    /// [batch, 1, 4, 64] → Conv 8×(1×7) + bias → Elu → AveragePool 1×4 → [batch, 32, 16] → transposed to 16 tokens
    /// of 32 → MatMul + Add → LayerNormalization → mean over tokens → Gemm (transB) + bias → Softmax over 4 classes.
    /// </summary>
    private static ModelProto EegModel(int seed, int? zeroFilter = null)
    {
        var random = new Random(seed);
        var convWeights = Uniform(random, Filters * Kernel, 1f / MathF.Sqrt(Kernel));
        if (zeroFilter is { } filter)
        {
            Array.Clear(convWeights, filter * Kernel, Kernel);
        }

        return new OnnxGraphBuilder("eeg")
            .AddInput("x", OnnxDim.Batch, 1, Channels, Samples)
            .AddInitializer("conv_W", convWeights, [Filters, 1, 1, Kernel])
            .AddInitializer("conv_b", Uniform(random, Filters, 0.1f), [Filters])
            .AddInt64Initializer("token_shape", [0, Embedding, Tokens], [3])
            .AddInitializer("proj_W", Uniform(random, Embedding * Embedding, 1f / MathF.Sqrt(Embedding)), [Embedding, Embedding])
            .AddInitializer("proj_b", Uniform(random, Embedding, 0.1f), [Embedding])
            .AddInitializer("ln_gamma", Uniform(random, Embedding, 0.2f).Select(g => 1 + g).ToArray(), [Embedding])
            .AddInitializer("ln_beta", Uniform(random, Embedding, 0.1f), [Embedding])
            .AddInitializer("head_W", Uniform(random, Classes * Embedding, 1.5f), [Classes, Embedding])
            .AddInitializer("head_b", Uniform(random, Classes, 0.1f), [Classes])
            .AddNode("Conv", ["x", "conv_W", "conv_b"], ["conv"],
                ("kernel_shape", new long[] { 1, Kernel }), ("pads", new long[] { 0, Kernel / 2, 0, Kernel / 2 }))
            .AddNode("Elu", ["conv"], ["elu"])
            .AddNode("AveragePool", ["elu"], ["pooled_time"], ("kernel_shape", new long[] { 1, Pool }), ("strides", new long[] { 1, Pool }))
            .AddNode("Reshape", ["pooled_time", "token_shape"], ["features"])
            .AddNode("Transpose", ["features"], ["tokens"], ("perm", new long[] { 0, 2, 1 }))
            .AddNode("MatMul", ["tokens", "proj_W"], ["projected"])
            .AddNode("Add", ["projected", "proj_b"], ["shifted"])
            .AddNode("LayerNormalization", ["shifted", "ln_gamma", "ln_beta"], ["normalized"], ("axis", -1), ("epsilon", 1e-5f))
            .AddNode("ReduceMean", ["normalized"], ["pooled"], ("axes", new long[] { 1 }), ("keepdims", 0))
            .AddNode("Gemm", ["pooled", "head_W", "head_b"], ["logits"], ("transB", 1))
            .AddNode("Softmax", ["logits"], ["probabilities"], ("axis", -1))
            .AddOutput("probabilities", OnnxDim.Batch, Classes)
            .Build("EdgeBci.Tests");
    }

    /// <summary>EEG-like windows: per-channel oscillations of random frequency, phase and amplitude plus noise, so
    /// the network sees structured inputs whose class scores differ from window to window.</summary>
    private static List<float[]> Windows(Random random, int count)
    {
        var windows = new List<float[]>(count);
        for (var w = 0; w < count; w++)
        {
            var window = new float[WindowLength];
            for (var c = 0; c < Channels; c++)
            {
                var frequency = 0.05 + random.NextDouble() * 0.3;
                var phase = random.NextDouble() * 2 * Math.PI;
                var amplitude = 0.5 + random.NextDouble() * 1.5;
                for (var t = 0; t < Samples; t++)
                {
                    window[c * Samples + t] = (float)(amplitude * Math.Sin(frequency * t + phase) + 0.3 * Gaussian(random));
                }
            }

            windows.Add(window);
        }

        return windows;
    }

    /// <summary>
    /// Bounds for a quantised EEG network's probabilities. Measured: mean |Δp| ≈ 0.003, agreement ≈ 99 %, and a
    /// largest difference of ≈ 0.05–0.09 on the few held-out windows whose pooled features fall outside what the 100
    /// calibration windows showed, where the Gemm's input saturates (calibrating on the held-out windows themselves
    /// brings it to 0.03). Each uint8 step is ≈0.4 % of a tensor's range and four quantised layers add a few such
    /// steps to the logits, which moves a probability by about 1 %: the mean bound is five times what was measured,
    /// the max bound allows a saturated window, and a wrong scale, zero point or channel axis moves probabilities
    /// by 0.3 or more.
    /// </summary>
    private static void AssertClose(Closeness agreement)
    {
        Assert.That(agreement.MeanDifference, Is.LessThan(0.015f));
        Assert.That(agreement.MaxDifference, Is.LessThan(0.15f));
        Assert.That(agreement.ArgmaxAgreement, Is.GreaterThanOrEqualTo(0.98));
    }

    private static Closeness Compare(ModelProto reference, ModelProto candidate, IReadOnlyList<float[]> windows, GraphOptimizationLevel level)
    {
        var expected = Run(reference, windows, "probabilities", WindowShape, QdqArithmetic);
        var actual = Run(candidate, windows, "probabilities", WindowShape, level);
        var maxDifference = 0f;
        var sumDifference = 0.0;
        var agree = 0;
        for (var n = 0; n < windows.Count; n++)
        {
            var e = expected.AsSpan(n * Classes, Classes);
            var a = actual.AsSpan(n * Classes, Classes);
            for (var k = 0; k < Classes; k++)
            {
                var difference = Math.Abs(e[k] - a[k]);
                maxDifference = Math.Max(maxDifference, difference);
                sumDifference += difference;
            }

            agree += TensorPrimitives.IndexOfMax(e) == TensorPrimitives.IndexOfMax(a) ? 1 : 0;
        }

        return new Closeness((float)(sumDifference / expected.Length), maxDifference, (double)agree / windows.Count);
    }

    private static float MaxDifference(float[] expected, float[] actual) => expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();

    private static float[] Run(ModelProto model, IReadOnlyList<float[]> windows, string output, long[] windowShape, GraphOptimizationLevel level)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = level };
        using var session = new InferenceSession(OnnxModelWriter.ToBytes(model), options);
        using var runOptions = new RunOptions();
        var data = windows.SelectMany(w => w).ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(data, [windows.Count, .. windowShape]);
        using var results = session.Run(runOptions, [session.InputNames[0]], [input], [output]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static Dictionary<string, NodeProto> Producers(ModelProto model) =>
        model.Graph.Node.SelectMany(n => n.Output.Select(o => (o, n))).ToDictionary(p => p.o, p => p.n);

    private static TensorProto Initializer(ModelProto model, string name) => model.Graph.Initializer.Single(i => i.Name == name);

    private static float[] Floats(TensorProto tensor)
    {
        Assert.That(tensor.DataType, Is.EqualTo((int)TensorProto.Types.DataType.Float), tensor.Name);
        var bytes = tensor.RawData.Span;
        var values = new float[bytes.Length / 4];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
        }

        return values;
    }

    private static float[] MaxAbsPerChannel(float[] weights, long[] dims, int axis)
    {
        var maxAbs = new float[dims[axis]];
        for (var e = 0; e < weights.Length; e++)
        {
            var c = ChannelOf(e, dims, axis);
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(weights[e]));
        }

        return maxAbs;
    }

    private static int ChannelOf(int element, long[] dims, int axis)
    {
        long inner = 1;
        for (var d = axis + 1; d < dims.Length; d++)
        {
            inner *= dims[d];
        }

        return (int)(element / inner % dims[axis]);
    }

    /// <summary>Per-probability mean and largest |Δp| over a held-out set, and the fraction of windows whose most
    /// probable class is the same.</summary>
    private sealed record Closeness(float MeanDifference, float MaxDifference, double ArgmaxAgreement)
    {
        public override string ToString() =>
            $"mean |Δp| {MeanDifference:F4}, max |Δp| {MaxDifference:F4}, argmax agreement {ArgmaxAgreement:P2}";
    }

    private static float[] Uniform(Random random, int count, float amplitude)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (random.NextSingle() * 2 - 1) * amplitude;
        }

        return values;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
