using EdgeBci.Training.Onnx;
using EdgeBci.Training.Onnx.Protos;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Training.Tests;

/// <summary>
/// The ONNX exporter's building blocks against ONNX Runtime itself: small graphs of the operators the exported
/// networks use (Gemm, Conv, LayerNormalization, ReduceMean, Reshape, Transpose, QuantizeLinear/DequantizeLinear)
/// are built with <see cref="OnnxGraphBuilder"/>, serialised, loaded and run by ORT, and compared with the same
/// computation written out in C# here. A field-number mistake in onnx.proto would make ORT reject or misread these
/// models, so passing them is also the check on the message definitions.
/// </summary>
public class OnnxExportTests
{
    private const int Batch = 3;
    private const float Tolerance = 1e-5f;
    private const float ConvTolerance = 1e-4f;

    // ---- Dense layers -------------------------------------------------------------------------------------------

    [Test]
    public void Gemm_relu_softmax_matches_the_reference_and_keeps_the_metadata()
    {
        const int features = 16;
        const int classes = 4;
        var random = new Random(1);
        var weights = Uniform(random, classes * features);
        var bias = Uniform(random, classes);
        var x = Uniform(random, Batch * features, 2f);
        var model = new OnnxGraphBuilder("dense")
            .AddInput("x", OnnxDim.Batch, features)
            .AddInitializer("W", weights, [classes, features])
            .AddInitializer("b", bias, [classes])
            .AddNode("Gemm", ["x", "W", "b"], ["logits"], ("transB", 1))
            .AddNode("Relu", ["logits"], ["hidden"])
            .AddNode("Softmax", ["hidden"], ["probabilities"], ("axis", -1))
            .AddOutput("probabilities", OnnxDim.Batch, classes)
            .Build("EdgeBci.Tests", metadata: new Dictionary<string, string> { ["classes"] = "left,right,feet,tongue", ["fs"] = "250" });

        var expected = new float[Batch * classes];
        for (var n = 0; n < Batch; n++)
        {
            var row = new double[classes];
            for (var k = 0; k < classes; k++)
            {
                double sum = bias[k];
                for (var f = 0; f < features; f++)
                {
                    sum += x[n * features + f] * weights[k * features + f];
                }

                row[k] = Math.Max(sum, 0);
            }

            var max = row.Max();
            var total = row.Sum(v => Math.Exp(v - max));
            for (var k = 0; k < classes; k++)
            {
                expected[n * classes + k] = (float)(Math.Exp(row[k] - max) / total);
            }
        }

        var bytes = OnnxModelWriter.ToBytes(model);
        var outputs = Run(bytes, ("x", x, [Batch, features]));

        Assert.That(outputs["probabilities"].Shape, Is.EqualTo(new long[] { Batch, classes }));
        Assert.That(outputs["probabilities"].Data, Is.EqualTo(expected).Within(Tolerance));
        using var session = new InferenceSession(bytes);
        Assert.That(session.ModelMetadata.ProducerName, Is.EqualTo("EdgeBci.Tests"));
        Assert.That(session.ModelMetadata.CustomMetadataMap["classes"], Is.EqualTo("left,right,feet,tongue"));
        Assert.That(session.ModelMetadata.CustomMetadataMap["fs"], Is.EqualTo("250"));
        Assert.That(session.InputMetadata["x"].Dimensions, Is.EqualTo(new[] { -1, features }));
        Assert.That(session.InputMetadata["x"].SymbolicDimensions[0], Is.EqualTo("batch"));
    }

