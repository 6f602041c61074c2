using EdgeBci.Training.Onnx.Protos;

namespace EdgeBci.Training.Quantization;

/// <summary>
/// Static (calibrated) int8 quantisation of a float ONNX model into QDQ form, the representation ONNX Runtime's
/// graph optimiser turns into integer kernels (DequantizeLinear→Conv→QuantizeLinear becomes QLinearConv,
/// →MatMul→ becomes QLinearMatMul, →Gemm→ becomes QGemm). It works on any <see cref="ModelProto"/> with one float
/// input whose first dimension is the batch, and needs default-domain opset 13 or later (per-axis scales).
/// <para>
/// <b>Weights.</b> Each Conv, MatMul and Gemm whose weight is a float initializer gets that weight as a symmetric
/// per-output-channel int8 initializer (zero point 0, scale max|w_c|/127, values −127..127; /64 and −64..64 with
/// <see cref="StaticQuantizationOptions.ReduceWeightRange"/>) read through a
/// DequantizeLinear with the channel <c>axis</c>: 0 for Conv's [M, C/g, kH, kW], 1 for MatMul's [K, N], and for Gemm
/// 0 if <c>transB</c> = 1 else 1. A Conv bias or a 1-D Gemm C becomes int32 with scale activation scale × weight scale
/// and zero point 0, the form QLinearConv and QGemm require. An operator whose weight is computed at run time is
/// left float and listed in <see cref="QuantizationReport.SkippedNodes"/>.
/// </para>
/// <para>
/// <b>Activations.</b> The input and output of every quantised operator get one QuantizeLinear→DequantizeLinear
/// pair per tensor, shared by all its consumers, with per-tensor parameters calibrated by running the float model in
/// ONNX Runtime. Two exceptions keep precision where it matters: graph outputs stay exactly as computed (so the
/// model is a drop-in replacement and its final values are not rounded to 256 levels), and operators listed in
/// <see cref="StaticQuantizationOptions.FloatInputOperatorTypes"/> (Softmax, LayerNormalization, ...) read the float
/// value, so a quantised operator feeding one keeps a float output. Every other operator (activation functions,
/// pooling, normalisation, Softmax, Tanh, reshapes) stays float: quantising them would save little time in these small
/// networks and costs accuracy, most of all where values are exponentiated or normalised.
/// </para>
/// <para>
/// <b>Per-node precision.</b> <see cref="StaticQuantizationOptions.FloatNodes"/> keeps chosen Conv/MatMul/Gemm nodes
/// float (by shape, name or pattern; an input transform such as the wearer's alignment always): such a node keeps its
/// float weights, reads float inputs, and a quantised operator feeding it keeps a float output, so no
/// quantize/dequantize pair is spent on its account. They are listed in <see cref="QuantizationReport.FloatNodes"/>.
/// </para>
/// </summary>
public static class OnnxStaticQuantizer
{
    /// <summary>QuantizeLinear/DequantizeLinear take per-axis scales (the <c>axis</c> attribute) from opset 13.</summary>
    public const int MinimumOpset = 13;

    /// <summary>
    /// Quantises <paramref name="model"/>, calibrating activation ranges on <paramref name="calibrationWindows"/>.
    /// The input model is not modified.
    /// </summary>
    /// <param name="model">A float model with one float graph input, batch first, opset ≥ 13.</param>
    /// <param name="calibrationWindows">Representative inputs, each a row-major window with the input's shape
    /// without the batch dimension (for [batch, 1, 4, 64], 256 values).</param>
    /// <param name="options">Calibration and type settings; null for the defaults.</param>
    /// <exception cref="ArgumentException">The calibration set is empty, a window has the wrong length (the message
    /// names the expected shape), the model has no graph, not exactly one input, or an opset below 13, or the
    /// options are invalid.</exception>
    /// <exception cref="NotSupportedException">The input is not float or has symbolic dimensions besides the batch.</exception>
    /// <exception cref="InvalidOperationException">A calibrated tensor took a non-finite value.</exception>
    public static StaticQuantizationResult Quantize(
        ModelProto model, IReadOnlyList<float[]> calibrationWindows, StaticQuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibrationWindows);
        options ??= new StaticQuantizationOptions();
        options.Validate();
        var graph = model.Graph ?? throw new ArgumentException("The model has no graph.", nameof(model));
        CheckOpset(model);
        var input = ResolveInput(graph);
        ValidateWindows(calibrationWindows, input);

