using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Onnx.Protos;

namespace EdgeBci.Tests.Shared;

/// <summary>
/// Small ONNX models with a decoder's interface, input "eeg" float [batch, channels, samples] and output
/// "probabilities" float [batch, 2], each right or wrong in one way, written with the trainer's graph builder. They
/// all compute the same two logits, from the mean of every channel over the window: class 0 gets
/// <c>+Gain·Σ means</c>, class 1 <c>−Gain·Σ means</c> (node "classifier", MatMul). A window of zeros (the warm-up
/// window) gives equal logits, hence [0.5, 0.5]; a window whose channels average +20 µV on 8 channels gives
/// [1, ~1e-7], one averaging −20 µV the reverse.
/// </summary>
internal static class OnnxTestModels
{
    public const string Input = "eeg";
    public const string Output = "probabilities";
    public const float Gain = 0.05f;

    /// <summary>Softmax over the classes: what every decoder must end in.</summary>
    public static byte[] Softmax(int channels, int samples) =>
        Build(Logits(channels, samples).AddNamedNode("output", "Softmax", ["logits"], [Output], ("axis", -1)));

    /// <summary>The logits themselves as the output: no Softmax at all.</summary>
    public static byte[] LogitsOnly(int channels, int samples) => Build(Logits(channels, samples, Output));

    /// <summary>A Softmax multiplied by 2 (node "scale", Mul): [0..2], summing to 2.</summary>
    public static byte[] ScaledSoftmax(int channels, int samples) =>
        Build(Logits(channels, samples)
            .AddNamedNode("softmax", "Softmax", ["logits"], ["p"], ("axis", -1))
            .AddInitializer("two", [2f], [])
            .AddNamedNode("scale", "Mul", ["p", "two"], [Output]));

    /// <summary>A Softmax over the batch axis (axis 0) instead of the classes.</summary>
    public static byte[] SoftmaxOverBatch(int channels, int samples) =>
        Build(Logits(channels, samples).AddNamedNode("output", "Softmax", ["logits"], [Output], ("axis", 0)));

    /// <summary>A Softmax (default axis) followed by an Identity and a Cast to float: still a distribution.</summary>
    public static byte[] SoftmaxThroughIdentityAndCast(int channels, int samples) =>
        Build(Logits(channels, samples)
            .AddNamedNode("softmax", "Softmax", ["logits"], ["p"])
            .AddNamedNode("copy", "Identity", ["p"], ["p2"])
            .AddNamedNode("to_float", "Cast", ["p2"], [Output], ("to", (long)TensorProto.Types.DataType.Float)));

    /// <summary>
    /// A Softmax re-quantized to int8 by a QuantizeLinear/DequantizeLinear pair sharing one <paramref name="scale"/> and
    /// zero point 0, so values above 127·scale saturate there. At 1/126 it is the rounding of an 8-bit output (two
    /// classes still sum to 1, 0.5 is exactly 63 steps); at 0.5/127 a confident window's probabilities sum to about
    /// 0.5 while the warm-up window's [0.5, 0.5] is untouched; at 0.25/127 even the warm-up window sums to 0.5.
    /// </summary>
    public static byte[] SoftmaxThroughQdq(int channels, int samples, float scale) =>
        Build(Logits(channels, samples)
            .AddNamedNode("softmax", "Softmax", ["logits"], ["p"], ("axis", -1))
            .AddInitializer("p_scale", [scale], [])
            .AddInt8Initializer("p_zero_point", [0], [])
            .AddNamedNode("p_QuantizeLinear", "QuantizeLinear", ["p", "p_scale", "p_zero_point"], ["p_quantized"])
            .AddNamedNode("p_DequantizeLinear", "DequantizeLinear", ["p_quantized", "p_scale", "p_zero_point"], [Output]));

    /// <summary>A QuantizeLinear/DequantizeLinear pair with two different scales: it rescales the distribution.</summary>
    public static byte[] SoftmaxThroughQdqWithTwoScales(int channels, int samples) =>
        Build(Logits(channels, samples)
            .AddNamedNode("softmax", "Softmax", ["logits"], ["p"], ("axis", -1))
            .AddInitializer("q_scale", [1f / 127f], [])
            .AddInitializer("dq_scale", [2f / 127f], [])
            .AddInt8Initializer("p_zero_point", [0], [])
            .AddNamedNode("p_QuantizeLinear", "QuantizeLinear", ["p", "q_scale", "p_zero_point"], ["p_quantized"])
            .AddNamedNode("p_DequantizeLinear", "DequantizeLinear", ["p_quantized", "dq_scale", "p_zero_point"], [Output]));

    /// <summary>
    /// A Softmax of the logits' square roots: passes every structural check and the warm-up window (√0 = 0), but the
    /// negative logit of any window whose channels do not average zero makes it NaN.
    /// </summary>
    public static byte[] NaNUnlessZero(int channels, int samples) =>
        Build(Logits(channels, samples)
            .AddNamedNode("root", "Sqrt", ["logits"], ["roots"])
            .AddNamedNode("output", "Softmax", ["roots"], [Output], ("axis", -1)));

    /// <summary>
    /// Loads in ONNX Runtime but fails on every run: the classes are gathered from the channel means at indices 0 and
    /// <paramref name="channels"/>, one past the last, which ONNX Runtime finds only when it runs the graph.
    /// </summary>
    public static byte[] FailsWhenRun(int channels, int samples) =>
        Build(new OnnxGraphBuilder("fails-when-run")
            .AddInput(Input, OnnxDim.Batch, channels, samples)
            .AddNamedNode("mean", "ReduceMean", [Input], ["means"], ("axes", new long[] { 2 }), ("keepdims", 0L))
            .AddInt64Initializer("classes", [0, channels], [2])
            .AddNamedNode("gather", "Gather", ["means", "classes"], ["logits"], ("axis", 1L))
            .AddNamedNode("output", "Softmax", ["logits"], [Output], ("axis", -1)));

    /// <summary>
    /// Writes a bundle at <paramref name="folder"/> with <paramref name="like"/>'s manifest (channels, rate, window,
    /// classes, chain), another id and version, and <paramref name="model"/> as both its int8 and fp32 model.
    /// </summary>
    public static ModelManifest WriteBundle(string folder, ModelManifest like, byte[] model, string modelId, string modelVersion) =>
        ModelBundle.Write(folder, like with { ModelId = modelId, ModelVersion = modelVersion, Tensors = new ModelTensors(Input, Output, null) },
            new Dictionary<string, byte[]>(StringComparer.Ordinal)
            {
                [ModelManifest.Int8ModelFile] = model,
                [ModelManifest.Fp32ModelFile] = model,
            });

    private static OnnxGraphBuilder Logits(int channels, int samples, string logits = "logits")
    {
        var weights = new float[channels * 2];
        for (var c = 0; c < channels; c++)
        {
            weights[2 * c] = Gain;
            weights[(2 * c) + 1] = -Gain;
        }

        return new OnnxGraphBuilder("test-model")
            .AddInput(Input, OnnxDim.Batch, channels, samples)
            .AddNamedNode("mean", "ReduceMean", [Input], ["means"], ("axes", new long[] { 2 }), ("keepdims", 0L))
            .AddInitializer("weights", weights, [channels, 2])
            .AddNamedNode("classifier", "MatMul", ["means", "weights"], [logits]);
    }

    private static byte[] Build(OnnxGraphBuilder builder) =>
        OnnxModelWriter.ToBytes(builder.AddOutput(Output, OnnxDim.Batch, 2).Build("edgebci-tests"));
}