    [Test]
    public void MatMul_add_layer_normalization_matches_the_reference()
    {
        const int tokens = 5;
        const int width = 8;
        const float epsilon = 1e-5f;
        var random = new Random(2);
        var weights = Uniform(random, width * width);
        var bias = Uniform(random, width);
        var gamma = Uniform(random, width);
        var beta = Uniform(random, width);
        var x = Uniform(random, Batch * tokens * width, 3f);
        var model = new OnnxGraphBuilder()
            .AddInput("x", OnnxDim.Batch, tokens, width)
            .AddInitializer("W", weights, [width, width])
            .AddInitializer("b", bias, [width])
            .AddInitializer("gamma", gamma, [width])
            .AddInitializer("beta", beta, [width])
            .AddNode("MatMul", ["x", "W"], ["projected"])
            .AddNode("Add", ["projected", "b"], ["shifted"])
            .AddNode("LayerNormalization", ["shifted", "gamma", "beta"], ["y"], ("axis", -1), ("epsilon", epsilon))
            .AddOutput("y", OnnxDim.Batch, tokens, width)
            .Build("EdgeBci.Tests");

        var expected = new float[x.Length];
        var row = new double[width];
        for (var r = 0; r < Batch * tokens; r++)
        {
            for (var j = 0; j < width; j++)
            {
                double sum = bias[j];
                for (var i = 0; i < width; i++)
                {
                    sum += x[r * width + i] * weights[i * width + j];
                }

                row[j] = sum;
            }

            var mean = row.Average();
            var variance = row.Sum(v => (v - mean) * (v - mean)) / width;
            for (var j = 0; j < width; j++)
            {
                expected[r * width + j] = (float)((row[j] - mean) / Math.Sqrt(variance + epsilon) * gamma[j] + beta[j]);
            }
        }

        var outputs = Run(OnnxModelWriter.ToBytes(model), ("x", x, [Batch, tokens, width]));

        Assert.That(outputs["y"].Shape, Is.EqualTo(new long[] { Batch, tokens, width }));
        Assert.That(outputs["y"].Data, Is.EqualTo(expected).Within(ConvTolerance));
    }

    // ---- Convolution --------------------------------------------------------------------------------------------

    [Test]
    public void Temporal_conv_with_a_1x5_kernel_and_same_padding_matches_the_reference()
    {
        const int channels = 8;
        const int samples = 50;
        const int filters = 4;
        const int kernel = 5;
        const int pad = kernel / 2;
        var random = new Random(3);
        var weights = Uniform(random, filters * kernel);
        var bias = Uniform(random, filters);
        var x = Uniform(random, Batch * channels * samples, 10f);
        var model = new OnnxGraphBuilder("temporal")
            .AddInput("x", OnnxDim.Batch, 1, channels, samples)
            .AddInitializer("W", weights, [filters, 1, 1, kernel])
            .AddInitializer("b", bias, [filters])
            .AddNode("Conv", ["x", "W", "b"], ["y"],
                ("kernel_shape", new long[] { 1, kernel }), ("pads", new long[] { 0, pad, 0, pad }), ("strides", new long[] { 1, 1 }))
            .AddOutput("y", OnnxDim.Batch, filters, channels, samples)
            .Build("EdgeBci.Tests");

        var expected = new float[Batch * filters * channels * samples];
        for (var n = 0; n < Batch; n++)
        {
            for (var f = 0; f < filters; f++)
            {
                for (var c = 0; c < channels; c++)
                {
                    for (var t = 0; t < samples; t++)
                    {
                        double sum = bias[f];
                        for (var k = 0; k < kernel; k++)
                        {
                            var s = t + k - pad;
                            if (s >= 0 && s < samples)
                            {
                                sum += weights[f * kernel + k] * x[(n * channels + c) * samples + s];
                            }
                        }

                        expected[((n * filters + f) * channels + c) * samples + t] = (float)sum;
                    }
                }
            }
        }

        var outputs = Run(OnnxModelWriter.ToBytes(model), ("x", x, [Batch, 1, channels, samples]));

        Assert.That(outputs["y"].Shape, Is.EqualTo(new long[] { Batch, filters, channels, samples }));
        Assert.That(outputs["y"].Data, Is.EqualTo(expected).Within(ConvTolerance));
    }

