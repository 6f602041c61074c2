using System.Globalization;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Onnx.Protos;
using Google.Protobuf;

namespace EdgeBci.Decoding.Inference;

/// <summary>
/// The load-time half of "a model's output must be probabilities": reads the ONNX graph of a model and refuses it
/// unless its probabilities output is computed by a Softmax over the classes. The supervisor acts on the decoder's
/// numbers as probabilities (thresholds, evidence); logits, a rescaled softmax or a softmax over the batch would make
/// every one of those thresholds meaningless.
/// <para>
/// <b>What is accepted.</b> Walking back from the output, the first node that computes it must be, after at most a
/// chain of these shape-preserving, distribution-keeping steps:
/// <list type="bullet">
/// <item><c>Identity</c>;</item>
/// <item><c>Cast</c> to float;</item>
/// <item>a <c>DequantizeLinear</c> whose input comes straight from a <c>QuantizeLinear</c> with the same scale and
/// zero-point inputs (the same tensors by name), as a QDQ-quantized graph writes them;</item>
/// </list>
/// a <c>Softmax</c> of the default ONNX domain over the last axis: its <c>axis</c> attribute absent, 1 or -1. The
/// output is [batch, classes] (the classifier checked the shape before), and every accepted step keeps the shape, so
/// the Softmax's input is rank 2 and axis 1 is its last axis in every opset (before opset 13 the default axis 1
/// coerces to the same 2-D softmax). Anything else (another operator, another domain, an output that is a graph input
/// or a constant, a QDQ pair with two scales, a cast to another type) is refused, naming the node that produces the
/// output, its operator and the class count expected. What a QDQ pair's rounding does to the numbers is the run-time
/// check's job (<see cref="ProbabilityCheck"/>).
/// </para>
/// </summary>
public static class OutputGraphCheck
{
    /// <summary>The ONNX type code of float (TensorProto.DataType FLOAT), the only type a Cast may produce.</summary>
    private const long FloatType = (long)TensorProto.Types.DataType.Float;

    /// <summary>What the check accepts, for the messages.</summary>
    public const string Expected =
        "a Softmax over the last axis, followed at most by Identity, Cast to float or a QuantizeLinear/DequantizeLinear pair with one scale and zero point";

    /// <summary>Refuses the model unless <paramref name="output"/> is a Softmax over the classes (see the class summary).</summary>
    /// <param name="model">The bytes of the <c>.onnx</c> file.</param>
    /// <param name="path">The file, for the message.</param>
    /// <param name="output">The probabilities output's name (the manifest's <c>tensors.probabilities</c>).</param>
    /// <param name="classes">The class count, for the message.</param>
    /// <exception cref="ModelBundleException">The file is not an ONNX model, or the output is not a Softmax over the classes.</exception>
    public static void Check(byte[] model, string path, string output, int classes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        GraphProto graph;
        try
        {
            graph = ModelProto.Parser.ParseFrom(model).Graph
                ?? throw new ModelBundleException($"{path}: the ONNX model has no graph.");
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new ModelBundleException($"{path}: not a readable ONNX model: {exception.Message}", exception);
        }

        var producers = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var name in node.Output)
            {
                producers.TryAdd(name, node);
            }
        }

        var passed = new List<string>();
        var value = output;
        // A well-formed graph is acyclic; a malformed one must still not loop here.
        for (var steps = 0; steps <= graph.Node.Count; steps++)
        {
            if (!producers.TryGetValue(value, out var node))
            {
                throw Refused(path, output, classes, passed,
                    $"'{value}' is not computed by any node (a graph input or a constant)");
            }

            if (!IsDefaultDomain(node.Domain))
            {
                throw Refused(path, output, classes, passed, $"it comes from {Describe(node)} of domain '{node.Domain}'");
            }

            switch (node.OpType)
            {
                case "Softmax":
                    if (Attribute(node, "axis") is { } axis && axis is not (1 or -1))
                    {
                        throw Refused(path, output, classes, passed,
                            string.Create(CultureInfo.InvariantCulture, $"it comes from {Describe(node)} over axis {axis}, not over the classes (the last axis of [batch, {classes}])"));
                    }

                    return;
                case "Identity":
                    passed.Add(Describe(node));
                    value = Input(node, 0);
                    break;
                case "Cast":
                    if (Attribute(node, "to") != FloatType)
                    {
                        throw Refused(path, output, classes, passed, $"it comes from {Describe(node)} to ONNX type {Attribute(node, "to")?.ToString(CultureInfo.InvariantCulture) ?? "(none)"}, not to float");
                    }

                    passed.Add(Describe(node));
                    value = Input(node, 0);
                    break;
                case "DequantizeLinear":
                    var quantize = producers.GetValueOrDefault(Input(node, 0));
                    if (quantize is null || quantize.OpType != "QuantizeLinear" || !IsDefaultDomain(quantize.Domain) || !SameParameters(quantize, node))
                    {
                        throw Refused(path, output, classes, passed,
                            $"it comes from {Describe(node)}, which does not undo a QuantizeLinear with the same scale and zero point");
                    }

                    passed.Add(Describe(node));
                    passed.Add(Describe(quantize));
                    value = Input(quantize, 0);
                    break;
                default:
                    throw Refused(path, output, classes, passed, $"it comes from {Describe(node)}");
            }
        }

        throw Refused(path, output, classes, passed, "the nodes before it form a cycle");
    }

    private static ModelBundleException Refused(string path, string output, int classes, List<string> passed, string what)
    {
        var through = passed.Count == 0 ? string.Empty : $" (reached back through {string.Join(", ", passed)})";
        return new ModelBundleException(string.Create(CultureInfo.InvariantCulture,
            $"{path}: output '{output}' is not class probabilities: {what}{through}. The unit acts only on probabilities over the {classes} classes, " +
            $"so the model must end in {Expected}, giving [batch, {classes}]; refusing the model."));
    }

    private static string Describe(NodeProto node) =>
        node.Name is { Length: > 0 } name ? $"node '{name}' ({node.OpType})" : $"an unnamed {node.OpType} node";

    private static bool IsDefaultDomain(string domain) => domain is "" or "ai.onnx";

    private static long? Attribute(NodeProto node, string name)
    {
        foreach (var attribute in node.Attribute)
        {
            if (attribute.Name == name)
            {
                return attribute.I;
            }
        }

        return null;
    }

    // Scale and zero point are inputs 1 and 2; an omitted zero point is absent or "".
    private static bool SameParameters(NodeProto quantize, NodeProto dequantize) =>
        Input(quantize, 1) is { Length: > 0 } scale && scale == Input(dequantize, 1) && Input(quantize, 2) == Input(dequantize, 2);

    private static string Input(NodeProto node, int index) => index < node.Input.Count ? node.Input[index] : string.Empty;
}