        var rewrite = new QdqRewrite(graph, options);
        var calibrated = rewrite.ActivationTensors.Count == 0
            ? new Dictionary<string, CalibratedRange>(StringComparer.Ordinal)
            : ActivationCalibrator.Calibrate(model, input, rewrite.ActivationTensors, calibrationWindows, options);
        var quantized = model.Clone();
        quantized.Graph = rewrite.Apply(calibrated);

        var report = new QuantizationReport(
            rewrite.Activations,
            rewrite.Weights,
            rewrite.QuantizedNodeCount,
            rewrite.Skipped,
            model.CalculateSize(),
            quantized.CalculateSize())
        {
            FloatNodes = rewrite.KeptFloat,
        };
        return new StaticQuantizationResult(quantized, report);
    }

    private static void CheckOpset(ModelProto model)
    {
        var opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
        if (opset is null || opset.Version < MinimumOpset)
        {
            throw new ArgumentException(
                $"The model imports ONNX opset {opset?.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"}; " +
                $"per-channel QuantizeLinear/DequantizeLinear need opset {MinimumOpset} or later.", nameof(model));
        }
    }

    private static ModelInput ResolveInput(GraphProto graph)
    {
        // Before IR 4 initializers were also listed as inputs; those are weights, not what calibration feeds.
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
        {
            throw new ArgumentException(
                $"The model has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); " +
                "static quantisation supports exactly one float input.", "model");
        }

        var input = inputs[0];
        var tensorType = input.Type?.TensorType;
        if (tensorType is null || tensorType.ElemType != (int)TensorProto.Types.DataType.Float)
        {
            throw new NotSupportedException($"Input '{input.Name}' is not a float tensor; calibration feeds float windows.");
        }

        var dims = tensorType.Shape?.Dim;
        if (dims is null || dims.Count == 0)
        {
            throw new NotSupportedException(
                $"Input '{input.Name}' has no declared shape; calibration needs [batch, ...] with fixed dimensions after the batch.");
        }

        long? fixedBatch = dims[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[0].DimValue > 0
            ? dims[0].DimValue
            : null;
        var window = new long[dims.Count - 1];
        for (var d = 1; d < dims.Count; d++)
        {
            if (dims[d].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || dims[d].DimValue <= 0)
            {
                throw new NotSupportedException(
                    $"Dimension {d} of input '{input.Name}' is not a fixed size ('{dims[d]}'); only the batch dimension may be symbolic.");
            }

            window[d - 1] = dims[d].DimValue;
        }

        return new ModelInput(input.Name, fixedBatch, window);
    }

    private static void ValidateWindows(IReadOnlyList<float[]> windows, ModelInput input)
    {
        if (windows.Count == 0)
        {
            throw new ArgumentException(
                $"The calibration set is empty; input '{input.Name}' needs at least one window of shape {input.WindowShape}.",
                "calibrationWindows");
        }

        for (var i = 0; i < windows.Count; i++)
        {
            var window = windows[i] ?? throw new ArgumentException(
                $"Calibration window {i} is null; input '{input.Name}' expects windows of shape {input.WindowShape}.", "calibrationWindows");
            if (window.Length != input.WindowLength)
            {
                throw new ArgumentException(
                    $"Calibration window {i} has {window.Length} values; input '{input.Name}' expects windows of shape {input.WindowShape}.",
                    "calibrationWindows");
            }
        }

        if (input.FixedBatch is { } batch && windows.Count % batch != 0)
        {
            throw new ArgumentException(
                $"Input '{input.Name}' has a fixed batch of {batch}, so the number of calibration windows must be a multiple of it " +
                $"(got {windows.Count}).", "calibrationWindows");
        }
    }
}
