using System.Buffers.Binary;
using System.Text;
using EdgeBci.Training.Onnx.Protos;
using Google.Protobuf;

namespace EdgeBci.Training.Onnx;

/// <summary>
/// Fluent helper that assembles an ONNX graph (inputs, outputs, weights and operator nodes) and wraps it in a
/// <see cref="ModelProto"/> that ONNX Runtime loads.
/// <para>
/// <b>Tensors.</b> Initializers are stored row-major in <c>raw_data</c> as little-endian fixed-width values, whatever
/// the byte order of the machine that exports, which is the compact form ONNX tools produce themselves.
/// </para>
/// <para>
/// <b>Checks.</b> Names are checked as they are added (no value may be defined twice, an initializer's data must fill
/// its shape) and <see cref="Build"/> checks the wiring: ONNX requires nodes in topological order, so every node
/// input must be a graph input, an initializer or the output of an earlier node, and every graph output must be
/// produced. A mistake therefore fails here, with the name at fault, rather than later as a runtime load error.
/// </para>
/// <para>
/// Not thread-safe. <see cref="Build"/> copies the graph, so the builder can be built again or extended afterwards.
/// </para>
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>ONNX IR version written by <see cref="Build"/>: IR 8 is the one released with opset 17.</summary>
    public const long IrVersion = 8;

    public const int DefaultOpset = 17;

    private readonly GraphProto _graph;

    // Every value name defined so far (inputs, initializers, node outputs), to reject duplicates.
    private readonly HashSet<string> _defined = new(StringComparer.Ordinal);

    // Every node name used so far: ONNX tools (viewers, quantizers' exclusion lists) address nodes by name.
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);

    /// <param name="graphName">Name of the graph, shown by model viewers.</param>
    public OnnxGraphBuilder(string graphName = "main")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graph = new GraphProto { Name = graphName };
    }

    /// <summary>Adds a float graph input; dimensions may be fixed or symbolic (for example <see cref="OnnxDim.Batch"/>).</summary>
    public OnnxGraphBuilder AddInput(string name, params OnnxDim[] dims) =>
        AddInput(name, TensorProto.Types.DataType.Float, dims);

    /// <summary>Adds a graph input of the given element type.</summary>
    /// <exception cref="ArgumentException">The name is empty or already defined.</exception>
    public OnnxGraphBuilder AddInput(string name, TensorProto.Types.DataType elementType, params OnnxDim[] dims)
    {
        Define(name);
        _graph.Input.Add(ValueInfo(name, elementType, dims));
        return this;
    }

    /// <summary>Adds a float graph output: the value of that name, produced by some node, is returned by the model.</summary>
    public OnnxGraphBuilder AddOutput(string name, params OnnxDim[] dims) =>
        AddOutput(name, TensorProto.Types.DataType.Float, dims);

    /// <summary>Adds a graph output of the given element type.</summary>
    /// <exception cref="ArgumentException">The name is empty or already an output.</exception>
    public OnnxGraphBuilder AddOutput(string name, TensorProto.Types.DataType elementType, params OnnxDim[] dims)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_graph.Output.Any(o => o.Name == name))
        {
            throw new ArgumentException($"'{name}' is already a graph output.", nameof(name));
        }

        _graph.Output.Add(ValueInfo(name, elementType, dims));
        return this;
    }

    /// <summary>Adds a constant float tensor (a weight), row-major in <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty or already defined, or the data do not fill the shape.</exception>
    public OnnxGraphBuilder AddInitializer(string name, float[] data, long[] dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        var bytes = new byte[data.Length * sizeof(float)];
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), data[i]);
        }

        return AddRawInitializer(name, TensorProto.Types.DataType.Float, data.Length, dims, bytes);
    }

    /// <summary>Adds a constant int64 tensor, such as the target shape of a Reshape.</summary>
    /// <exception cref="ArgumentException">The name is empty or already defined, or the data do not fill the shape.</exception>
    public OnnxGraphBuilder AddInt64Initializer(string name, long[] data, long[] dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        var bytes = new byte[data.Length * sizeof(long)];
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), data[i]);
        }

        return AddRawInitializer(name, TensorProto.Types.DataType.Int64, data.Length, dims, bytes);
    }

    /// <summary>Adds a constant int8 tensor: quantised weights or zero points for QuantizeLinear/DequantizeLinear.</summary>
    /// <exception cref="ArgumentException">The name is empty or already defined, or the data do not fill the shape.</exception>
    public OnnxGraphBuilder AddInt8Initializer(string name, sbyte[] data, long[] dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        var bytes = new byte[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            bytes[i] = unchecked((byte)data[i]);
        }

        return AddRawInitializer(name, TensorProto.Types.DataType.Int8, data.Length, dims, bytes);
    }

    /// <summary>
    /// Adds an operator node of the default ONNX domain. Attribute values may be <see cref="int"/> or <see cref="long"/>
    /// (INT), <see cref="float"/> or <see cref="double"/> (FLOAT, stored as float), <see cref="string"/> (STRING),
    /// <c>int[]</c> or <c>long[]</c> (INTS), <c>float[]</c> (FLOATS), <c>string[]</c> (STRINGS) or a
    /// <see cref="TensorProto"/> (TENSOR). An empty string in <paramref name="inputs"/> marks an omitted optional
    /// input, as in ONNX.
    /// </summary>
    /// <exception cref="ArgumentException">No op type or outputs, an output name already defined, a repeated
    /// attribute name, or an attribute value of an unsupported type.</exception>
    public OnnxGraphBuilder AddNode(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);

        // "{op}_{index}" unless a named node already took it.
        var name = $"{opType}_{_graph.Node.Count}";
        for (var suffix = 1; _nodeNames.Contains(name); suffix++)
        {
            name = $"{opType}_{_graph.Node.Count}_{suffix}";
        }

        return AddNamedNode(name, opType, inputs, outputs, attributes);
    }

    /// <summary>
    /// Adds an operator node as <see cref="AddNode"/> does, under a chosen node name (for example the name of the
    /// layer it computes), so the nodes of an exported network can be told apart in viewers and named in a
    /// quantizer's exclusion list.
    /// </summary>
    /// <exception cref="ArgumentException">The node name is empty or already used, or any reason
    /// <see cref="AddNode"/> gives.</exception>
    public OnnxGraphBuilder AddNamedNode(string nodeName, string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeName);
        ArgumentException.ThrowIfNullOrWhiteSpace(opType);
        if (_nodeNames.Contains(nodeName))
        {
            throw new ArgumentException($"A node named '{nodeName}' is already in the graph.", nameof(nodeName));
        }

        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(attributes);
        if (outputs.Length == 0)
        {
            throw new ArgumentException($"A {opType} node needs at least one output.", nameof(outputs));
        }

        if (inputs.Any(i => i is null))
        {
            throw new ArgumentException($"An input name of the {opType} node is null; use \"\" for an omitted optional input.", nameof(inputs));
        }

        var node = new NodeProto { OpType = opType, Name = nodeName, Domain = string.Empty };
        node.Input.AddRange(inputs);
        var attributeNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (attributeName, value) in attributes)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(attributeName, nameof(attributes));
            if (!attributeNames.Add(attributeName))
            {
                throw new ArgumentException($"Attribute '{attributeName}' is given twice for the {opType} node.", nameof(attributes));
            }

            node.Attribute.Add(Attribute(opType, attributeName, value));
        }

        foreach (var output in outputs)
        {
            Define(output, nameof(outputs));
        }

        node.Output.AddRange(outputs);
        _nodeNames.Add(nodeName);
        _graph.Node.Add(node);
        return this;
    }

    /// <summary>
    /// The model: a copy of the graph, IR version <see cref="IrVersion"/>, importing the default ONNX domain at
    /// <paramref name="opset"/>, with <paramref name="metadata"/> (written sorted by key, so the same model always
    /// serialises to the same bytes) as <c>metadata_props</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The graph has no inputs or outputs, a node reads a value not yet
    /// defined, or a graph output is never produced.</exception>
    public ModelProto Build(string producer, int opset = DefaultOpset, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(producer);
        ArgumentOutOfRangeException.ThrowIfLessThan(opset, 1);
        Validate();

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = producer,
            ProducerVersion = typeof(OnnxGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0.0.0",
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                ArgumentNullException.ThrowIfNull(value, nameof(metadata));
                model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            }
        }

        return model;
    }

    private void Validate()
    {
        if (_graph.Input.Count == 0)
        {
            throw new InvalidOperationException("The graph has no inputs.");
        }

        if (_graph.Output.Count == 0)
        {
            throw new InvalidOperationException("The graph has no outputs.");
        }

        var available = new HashSet<string>(StringComparer.Ordinal);
        available.UnionWith(_graph.Input.Select(i => i.Name));
        available.UnionWith(_graph.Initializer.Select(i => i.Name));
        foreach (var node in _graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (input.Length > 0 && !available.Contains(input))
                {
                    throw new InvalidOperationException(
                        $"Node {node.Name} reads '{input}', which is not a graph input, an initializer or the output of an earlier node.");
                }
            }

            available.UnionWith(node.Output);
        }

        foreach (var output in _graph.Output)
        {
            if (!available.Contains(output.Name))
            {
                throw new InvalidOperationException($"Graph output '{output.Name}' is not produced by any node.");
            }
        }
    }

    private OnnxGraphBuilder AddRawInitializer(string name, TensorProto.Types.DataType type, int length, long[] dims, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long count = 1;
        foreach (var dim in dims)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(dim, nameof(dims));
            count *= dim;
        }

        if (count != length)
        {
            throw new ArgumentException(
                $"Initializer '{name}' has {length} values but its shape [{string.Join(", ", dims)}] holds {count}.", nameof(dims));
        }

        Define(name);
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return this;
    }

    private void Define(string name, string parameterName = "name")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, parameterName);
        if (!_defined.Add(name))
        {
            throw new ArgumentException($"A value named '{name}' is already defined in the graph.", parameterName);
        }
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType elementType, OnnxDim[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim.IsSymbolic
                ? new TensorShapeProto.Types.Dimension { DimParam = dim.Symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = dim.Value });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }

    private static AttributeProto Attribute(string opType, string name, object value)
    {
        var attribute = new AttributeProto { Name = name };
        switch (value)
        {
            case int i:
                attribute.Type = AttributeProto.Types.AttributeType.Int;
                attribute.I = i;
                break;
            case long l:
                attribute.Type = AttributeProto.Types.AttributeType.Int;
                attribute.I = l;
                break;
            case float f:
                attribute.Type = AttributeProto.Types.AttributeType.Float;
                attribute.F = f;
                break;
            case double d:
                attribute.Type = AttributeProto.Types.AttributeType.Float;
                attribute.F = (float)d;
                break;
            case string s:
                attribute.Type = AttributeProto.Types.AttributeType.String;
                attribute.S = ByteString.CopyFrom(s, Encoding.UTF8);
                break;
            case int[] ints:
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange(ints.Select(i => (long)i));
                break;
            case long[] longs:
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange(longs);
                break;
            case float[] floats:
                attribute.Type = AttributeProto.Types.AttributeType.Floats;
                attribute.Floats.AddRange(floats);
                break;
            case string[] strings:
                attribute.Type = AttributeProto.Types.AttributeType.Strings;
                attribute.Strings.AddRange(strings.Select(s => ByteString.CopyFrom(s, Encoding.UTF8)));
                break;
            case TensorProto tensor:
                attribute.Type = AttributeProto.Types.AttributeType.Tensor;
                attribute.T = tensor.Clone();
                break;
            default:
                throw new ArgumentException(
                    $"Attribute '{name}' of the {opType} node has a value of type {value?.GetType().Name ?? "null"}; " +
                    "supported are int, long, float, double, string, int[], long[], float[], string[] and TensorProto.",
                    nameof(value));
        }

        return attribute;
    }
}