    // ---- Shape operators ----------------------------------------------------------------------------------------

    [Test]
    public void ReduceMean_over_axis_1_then_reshape_and_transpose_matches_the_reference()
    {
        const int rows = 4;
        const int columns = 6;
        var random = new Random(4);
        var x = Uniform(random, Batch * rows * columns, 5f);
        var model = new OnnxGraphBuilder()
            .AddInput("x", OnnxDim.Batch, rows, columns)
            .AddInt64Initializer("shape", [0, 2, 3], [3])
            .AddNode("ReduceMean", ["x"], ["mean"], ("axes", new long[] { 1 }), ("keepdims", 0))
            .AddNode("Reshape", ["mean", "shape"], ["grid"])
            .AddNode("Transpose", ["grid"], ["y"], ("perm", new long[] { 0, 2, 1 }))
            .AddOutput("mean", OnnxDim.Batch, columns)
            .AddOutput("y", OnnxDim.Batch, 3, 2)
            .Build("EdgeBci.Tests", opset: 17);

        var mean = new float[Batch * columns];
        for (var n = 0; n < Batch; n++)
        {
            for (var j = 0; j < columns; j++)
            {
                double sum = 0;
                for (var i = 0; i < rows; i++)
                {
                    sum += x[(n * rows + i) * columns + j];
                }

                mean[n * columns + j] = (float)(sum / rows);
            }
        }

        // mean[n] viewed as a 2×3 grid g[a, b] = mean[n, 3a + b]; the transpose y[n, b, a] = g[a, b].
        var expected = new float[Batch * 6];
        for (var n = 0; n < Batch; n++)
        {
            for (var b = 0; b < 3; b++)
            {
                for (var a = 0; a < 2; a++)
                {
                    expected[n * 6 + b * 2 + a] = mean[n * columns + a * 3 + b];
                }
            }
        }

        var outputs = Run(OnnxModelWriter.ToBytes(model), ("x", x, [Batch, rows, columns]));

        Assert.That(outputs["mean"].Shape, Is.EqualTo(new long[] { Batch, columns }));
        Assert.That(outputs["mean"].Data, Is.EqualTo(mean).Within(Tolerance));
        Assert.That(outputs["y"].Shape, Is.EqualTo(new long[] { Batch, 3, 2 }));
        Assert.That(outputs["y"].Data, Is.EqualTo(expected).Within(Tolerance));
    }

    // ---- Quantisation -------------------------------------------------------------------------------------------

    [Test]
    public void Per_channel_quantize_dequantize_pair_on_weights_feeding_matmul_matches_the_reference()
    {
        const int inputs = 6;
        const int units = 3;
        var random = new Random(5);
        var weights = Uniform(random, inputs * units);
        var scales = new float[units];
        for (var u = 0; u < units; u++)
        {
            var maxAbs = 0f;
            for (var i = 0; i < inputs; i++)
            {
                maxAbs = Math.Max(maxAbs, Math.Abs(weights[i * units + u]));
            }

            scales[u] = maxAbs / 127f;
        }

        var zeroPoints = new sbyte[units];
        var x = Uniform(random, Batch * inputs, 2f);
        var model = new OnnxGraphBuilder("qdq")
            .AddInput("x", OnnxDim.Batch, inputs)
            .AddInitializer("W", weights, [inputs, units])
            .AddInitializer("W_scale", scales, [units])
            .AddInt8Initializer("W_zero_point", zeroPoints, [units])
            .AddNode("QuantizeLinear", ["W", "W_scale", "W_zero_point"], ["W_quantized"], ("axis", 1))
            .AddNode("DequantizeLinear", ["W_quantized", "W_scale", "W_zero_point"], ["W_dequantized"], ("axis", 1))
            .AddNode("MatMul", ["x", "W_dequantized"], ["y"])
            .AddOutput("W_dequantized", inputs, units)
            .AddOutput("y", OnnxDim.Batch, units)
            .Build("EdgeBci.Tests");

        var dequantized = new float[weights.Length];
        for (var i = 0; i < inputs; i++)
        {
            for (var u = 0; u < units; u++)
            {
                dequantized[i * units + u] = Quantize(weights[i * units + u], scales[u], 0) * scales[u];
            }
        }

        var expected = MatMul(x, dequantized, Batch, inputs, units);
        var outputs = Run(OnnxModelWriter.ToBytes(model), ("x", x, [Batch, inputs]));

        Assert.That(outputs["W_dequantized"].Data, Is.EqualTo(dequantized).Within(1e-7f));
        Assert.That(outputs["y"].Shape, Is.EqualTo(new long[] { Batch, units }));
        Assert.That(outputs["y"].Data, Is.EqualTo(expected).Within(Tolerance));
        // The round trip is lossy but within half a quantisation step of each channel.
        for (var e = 0; e < weights.Length; e++)
        {
            Assert.That(dequantized[e], Is.EqualTo(weights[e]).Within(scales[e % units] / 2 + 1e-7f));
        }
    }

