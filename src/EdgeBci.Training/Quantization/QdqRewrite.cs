using EdgeBci.Training.Onnx.Protos;

namespace EdgeBci.Training.Quantization;

/// <summary>One Conv/MatMul/Gemm to quantise: where its activation, weight and optional bias are.</summary>
internal sealed record NodePlan(string Label, string Activation, string Output, string Weight, int Axis, string? Bias);

/// <summary>The analysis of one graph (what to quantise) and its rewrite into QDQ form.</summary>
internal sealed class QdqRewrite
{
    private static readonly string[] DefaultDomains = ["", "ai.onnx"];

    private readonly GraphProto _graph;
    private readonly StaticQuantizationOptions _options;
    private readonly Dictionary<string, TensorProto> _initializers;
    private readonly HashSet<string> _graphInputs;
    private readonly HashSet<string> _graphOutputs;
    private readonly HashSet<string> _floatInputOperators;
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<int, NodePlan> _plans = [];
    private readonly List<SkippedNode> _skipped = [];
    private readonly List<SkippedNode> _keptFloat = [];
    private readonly HashSet<NodeProto> _floatNodes = new(ReferenceEqualityComparer.Instance);
    private readonly List<string> _activationTensors = [];
    private readonly HashSet<string> _activationSet = new(StringComparer.Ordinal);
    private readonly List<QuantizedActivation> _activations = [];
    private readonly List<QuantizedWeight> _weights = [];

    public QdqRewrite(GraphProto graph, StaticQuantizationOptions options)
    {
        _graph = graph;
        _options = options;
        _initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        _graphInputs = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        _graphOutputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        _floatInputOperators = options.FloatInputOperatorTypes.ToHashSet(StringComparer.Ordinal);
        var quantizedOperators = options.OperatorTypes.ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            foreach (var name in node.Input.Where(i => i.Length > 0).Distinct(StringComparer.Ordinal))
            {
                if (!_consumers.TryGetValue(name, out var list))
                {
                    _consumers[name] = list = [];
                }

                list.Add(node);
            }
        }

