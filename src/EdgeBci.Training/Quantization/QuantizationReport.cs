using EdgeBci.Training.Onnx.Protos;

namespace EdgeBci.Training.Quantization;

/// <summary>The quantised model and what was done to produce it.</summary>
/// <param name="Model">The QDQ model: same graph inputs and outputs (names, types, shapes) as the float model.</param>
/// <param name="Report">Per-tensor parameters, counts and sizes.</param>
public sealed record StaticQuantizationResult(ModelProto Model, QuantizationReport Report);

/// <summary>What <see cref="OnnxStaticQuantizer"/> quantised, with which parameters, and what it left alone.</summary>
/// <param name="Activations">Every activation tensor given a QuantizeLinear→DequantizeLinear pair, in graph order.</param>
/// <param name="Weights">Every weight and bias initializer replaced by an integer one, in graph order.</param>
/// <param name="QuantizedNodeCount">Operators whose weight (and bias) now come from DequantizeLinear.</param>
/// <param name="SkippedNodes">Operators of a requested type that could not be quantised, with the reason.</param>
/// <param name="Float32ModelBytes">Serialised size of the input model.</param>
/// <param name="QuantizedModelBytes">Serialised size of the quantised model.</param>
public sealed record QuantizationReport(
    IReadOnlyList<QuantizedActivation> Activations,
    IReadOnlyList<QuantizedWeight> Weights,
    int QuantizedNodeCount,
    IReadOnlyList<SkippedNode> SkippedNodes,
    long Float32ModelBytes,
    long QuantizedModelBytes)
{
    /// <summary>Operators <see cref="StaticQuantizationOptions.FloatNodes"/> kept in float although they could be
    /// quantised, with the part of the rule that kept each, in graph order (what the manifest's <c>floatNodes</c> lists).</summary>
    public IReadOnlyList<SkippedNode> FloatNodes { get; init; } = [];

    /// <summary>Weight initializers quantised to int8 (biases not counted).</summary>
    public int QuantizedWeightCount => Weights.Count(w => !w.IsBias);

    /// <summary>Bias initializers quantised to int32.</summary>
    public int QuantizedBiasCount => Weights.Count(w => w.IsBias);
}

/// <summary>One activation tensor's calibration and quantisation parameters.</summary>
/// <param name="Name">The float tensor's name in the model.</param>
/// <param name="ObservedMin">Smallest value seen during calibration (for tensors after the graph input, with the
/// input already clipped to its own range, as the quantised model will clip it).</param>
/// <param name="ObservedMax">Largest value seen during calibration (same remark).</param>
/// <param name="RangeMin">Lower end of the range the scale covers (after percentile clipping; never above 0).</param>
/// <param name="RangeMax">Upper end of the range the scale covers (after percentile clipping; never below 0).</param>
/// <param name="Scale">QuantizeLinear scale.</param>
/// <param name="ZeroPoint">QuantizeLinear zero point (0 for symmetric int8).</param>
public sealed record QuantizedActivation(
    string Name, float ObservedMin, float ObservedMax, float RangeMin, float RangeMax, float Scale, int ZeroPoint);

/// <summary>One weight (int8, symmetric per channel) or bias (int32) initializer of a quantised operator.</summary>
/// <param name="Name">The float initializer's name in the input model.</param>
/// <param name="NodeName">The operator it belongs to.</param>
/// <param name="Axis">The channel axis the scales run along (DequantizeLinear's <c>axis</c>).</param>
/// <param name="Scales">One scale per channel; every zero point is 0.</param>
/// <param name="IsBias">True for an int32 bias, whose scales are activation scale × weight scale.</param>
public sealed record QuantizedWeight(string Name, string NodeName, int Axis, IReadOnlyList<float> Scales, bool IsBias);

/// <summary>An operator of a requested type that stays float (it cannot be quantised, or the float-node rule keeps it).</summary>
/// <param name="NodeName">The node's name (or its op type and index when unnamed).</param>
/// <param name="Reason">Why, for example a weight that is computed rather than an initializer.</param>
public sealed record SkippedNode(string NodeName, string Reason);