    [Test]
    public void Int8_weights_dequantized_per_channel_equal_scale_times_int8_and_feed_matmul_with_quantized_activations()
    {
        const int inputs = 6;
        const int units = 3;
        var random = new Random(6);
        var quantized = new sbyte[inputs * units];
        for (var e = 0; e < quantized.Length; e++)
        {
            quantized[e] = (sbyte)random.Next(-128, 128);
        }

        quantized[0] = sbyte.MinValue;
        quantized[1] = sbyte.MaxValue;
        float[] scales = [0.01f, 0.003f, 0.2f];
        const float activationScale = 0.02f;
        const sbyte activationZeroPoint = 3;
        var x = Uniform(random, Batch * inputs, 3f);
        x[0] = 100f; // saturates at 127
        x[1] = -100f; // saturates at −128
        var model = new OnnxGraphBuilder("int8")
            .AddInput("x", OnnxDim.Batch, inputs)
            .AddInitializer("x_scale", [activationScale], [])
            .AddInt8Initializer("x_zero_point", [activationZeroPoint], [])
            .AddInt8Initializer("W_int8", quantized, [inputs, units])
            .AddInitializer("W_scale", scales, [units])
            .AddInt8Initializer("W_zero_point", new sbyte[units], [units])
            .AddNode("QuantizeLinear", ["x", "x_scale", "x_zero_point"], ["x_quantized"])
            .AddNode("DequantizeLinear", ["x_quantized", "x_scale", "x_zero_point"], ["x_dequantized"])
            .AddNode("DequantizeLinear", ["W_int8", "W_scale", "W_zero_point"], ["W_dequantized"], ("axis", 1))
            .AddNode("MatMul", ["x_dequantized", "W_dequantized"], ["y"])
            .AddOutput("x_dequantized", OnnxDim.Batch, inputs)
            .AddOutput("W_dequantized", inputs, units)
            .AddOutput("y", OnnxDim.Batch, units)
            .Build("EdgeBci.Tests");

        var weights = new float[quantized.Length];
        for (var e = 0; e < quantized.Length; e++)
        {
            weights[e] = scales[e % units] * quantized[e];
        }

        var activations = new float[x.Length];
        for (var e = 0; e < x.Length; e++)
        {
            activations[e] = (Quantize(x[e], activationScale, activationZeroPoint) - activationZeroPoint) * activationScale;
        }

        var expected = MatMul(activations, weights, Batch, inputs, units);
        var outputs = Run(OnnxModelWriter.ToBytes(model), ("x", x, [Batch, inputs]));

        Assert.That(outputs["W_dequantized"].Shape, Is.EqualTo(new long[] { inputs, units }));
        Assert.That(outputs["W_dequantized"].Data, Is.EqualTo(weights));
        Assert.That(outputs["x_dequantized"].Data, Is.EqualTo(activations).Within(1e-6f));
        Assert.That(outputs["x_dequantized"].Data[0], Is.EqualTo((127 - activationZeroPoint) * activationScale).Within(1e-6f));
        Assert.That(outputs["x_dequantized"].Data[1], Is.EqualTo((-128 - activationZeroPoint) * activationScale).Within(1e-6f));
        Assert.That(outputs["y"].Data, Is.EqualTo(expected).Within(Tolerance));
    }