        // The float nodes are found first: whether a quantised operator's output gets a QDQ pair depends on
        // whether a later consumer stays float.
        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (IsCandidate(node, quantizedOperators) &&
                options.FloatNodes.Reason(node, _initializers, _graphInputs) is { } floatReason)
            {
                _floatNodes.Add(node);
                _keptFloat.Add(new SkippedNode(Label(node, i), floatReason));
            }
        }

        for (var i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (!IsCandidate(node, quantizedOperators) || _floatNodes.Contains(node))
            {
                continue;
            }

            var label = Label(node, i);
            var reason = TryPlan(node, label, out var plan);
            if (plan is null)
            {
                _skipped.Add(new SkippedNode(label, reason!));
                continue;
            }

            _plans[i] = plan;
            AddActivation(plan.Activation);
            if (QuantizesOutput(plan.Output))
            {
                AddActivation(plan.Output);
            }
        }
    }

    /// <summary>The tensors to calibrate, in graph order.</summary>
    public IReadOnlyList<string> ActivationTensors => _activationTensors;

    public IReadOnlyList<QuantizedActivation> Activations => _activations;

    public IReadOnlyList<QuantizedWeight> Weights => _weights;

    public IReadOnlyList<SkippedNode> Skipped => _skipped;

    /// <summary>Nodes <see cref="StaticQuantizationOptions.FloatNodes"/> kept float, in graph order.</summary>
    public IReadOnlyList<SkippedNode> KeptFloat => _keptFloat;

    public int QuantizedNodeCount => _plans.Count;

    public GraphProto Apply(IReadOnlyDictionary<string, CalibratedRange> calibrated)
    {
        var names = new NameScope(_graph);
        var result = _graph.Clone();
        result.Node.Clear();
        var nodes = result.Node;
        var initializers = result.Initializer;
        var dequantized = new Dictionary<string, string>(StringComparer.Ordinal);
        var activationScales = new Dictionary<string, float>(StringComparer.Ordinal);
        var replaced = new HashSet<string>(StringComparer.Ordinal);

        void EmitQdq(string tensor)
        {
            var range = calibrated[tensor];
            var (scale, zeroPoint, rangeMin, rangeMax) =
                QuantizationMath.ActivationParameters(range.Low, range.High, _options.Activations);
            activationScales[tensor] = scale;
            _activations.Add(new QuantizedActivation(tensor, range.ObservedMin, range.ObservedMax, rangeMin, rangeMax, scale, zeroPoint));

            var scaleName = names.Take($"{tensor}_scale");
            var zeroPointName = names.Take($"{tensor}_zero_point");
            var quantizedName = names.Take($"{tensor}_quantized");
            var dequantizedName = names.Take($"{tensor}_dequantized");
            initializers.Add(InitializerData.Float(scaleName, [scale]));
            initializers.Add(_options.Activations == ActivationType.UInt8Asymmetric
                ? InitializerData.UInt8(zeroPointName, [(byte)zeroPoint])
                : InitializerData.Int8(zeroPointName, [(sbyte)zeroPoint]));
            nodes.Add(Node("QuantizeLinear", names.Take($"{tensor}_QuantizeLinear"), [tensor, scaleName, zeroPointName], quantizedName));
            nodes.Add(Node("DequantizeLinear", names.Take($"{tensor}_DequantizeLinear"), [quantizedName, scaleName, zeroPointName], dequantizedName));
            dequantized[tensor] = dequantizedName;
        }

        // The input's pair comes first; every other tensor's right after the node producing it, which keeps
        // the node list topologically sorted as ONNX requires.
        foreach (var tensor in _activationTensors.Where(_graphInputs.Contains))
        {
            EmitQdq(tensor);
        }

        for (var i = 0; i < _graph.Node.Count; i++)
        {
            var node = _graph.Node[i].Clone();
            if (_plans.TryGetValue(i, out var plan))
            {
                QuantizeWeights(plan, node, activationScales[plan.Activation], names, result, replaced);
            }

            // A node kept float reads float values: a QDQ pair there would only add rounding and two kernels.
            if (!_floatInputOperators.Contains(node.OpType) && !_floatNodes.Contains(_graph.Node[i]))
            {
                for (var j = 0; j < node.Input.Count; j++)
                {
                    if (dequantized.TryGetValue(node.Input[j], out var replacement))
                    {
                        node.Input[j] = replacement;
                    }
                }
            }

            nodes.Add(node);
            foreach (var output in node.Output.Where(o => _activationSet.Contains(o) && !dequantized.ContainsKey(o)))
            {
                EmitQdq(output);
            }
        }

        // A float weight also read elsewhere (another operator, a subgraph, a graph output) must stay.
        var stillRead = new HashSet<string>(StringComparer.Ordinal);
        CollectReads(result, stillRead);
        stillRead.UnionWith(_graphOutputs);
        var kept = initializers.Where(t => !replaced.Contains(t.Name) || stillRead.Contains(t.Name)).ToList();
        initializers.Clear();
        initializers.AddRange(kept);

        return result;
    }

    private string? TryPlan(NodeProto node, string label, out NodePlan? plan)
    {
        plan = null;
        if (node.Input.Count < 2 || node.Output.Count < 1 || node.Input[0].Length == 0 || node.Output[0].Length == 0)
        {
            return "it lacks an activation input, a weight input or an output";
        }

        var activation = node.Input[0];
        if (_initializers.ContainsKey(activation))
        {
            return $"its first input '{activation}' is an initializer, not an activation";
        }

        var weightName = node.Input[1];
        var problem = ConstantFloat(weightName, "weight");
        if (problem is not null)
        {
            return problem;
        }

        var weight = _initializers[weightName];
        int axis;
        switch (node.OpType)
        {
            case "Conv":
                if (weight.Dims.Count < 3)
                {
                    return $"its weight '{weightName}' has rank {weight.Dims.Count}, not the [M, C/group, k...] of a convolution";
                }

                axis = 0;
                break;
            case "MatMul":
                if (weight.Dims.Count != 2)
                {
                    return $"its weight '{weightName}' has rank {weight.Dims.Count}; only a 2-D [K, N] weight has per-column scales";
                }

                axis = 1;
                break;
            default: // Gemm
                if (weight.Dims.Count != 2)
                {
                    return $"its weight '{weightName}' has rank {weight.Dims.Count}, not 2";
                }

                axis = IntAttribute(node, "transB", 0) == 1 ? 0 : 1;
                break;
        }

        // A bias that is not a per-channel constant stays float: the model is still correct, ONNX Runtime just
        // cannot fuse the operator, which needs every input to come from a DequantizeLinear.
        string? bias = null;
        if (node.OpType != "MatMul" && node.Input.Count > 2 && node.Input[2].Length > 0 &&
            ConstantFloat(node.Input[2], "bias") is null)
        {
            var tensor = _initializers[node.Input[2]];
            if (tensor.Dims.Count == 1 && tensor.Dims[0] == weight.Dims[axis])
            {
                bias = node.Input[2];
            }
        }

        plan = new NodePlan(label, activation, node.Output[0], weightName, axis, bias);
        return null;
    }

    private string? ConstantFloat(string name, string role)
    {
        if (!_initializers.TryGetValue(name, out var tensor))
        {
            return $"its {role} '{name}' is computed, not an initializer";
        }

        if (_graphInputs.Contains(name))
        {
            return $"its {role} '{name}' is also a graph input, so it may be overridden at run time";
        }

        return tensor.DataType == (int)TensorProto.Types.DataType.Float
            ? null
            : $"its {role} '{name}' is {(TensorProto.Types.DataType)tensor.DataType}, not float";
    }

    private static bool IsCandidate(NodeProto node, HashSet<string> quantizedOperators) =>
        DefaultDomains.Contains(node.Domain) && quantizedOperators.Contains(node.OpType);

    private static string Label(NodeProto node, int index) => node.Name.Length > 0 ? node.Name : $"{node.OpType}#{index}";

    private bool QuantizesOutput(string output) =>
        !_graphOutputs.Contains(output) &&
        _consumers.TryGetValue(output, out var consumers) &&
        !consumers.Any(c => _floatInputOperators.Contains(c.OpType) || _floatNodes.Contains(c));

    private void AddActivation(string tensor)
    {
        if (_activationSet.Add(tensor))
        {
            _activationTensors.Add(tensor);
        }
    }

    private void QuantizeWeights(
        NodePlan plan, NodeProto node, float activationScale, NameScope names, GraphProto target, HashSet<string> replaced)
    {
        var weight = _initializers[plan.Weight];
        var dims = weight.Dims.ToArray();
        var values = InitializerData.ReadFloats(weight);
        var limit = _options.ReduceWeightRange ? QuantizationMath.ReducedWeightLimit : QuantizationMath.WeightLimit;
        var scales = QuantizationMath.SymmetricChannelScales(values, dims, plan.Axis, limit);

        // The bias goes first: a channel whose weights are tiny next to its bias has its weight scale raised so
        // the int32 bias fits, and the weights must then be quantised with that scale.
        (float[] Scales, int[] Quantized)? bias = null;
        if (plan.Bias is not null)
        {
            var biasValues = InitializerData.ReadFloats(_initializers[plan.Bias]);
            var beta = node.OpType == "Gemm" ? FloatAttribute(node, "beta", 1f) : 1f;
            if (beta != 1f)
            {
                // QGemm needs beta = 1, so beta is folded into the bias values.
                for (var c = 0; c < biasValues.Length; c++)
                {
                    biasValues[c] *= beta;
                }

                SetFloatAttribute(node, "beta", 1f);
            }

            bias = QuantizationMath.QuantizeBias(biasValues, activationScale, scales);
        }

        var quantized = QuantizationMath.QuantizeWeights(values, dims, plan.Axis, scales, limit);
        node.Input[1] = EmitDequantize(
            plan.Weight, InitializerData.Int8(names.Take($"{plan.Weight}_quantized"), quantized, dims),
            InitializerData.Int8(names.Take($"{plan.Weight}_zero_point"), new sbyte[scales.Length], scales.Length),
            scales, plan.Axis, names, target);
        replaced.Add(plan.Weight);
        _weights.Add(new QuantizedWeight(plan.Weight, plan.Label, plan.Axis, scales, IsBias: false));

        if (bias is { } b)
        {
            node.Input[2] = EmitDequantize(
                plan.Bias!, InitializerData.Int32(names.Take($"{plan.Bias}_quantized"), b.Quantized, b.Quantized.Length),
                InitializerData.Int32(names.Take($"{plan.Bias}_zero_point"), new int[b.Scales.Length], b.Scales.Length),
                b.Scales, 0, names, target);
            replaced.Add(plan.Bias!);
            _weights.Add(new QuantizedWeight(plan.Bias!, plan.Label, 0, b.Scales, IsBias: true));
        }
    }

    /// <summary>Adds the integer initializer, its per-channel scales and zero points, and the DequantizeLinear
    /// reading them; returns the name of the dequantised value.</summary>
    private static string EmitDequantize(
        string original, TensorProto quantized, TensorProto zeroPoint, float[] scales, int axis, NameScope names, GraphProto target)
    {
        var scaleName = names.Take($"{original}_scale");
        var output = names.Take($"{original}_dequantized");
        target.Initializer.Add(quantized);
        target.Initializer.Add(InitializerData.Float(scaleName, scales, scales.Length));
        target.Initializer.Add(zeroPoint);
        var node = Node("DequantizeLinear", names.Take($"{original}_DequantizeLinear"), [quantized.Name, scaleName, zeroPoint.Name], output);
        node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = axis });
        target.Node.Add(node);
        return output;
    }

    private static NodeProto Node(string opType, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = opType, Name = name, Domain = string.Empty };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static long IntAttribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.I : fallback;

    private static float FloatAttribute(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.F : fallback;

    private static void SetFloatAttribute(NodeProto node, string name, float value)
    {
        var attribute = node.Attribute.FirstOrDefault(a => a.Name == name);
        if (attribute is null)
        {
            attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float };
            node.Attribute.Add(attribute);
        }

        attribute.F = value;
    }

    private static void CollectReads(GraphProto graph, HashSet<string> reads)
    {
        foreach (var node in graph.Node)
        {
            reads.UnionWith(node.Input);
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null)
                {
                    CollectReads(attribute.G, reads);
                }

                foreach (var subgraph in attribute.Graphs)
                {
                    CollectReads(subgraph, reads);
                }
            }
        }
    }
}

/// <summary>Hands out value and node names not yet used anywhere in the graph (subgraphs included, as they may
/// read outer values by name).</summary>
internal sealed class NameScope
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public NameScope(GraphProto graph) => Collect(graph);

    public string Take(string preferred)
    {
        var name = preferred;
        for (var suffix = 1; !_used.Add(name); suffix++)
        {
            name = $"{preferred}_{suffix}";
        }

        return name;
    }

    private void Collect(GraphProto graph)
    {
        _used.UnionWith(graph.Input.Select(i => i.Name));
        _used.UnionWith(graph.Output.Select(o => o.Name));
        _used.UnionWith(graph.ValueInfo.Select(v => v.Name));
        _used.UnionWith(graph.Initializer.Select(i => i.Name));
        foreach (var node in graph.Node)
        {
            _used.Add(node.Name);
            _used.UnionWith(node.Input);
            _used.UnionWith(node.Output);
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null)
                {
                    Collect(attribute.G);
                }

                foreach (var subgraph in attribute.Graphs)
                {
                    Collect(subgraph);
                }
            }
        }
    }
}
