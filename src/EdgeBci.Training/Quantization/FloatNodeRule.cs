using System.Globalization;
using System.Text.RegularExpressions;
using EdgeBci.Training.Onnx.Protos;

namespace EdgeBci.Training.Quantization;

/// <summary>Nodes of one operator type whose name matches a regular expression (for example Conv, "^temporal").</summary>
/// <param name="OpType">The operator type, exactly (Conv, MatMul or Gemm).</param>
/// <param name="NamePattern">A .NET regular expression matched anywhere in the node's name ("." matches every node).</param>
public sealed record NodePattern(string OpType, string NamePattern)
{
    /// <summary>Parses "OpType:regex", the form <c>--float-nodes</c> takes.</summary>
    /// <exception cref="ArgumentException">No colon, an empty operator type, or an invalid regular expression (named).</exception>
    public static NodePattern Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new ArgumentException($"Node pattern '{text}': write OpType:regex, for example Conv:^temporal or MatMul:attention.", nameof(text));
        }

        var pattern = new NodePattern(text[..colon].Trim(), text[(colon + 1)..]);
        pattern.Validate();
        return pattern;
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(OpType))
        {
            throw new ArgumentException($"Node pattern '{OpType}:{NamePattern}' has no operator type.", nameof(OpType));
        }

        ArgumentNullException.ThrowIfNull(NamePattern, nameof(NamePattern));
        try
        {
            _ = new Regex(NamePattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"Node pattern '{OpType}:{NamePattern}': the name pattern is not a valid regular expression ({exception.Message}).",
                nameof(NamePattern), exception);
        }
    }

    internal bool Matches(NodeProto node) =>
        string.Equals(node.OpType, OpType, StringComparison.Ordinal) &&
        Regex.IsMatch(node.Name, NamePattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    public override string ToString() => $"{OpType}:{NamePattern}";
}

/// <summary>
/// Which Conv/MatMul/Gemm nodes <see cref="OnnxStaticQuantizer"/> leaves in float although it could quantise them.
/// The rule looks at the graph (operator, weight shape, where the inputs come from), not at today's node names, so a
/// retrained or reshaped model gets the same treatment; <see cref="Names"/> and <see cref="Patterns"/> add nodes by
/// name for experiments and ablations.
/// <para>
/// One part of the rule always applies: an <b>input transform</b>, a MatMul or Gemm whose first input is a float
/// initializer and whose second is the graph input (the per-wearer alignment matrix applied to the raw window), stays
/// float and reads the float input. Quantising it would round the window to 256 levels before the network sees it,
/// and the int8 and fp32 models would then disagree about the very thing the alignment is there to fix.
/// </para>
/// </summary>
public sealed record FloatNodeRule
{
    /// <summary>Only input transforms stay float: every other quantisable node is quantised.</summary>
    public static FloatNodeRule InputTransformsOnly { get; } = new();

    /// <summary>
    /// A Conv whose weight has at most this many input channels per group (dimension 1 of [M, C/group, k...]) stays
    /// float; 0 quantises every Conv. With one input channel per group a convolution does only kernel-size
    /// multiplications per output value, too few for ONNX Runtime's QLinearConv to win back the cost of quantising
    /// its input and requantising its output (measured on the decoder's temporal and depthwise spatial convolutions
    /// with <c>EdgeBci.Benchmarks -- int8</c>: quantising either alone makes the window 1.1–1.2× and 2.1–2.6× as slow as fp32 on x86).
    /// </summary>
    public int ConvMaxInputChannelsPerGroup { get; init; }

    /// <summary>
    /// A MatMul or Gemm whose weight has at most this many rows (the reduction length K of a [K, N] MatMul weight or of
    /// a Gemm's B) stays float; 0 quantises them all. Small reductions make the same trade as small convolutions
    /// (<c>EdgeBci.Benchmarks -- int8-sweep</c>: on x86 a [62, K]·[K, K] MatMul is 1.1–1.7× slower in int8 up to K = 64 and
    /// faster from K = 128).
    /// </summary>
    public int MatMulMaxReductionLength { get; init; }

    /// <summary>Nodes kept float by exact name.</summary>
    public IReadOnlyCollection<string> Names { get; init; } = [];

    /// <summary>Nodes kept float by operator type and name pattern.</summary>
    public IReadOnlyList<NodePattern> Patterns { get; init; } = [];

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ConvMaxInputChannelsPerGroup, nameof(ConvMaxInputChannelsPerGroup));
        ArgumentOutOfRangeException.ThrowIfNegative(MatMulMaxReductionLength, nameof(MatMulMaxReductionLength));
        ArgumentNullException.ThrowIfNull(Names, nameof(Names));
        ArgumentNullException.ThrowIfNull(Patterns, nameof(Patterns));
        foreach (var pattern in Patterns)
        {
            ArgumentNullException.ThrowIfNull(pattern, nameof(Patterns));
            pattern.Validate();
        }
    }

    /// <summary>
    /// Why <paramref name="node"/> stays float, or null when the rule lets it be quantised. The node is one the
    /// quantiser was asked to consider (a Conv, MatMul or Gemm of the default domain).
    /// </summary>
    internal string? Reason(NodeProto node, IReadOnlyDictionary<string, TensorProto> initializers, IReadOnlySet<string> graphInputs)
    {
        if (node.OpType is "MatMul" or "Gemm" && node.Input.Count >= 2 &&
            initializers.TryGetValue(node.Input[0], out var constant) && constant.DataType == (int)TensorProto.Types.DataType.Float &&
            !graphInputs.Contains(node.Input[0]) && graphInputs.Contains(node.Input[1]))
        {
            return $"an input transform: the constant '{node.Input[0]}' applied to the graph input '{node.Input[1]}' stays float, " +
                "so int8 and fp32 feed the network the same values";
        }

        if (Names.Contains(node.Name))
        {
            return "named in the float-node list";
        }

        foreach (var pattern in Patterns)
        {
            if (pattern.Matches(node))
            {
                return $"matches the float-node pattern {pattern}";
            }
        }

        if (node.Input.Count < 2 || !initializers.TryGetValue(node.Input[1], out var weight))
        {
            return null;
        }

        if (node.OpType == "Conv" && ConvMaxInputChannelsPerGroup > 0 && weight.Dims.Count >= 3 &&
            weight.Dims[1] <= ConvMaxInputChannelsPerGroup)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"a Conv with {weight.Dims[1]} input channel(s) per group (at most {ConvMaxInputChannelsPerGroup} stay float)");
        }

        if (node.OpType is "MatMul" or "Gemm" && MatMulMaxReductionLength > 0 && weight.Dims.Count == 2)
        {
            var transposed = node.OpType == "Gemm" && node.Attribute.Any(a => a.Name == "transB" && a.I == 1);
            var reduction = transposed ? weight.Dims[1] : weight.Dims[0];
            if (reduction <= MatMulMaxReductionLength)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"a {node.OpType} reducing over {reduction} values (at most {MatMulMaxReductionLength} stay float)");
            }
        }

        return null;
    }
}