    // ---- Files and failures -------------------------------------------------------------------------------------

    [Test]
    public void A_saved_model_loads_from_its_path_and_parses_back_to_the_same_message()
    {
        var model = SmallModel();
        var directory = Path.Combine(Path.GetTempPath(), "edgebci-onnx-" + Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "relu.onnx");
        try
        {
            OnnxModelWriter.Save(model, path);

            Assert.That(File.ReadAllBytes(path), Is.EqualTo(OnnxModelWriter.ToBytes(model)));
            Assert.That(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)), Is.EqualTo(model));
            Assert.That(File.Exists(path + ".tmp"), Is.False);
            using var session = new InferenceSession(path);
            Assert.That(session.OutputMetadata.Keys, Is.EqualTo(new[] { "y" }));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void Model_and_graph_descriptions_reach_the_runtime_under_their_onnx_field_numbers()
    {
        var model = SmallModel();
        model.DocString = "CSP+LDA replacement";
        model.Domain = "org.edgebci";
        model.ModelVersion = 42;
        model.Graph.DocString = "relu only";
        model.Graph.Node[0].DocString = "node doc";
        model.Graph.Input[0].DocString = "input doc";

        using var session = new InferenceSession(OnnxModelWriter.ToBytes(model));
        var metadata = session.ModelMetadata;

        Assert.That(metadata.Description, Is.EqualTo("CSP+LDA replacement"));
        Assert.That(metadata.Domain, Is.EqualTo("org.edgebci"));
        Assert.That(metadata.Version, Is.EqualTo(42));
        Assert.That(metadata.GraphName, Is.EqualTo("main"));
        Assert.That(metadata.GraphDescription, Is.EqualTo("relu only"));
    }

    [Test]
    public void Initializers_are_written_as_little_endian_raw_data()
    {
        var model = new OnnxGraphBuilder()
            .AddInput("x", 2)
            .AddInitializer("f", [1f, -2.5f], [2])
            .AddInt64Initializer("l", [1, -2], [2])
            .AddInt8Initializer("q", [-1, 127], [2])
            .AddNode("Relu", ["x"], ["y"])
            .AddOutput("y", 2)
            .Build("EdgeBci.Tests");
        var tensors = model.Graph.Initializer.ToDictionary(t => t.Name);

        Assert.That(model.IrVersion, Is.EqualTo(8));
        Assert.That(model.OpsetImport.Single().Version, Is.EqualTo(17));
        Assert.That(tensors["f"].DataType, Is.EqualTo((int)TensorProto.Types.DataType.Float));
        Assert.That(tensors["f"].RawData.ToByteArray(), Is.EqualTo(new byte[] { 0, 0, 0x80, 0x3F, 0, 0, 0x20, 0xC0 }));
        Assert.That(tensors["l"].DataType, Is.EqualTo((int)TensorProto.Types.DataType.Int64));
        Assert.That(tensors["l"].RawData.ToByteArray(),
            Is.EqualTo(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }));
        Assert.That(tensors["q"].DataType, Is.EqualTo((int)TensorProto.Types.DataType.Int8));
        Assert.That(tensors["q"].RawData.ToByteArray(), Is.EqualTo(new byte[] { 0xFF, 0x7F }));
    }

    [Test]
    public void Onnx_runtime_rejects_a_corrupted_model()
    {
        var bytes = OnnxModelWriter.ToBytes(SmallModel());
        var garbage = new byte[bytes.Length];
        new Random(7).NextBytes(garbage);
        garbage[0] = 0xFF; // field 31 with the reserved wire type 7: never valid protobuf
        var truncated = bytes.AsSpan(0, bytes.Length / 2).ToArray();

        Assert.That(() => new InferenceSession(garbage), Throws.InstanceOf<OnnxRuntimeException>());
        Assert.That(() => new InferenceSession(truncated), Throws.InstanceOf<OnnxRuntimeException>());
        Assert.That(() => new InferenceSession(Array.Empty<byte>()), Throws.InstanceOf<OnnxRuntimeException>());
    }

    [Test]
    public void The_builder_rejects_miswired_graphs_before_the_runtime_sees_them()
    {
        Assert.That(() => new OnnxGraphBuilder().AddInput("x", 2).AddInput("x", 2), Throws.ArgumentException);
        Assert.That(() => new OnnxGraphBuilder().AddInitializer("W", [1f, 2f, 3f], [2, 2]), Throws.ArgumentException);
        Assert.That(() => new OnnxGraphBuilder().AddInput("x", 2).AddNode("Relu", ["x"], ["x"]), Throws.ArgumentException);
        Assert.That(() => new OnnxGraphBuilder().AddInput("x", 2).AddNode("Foo", ["x"], ["y"], ("bad", new object())),
            Throws.ArgumentException);
        Assert.That(() => new OnnxGraphBuilder().AddInput("x", 2).AddNode("Relu", ["missing"], ["y"]).AddOutput("y", 2).Build("t"),
            Throws.InvalidOperationException.With.Message.Contains("missing"));
        Assert.That(() => new OnnxGraphBuilder().AddInput("x", 2).AddOutput("y", 2).Build("t"),
            Throws.InvalidOperationException.With.Message.Contains("'y'"));
    }

    // ---- Helpers ------------------------------------------------------------------------------------------------

    private static ModelProto SmallModel() =>
        new OnnxGraphBuilder()
            .AddInput("x", OnnxDim.Batch, 4)
            .AddNode("Relu", ["x"], ["y"])
            .AddOutput("y", OnnxDim.Batch, 4)
            .Build("EdgeBci.Tests");

    private static Dictionary<string, (float[] Data, long[] Shape)> Run(byte[] model, params (string Name, float[] Data, long[] Shape)[] inputs)
    {
        using var session = new InferenceSession(model);
        using var runOptions = new RunOptions();
        var values = inputs.Select(i => OrtValue.CreateTensorValueFromMemory(i.Data, i.Shape)).ToArray();
        try
        {
            var outputNames = session.OutputNames;
            using var results = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), values, outputNames);
            var outputs = new Dictionary<string, (float[] Data, long[] Shape)>(StringComparer.Ordinal);
            var index = 0;
            foreach (var result in results)
            {
                outputs[outputNames[index++]] = (result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape);
            }

            return outputs;
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    // ONNX QuantizeLinear to int8: round half to even, add the zero point, saturate.
    private static int Quantize(float value, float scale, int zeroPoint) =>
        (int)Math.Clamp(MathF.Round(value / scale, MidpointRounding.ToEven) + zeroPoint, sbyte.MinValue, sbyte.MaxValue);

    private static float[] MatMul(float[] a, float[] b, int rows, int inner, int columns)
    {
        var c = new float[rows * columns];
        for (var r = 0; r < rows; r++)
        {
            for (var j = 0; j < columns; j++)
            {
                double sum = 0;
                for (var i = 0; i < inner; i++)
                {
                    sum += a[r * inner + i] * b[i * columns + j];
                }

                c[r * columns + j] = (float)sum;
            }
        }

        return c;
    }

    private static float[] Uniform(Random random, int count, float amplitude = 1f)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (random.NextSingle() * 2 - 1) * amplitude;
        }

        return values;
    }
}
