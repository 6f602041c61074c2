using System.Globalization;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Alignment;
using EdgeBci.Training.Engine;
using EdgeBci.Training.Model;
using EdgeBci.Training.Onnx.Protos;

namespace EdgeBci.Training.Onnx;

/// <summary>
/// Exports a trained <see cref="AttentionDecoder"/> to an ONNX model (opset <see cref="OnnxGraphBuilder.DefaultOpset"/>)
/// that computes what the engine's inference-mode forward pass computes, from raw microvolts to class probabilities.
/// <para>
/// <b>Contract.</b> Input <see cref="InputName"/>: float [batch, channels, samples] in µV, row-major, batch dynamic.
/// Outputs <see cref="OutputName"/> (softmax) and <see cref="LogitsName"/>: float [batch, classes]. The input
/// normalisation of <see cref="AttentionDecoder.Prepare"/> is part of the graph, so the device feeds the signal
/// chain's output as it is.
/// </para>
/// <para>
/// <b>How.</b> The network is walked structurally (<see cref="Sequential"/> and <see cref="Residual"/> are recursed
/// into, every other layer is matched by type); layer names only name the ONNX nodes, values and initializers, so a
/// value carries the name of the engine layer whose output it equals and intermediate results can be compared layer
/// by layer. A layer type without an ONNX form here is refused with <see cref="NotSupportedException"/> rather
/// than exported approximately.
/// </para>
/// <para>
/// <b>Choices made for the int8 quantizer.</b> Each batch normalisation is folded into the convolution before it
/// (weights scaled per output map, a Conv bias added; computed in double, stored as float), so the graph holds no
/// BatchNormalization node and per-channel weight quantization sees the weights that are actually applied. The
/// attention scale 1/√d stays a separate Mul after Q·Kᵀ instead of being folded into the query weights, so every
/// initializer equals (or is the transpose of) a checkpoint tensor. LayerNormalization stays the opset-17 op.
/// </para>
/// </summary>
public static class DecoderOnnxExporter
{
    /// <summary>Float [batch, channels, samples], microvolts, row-major.</summary>
    public const string InputName = "eeg";

    /// <summary>Float [batch, classes], softmax of <see cref="LogitsName"/>.</summary>
    public const string OutputName = "probabilities";

    /// <summary>Float [batch, classes], the network's output before the softmax.</summary>
    public const string LogitsName = "logits";

    /// <summary>The C × C alignment initializer and the MatMul node that applies it (<see cref="ModelAlignment.InitializerName"/>).</summary>
    public const string AlignmentName = ModelAlignment.InitializerName;

    /// <summary>Written as the model's producer name.</summary>
    public const string Producer = "EdgeBci.Training";

    // Constants the engine hard-codes (AttentionDecoder.Normalize, Elu, Gelu). They are restated here rather than
    // shared because the engine keeps them private; the parity tests (DecoderOnnxExportTests) fail if they drift apart.
    private const double ZScoreEpsilon = 1e-6;
    private const float EluAlpha = 1f;
    private const double GeluSqrtTwoOverPi = 0.7978845608028654;
    private const double GeluCubicCoefficient = 0.044715;

    /// <summary>The decoder as an ONNX model; see the class remarks for the graph's contract.</summary>
    /// <param name="decoder">A decoder in the state to deploy (its batch-normalisation running statistics are used).</param>
    /// <param name="modelName">The ONNX graph's name.</param>
    /// <exception cref="NotSupportedException">The network holds a layer the exporter cannot express (named in the message).</exception>
    /// <param name="alignment">
    /// The wearer's spatial alignment, emitted as the graph's first node (MatMul of the C × C initializer named
    /// <see cref="AlignmentName"/> with the input), so the graph takes raw microvolts while the network was trained on
    /// aligned windows; null or the identity emits no such node.
    /// </param>
    public static ModelProto Export(AttentionDecoder decoder, string modelName = "edgebci-attention-decoder", EuclideanAlignment? alignment = null)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        return Export(decoder.Network, decoder.Shape, modelName, alignment);
    }

    /// <summary>
    /// Exports any <paramref name="network"/> that takes normalised [B, C, T] windows of <paramref name="shape"/> and
    /// returns [B, classes] logits; <see cref="Export(AttentionDecoder, string)"/> is this with the decoder's own network.
    /// </summary>
    /// <exception cref="NotSupportedException">A layer has no ONNX form here.</exception>
    /// <exception cref="InvalidOperationException">The layers do not fit together or do not end in [B, <see cref="DecoderShape.Classes"/>].</exception>
    internal static ModelProto Export(Sequential network, DecoderShape shape, string modelName, EuclideanAlignment? alignment = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        shape.Validate();

        var builder = new OnnxGraphBuilder(modelName);
        builder.AddInput(InputName, OnnxDim.Batch, shape.Channels, shape.Samples);
        var emitter = new GraphEmitter(builder);
        var input = new Value(InputName, [shape.Channels, shape.Samples]);
        if (alignment is not null && !alignment.IsIdentity)
        {
            if (alignment.Channels != shape.Channels)
            {
                throw new ArgumentException($"The alignment is {alignment.Channels} × {alignment.Channels}; the decoder takes {shape.Channels} channels.", nameof(alignment));
            }

            input = emitter.Alignment(input, alignment);
        }

        var normalized = emitter.Normalization(input, shape);
        var logits = emitter.Layer(network, normalized, LogitsName);
        if (logits.Shape.Length != 1 || logits.Shape[0] != shape.Classes)
        {
            throw new InvalidOperationException(
                $"The network {network.Name} ends in samples of shape {Format(logits.Shape)}; a decoder must end in [{shape.Classes}] logits.");
        }

        emitter.Node("output", "Softmax", [LogitsName], OutputName, ("axis", -1));
        builder.AddOutput(OutputName, OnnxDim.Batch, shape.Classes);
        builder.AddOutput(LogitsName, OnnxDim.Batch, shape.Classes);

        var model = builder.Build(Producer, OnnxGraphBuilder.DefaultOpset, Metadata(shape));
        model.DocString = Describe(shape);
        return model;
    }

    private static Dictionary<string, string> Metadata(DecoderShape shape) => new(StringComparer.Ordinal)
    {
        ["channels"] = Invariant(shape.Channels),
        ["samples"] = Invariant(shape.Samples),
        ["classes"] = Invariant(shape.Classes),
        ["tokens"] = Invariant(shape.Tokens),
        ["embedding"] = Invariant(shape.Embedding),
        ["heads"] = Invariant(shape.Heads),
        ["attention_layers"] = Invariant(shape.AttentionLayers),
        ["normalization"] = shape.Normalization.ToString(),
        ["input_scale_microvolts"] = shape.InputScaleMicrovolts.ToString("R", CultureInfo.InvariantCulture),
        ["input"] = $"{InputName}: float [batch, {shape.Channels} channels, {shape.Samples} samples], microvolts, row-major",
        ["outputs"] = $"{OutputName}, {LogitsName}: float [batch, {shape.Classes} classes]",
    };

    private static string Describe(DecoderShape shape) =>
        $"EdgeBci attention decoder: {shape.Channels} channels × {shape.Samples} samples in µV → {shape.Classes} class probabilities. " +
        $"Input normalisation {shape.Normalization} inside the graph; EEGNet tokenizer (F = {shape.TemporalFilters}, K = {shape.TemporalKernel}, " +
        $"D = {shape.DepthMultiplier}, pool {shape.Pool}; batch normalisation folded into the Conv weights and biases) → " +
        $"{shape.Tokens} tokens of {shape.Embedding} → {shape.AttentionLayers} pre-norm transformer layers with {shape.Heads} heads " +
        "(GELU in its tanh form) → mean over tokens → linear classifier → softmax.";

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(int[] sampleShape) => $"[batch, {string.Join(", ", sampleShape)}]";

    /// <summary>A graph value: its name and its shape without the (dynamic) batch axis.</summary>
    private readonly record struct Value(string Name, int[] Shape);

    /// <summary>
    /// Emits the nodes of one export. Each layer method takes the value it reads and an optional required output
    /// name (the last layer of the network must produce <see cref="LogitsName"/>); without one, the output is named
    /// after the layer. Shapes are tracked per sample so every Reshape target and graph output dimension is known
    /// and a mismatch is reported with the layer at fault.
    /// </summary>
    private sealed class GraphEmitter(OnnxGraphBuilder builder)
    {
        private readonly HashSet<string> _values = new(StringComparer.Ordinal) { InputName, OutputName, LogitsName };
        private readonly HashSet<string> _nodes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (float Value, string Name)> _scalars = new(StringComparer.Ordinal);

        public Value Alignment(Value input, EuclideanAlignment alignment)
        {
            // [C, C] · [N, C, T] broadcasts over the batch. The quantizer keeps it float: its first input is an
            // initializer, not an activation, so it is never planned as a weight × activation product.
            builder.AddInitializer(AlignmentName, alignment.ToArray(), [alignment.Channels, alignment.Channels]);
            return new(Node(AlignmentName, "MatMul", [AlignmentName, input.Name], Fresh("aligned")), input.Shape);
        }

        public Value Normalization(Value input, DecoderShape shape)
        {
            const string name = "input_normalization";
            var mean = Node(name + "/mean", "ReduceMean", [input.Name], Fresh(name + "/mean"), ("axes", new long[] { 2 }), ("keepdims", 1));
            var centered = Node(name + "/center", "Sub", [input.Name, mean], Fresh(name + "/centered"));
            if (shape.Normalization == InputNormalization.ChannelZScore)
            {
                // Population variance (divide by T) plus the engine's epsilon, as AttentionDecoder.Normalize does.
                var squares = Node(name + "/square", "Mul", [centered, centered], Fresh(name + "/squares"));
                var variance = Node(name + "/variance", "ReduceMean", [squares], Fresh(name + "/variance"), ("axes", new long[] { 2 }), ("keepdims", 1));
                var padded = Node(name + "/add_epsilon", "Add", [variance, Scalar("input_normalization.epsilon", (float)ZScoreEpsilon)], Fresh(name + "/variance_epsilon"));
                var deviation = Node(name + "/sqrt", "Sqrt", [padded], Fresh(name + "/deviation"));
                return new(Node(name + "/scale", "Div", [centered, deviation], Fresh("normalized")), input.Shape);
            }

            var scale = Scalar("input_normalization.scale", (float)(1.0 / shape.InputScaleMicrovolts));
            return new(Node(name + "/scale", "Mul", [centered, scale], Fresh("normalized")), input.Shape);
        }

        public Value Layer(ILayer layer, Value input, string? output) => layer switch
        {
            Sequential sequential => Sequence(sequential, input, output),
            Residual residual => Skip(residual, input, output),
            Dropout => Identity(input, output, layer.Name),
            Engine.Reshape reshape => Reshape(reshape, input, output),
            TemporalConvolution convolution => Temporal(convolution, null, input, output),
            DepthwiseSpatialConvolution convolution => Spatial(convolution, null, input, output),
            BatchNormalization => throw new NotSupportedException(
                $"{Named(layer)} does not directly follow a TemporalConvolution or DepthwiseSpatialConvolution; " +
                "the exporter only folds batch normalisation into the convolution before it."),
            Elu => new(Node(layer.Name, "Elu", [input.Name], Output(output, layer.Name), ("alpha", EluAlpha)), input.Shape),
            AveragePooling pooling => Pool(pooling, input, output),
            FeatureMapsToTokens => Tokens(layer, input, output),
            Linear linear => Dense(linear, input, output),
            PositionalEmbedding embedding => Position(embedding, input, output),
            MultiHeadSelfAttention attention => Attention(attention, input, output),
            Engine.LayerNormalization normalization => Normalize(normalization, input, output),
            Gelu => GeluTanh(layer, input, output),
            MeanPooling => MeanOverTokens(layer, input, output),
            _ => throw new NotSupportedException($"The ONNX exporter cannot export {Named(layer)}."),
        };

        /// <summary>Adds a node under a unique name derived from <paramref name="nodeName"/>; returns its output.</summary>
        public string Node(string nodeName, string opType, string[] inputs, string output, params (string Name, object Value)[] attributes)
        {
            var unique = nodeName;
            for (var suffix = 2; !_nodes.Add(unique); suffix++)
            {
                unique = string.Create(CultureInfo.InvariantCulture, $"{nodeName}_{suffix}");
            }

            builder.AddNamedNode(unique, opType, inputs, [output], attributes);
            return output;
        }

        private Value Sequence(Sequential sequential, Value input, string? output)
        {
            var layers = sequential.Layers;
            var current = input;
            for (var i = 0; i < layers.Count; i++)
            {
                var folded = i + 1 < layers.Count && layers[i] is TemporalConvolution or DepthwiseSpatialConvolution
                    ? layers[i + 1] as BatchNormalization
                    : null;
                var last = i + (folded is null ? 1 : 2) == layers.Count;
                var target = last ? output : null;
                current = layers[i] switch
                {
                    TemporalConvolution convolution when folded is not null => Temporal(convolution, folded, current, target),
                    DepthwiseSpatialConvolution convolution when folded is not null => Spatial(convolution, folded, current, target),
                    var layer => Layer(layer, current, target),
                };
                if (folded is not null)
                {
                    i++;
                }
            }

            return current;
        }

        private Value Skip(Residual residual, Value input, string? output)
        {
            var block = Layer(residual.Block, input, null);
            if (!block.Shape.AsSpan().SequenceEqual(input.Shape))
            {
                throw new InvalidOperationException(
                    $"{Named(residual)}: its block turns {Format(input.Shape)} into {Format(block.Shape)}; a residual needs the same shape.");
            }

            return new(Node(residual.Name, "Add", [input.Name, block.Name], Output(output, residual.Name)), input.Shape);
        }

        // Dropout is the identity at inference: no node, unless the graph needs a value of the required name.
        private Value Identity(Value input, string? output, string name) =>
            output is null ? input : new(Node(name, "Identity", [input.Name], Output(output, name)), input.Shape);

        private Value Reshape(Engine.Reshape reshape, Value input, string? output)
        {
            var target = reshape.SampleShape.ToArray();
            if (Tensor.ElementCount(target) != Tensor.ElementCount(input.Shape))
            {
                throw new InvalidOperationException($"{Named(reshape)} cannot give samples of shape {Format(input.Shape)} the shape {Format(target)}.");
            }

            return new(ReshapeNode(reshape.Name, input.Name, [0, .. target.Select(d => (long)d)], Output(output, reshape.Name)), target);
        }

        private Value Temporal(TemporalConvolution convolution, BatchNormalization? normalization, Value input, string? output)
        {
            int filters = convolution.Filters, kernel = convolution.KernelLength;
            RequireShape(convolution, input, 3, shape => shape[0] == 1, "[1, channels, samples]");
            var (weights, bias) = Fold(convolution.Weight.Value.Data, filters, normalization, convolution);
            var name = convolution.Name;
            var weightName = Initializer(FoldedName(convolution.Weight.Name, normalization), weights, [filters, 1, 1, kernel]);
            var biasName = Initializer(FoldedName(name + ".bias", normalization), bias, [filters]);
            var result = Node(name, "Conv", [input.Name, weightName, biasName], Output(output, normalization?.Name ?? name),
                ("kernel_shape", new long[] { 1, kernel }),
                ("pads", new long[] { 0, convolution.PadBefore, 0, convolution.PadAfter }),
                ("strides", new long[] { 1, 1 }),
                ("group", 1));
            return new(result, [filters, input.Shape[1], input.Shape[2]]);
        }

        private Value Spatial(DepthwiseSpatialConvolution convolution, BatchNormalization? normalization, Value input, string? output)
        {
            RequireShape(convolution, input, 3, shape => shape[0] == convolution.InputMaps && shape[1] == convolution.Channels,
                $"[{convolution.InputMaps}, {convolution.Channels}, samples]");
            var maps = convolution.OutputMaps;
            var (weights, bias) = Fold(convolution.Weight.Value.Data, maps, normalization, convolution);
            var name = convolution.Name;

            // The engine's [F·D, C] weight is already the row-major layout of ONNX's [F·D, 1, C, 1], and group = F
            // sends output map g to input map g / D, as the engine does.
            var weightName = Initializer(FoldedName(convolution.Weight.Name, normalization), weights, [maps, 1, convolution.Channels, 1]);
            var biasName = Initializer(FoldedName(name + ".bias", normalization), bias, [maps]);
            var result = Node(name, "Conv", [input.Name, weightName, biasName], Output(output, normalization?.Name ?? name),
                ("kernel_shape", new long[] { convolution.Channels, 1 }),
                ("pads", new long[] { 0, 0, 0, 0 }),
                ("strides", new long[] { 1, 1 }),
                ("group", convolution.InputMaps));
            return new(result, [maps, 1, input.Shape[2]]);
        }

        // y = γ·(conv(x) − μ)/√(σ² + ε) + β = conv'(x) + b' with w' = w·s, b' = β − μ·s, s = γ/√(σ² + ε): the
        // inference-mode formula of BatchNormalization, evaluated in double like the engine evaluates it.
        private static (float[] Weights, float[] Bias) Fold(float[] weights, int maps, BatchNormalization? normalization, ILayer convolution)
        {
            var folded = (float[])weights.Clone();
            var bias = new float[maps];
            if (normalization is null)
            {
                return (folded, bias);
            }

            if (normalization.Features != maps)
            {
                throw new InvalidOperationException(
                    $"{Named(normalization)} normalises {normalization.Features} maps but {Named(convolution)} produces {maps}.");
            }

            var perMap = weights.Length / maps;
            for (var m = 0; m < maps; m++)
            {
                var scale = normalization.Gain.Value.Data[m] / Math.Sqrt(normalization.RunningVariance.Data[m] + normalization.Epsilon);
                for (var j = m * perMap; j < (m + 1) * perMap; j++)
                {
                    folded[j] = (float)(weights[j] * scale);
                }

                bias[m] = (float)(normalization.Bias.Value.Data[m] - (normalization.RunningMean.Data[m] * scale));
            }

            return (folded, bias);
        }

        private static string FoldedName(string parameter, BatchNormalization? normalization) =>
            normalization is null ? parameter : $"{parameter}+{normalization.Name}";

        private Value Pool(AveragePooling pooling, Value input, string? output)
        {
            // ONNX pools the trailing spatial axes of [B, C, spatial…]; the engine pools only the last one.
            if (input.Shape.Length < 2)
            {
                throw new InvalidOperationException($"{Named(pooling)} needs samples of rank 2 or more, not {Format(input.Shape)}.");
            }

            var samples = input.Shape[^1];
            if (samples < pooling.PoolSize)
            {
                throw new InvalidOperationException($"{Named(pooling)} pools {pooling.PoolSize} samples but its input has {samples}.");
            }

            var kernel = Enumerable.Repeat(1L, input.Shape.Length - 1).ToArray();
            kernel[^1] = pooling.PoolSize;

            // No padding and ceil_mode 0: a trailing remainder shorter than the pool is dropped, as in the engine.
            var result = Node(pooling.Name, "AveragePool", [input.Name], Output(output, pooling.Name),
                ("kernel_shape", kernel), ("strides", kernel), ("ceil_mode", 0));
            int[] shape = [.. input.Shape];
            shape[^1] = samples / pooling.PoolSize;
            return new(result, shape);
        }

        private Value Tokens(ILayer layer, Value input, string? output)
        {
            RequireShape(layer, input, 3, _ => true, "[maps, height, time]");
            int embedding = input.Shape[0], tokens = input.Shape[1] * input.Shape[2];

            // [B, E, H, T] → [B, E, H·T] → [B, H·T, E]: token n = h·T + t, as FeatureMapsToTokens orders them.
            var flat = ReshapeNode(layer.Name + "/flatten", input.Name, [0, embedding, tokens], Fresh(layer.Name + "/maps"));
            return new(Node(layer.Name, "Transpose", [flat], Output(output, layer.Name), ("perm", new long[] { 0, 2, 1 })), [tokens, embedding]);
        }

        private Value Dense(Linear linear, Value input, string? output)
        {
            if (input.Shape.Length == 0 || input.Shape[^1] != linear.InputFeatures)
            {
                throw new InvalidOperationException($"{Named(linear)} expects [..., {linear.InputFeatures}] but gets {Format(input.Shape)}.");
            }

            int[] shape = [.. input.Shape];
            shape[^1] = linear.OutputFeatures;
            var name = linear.Name;
            var bias = Initializer(linear.Bias.Name, linear.Bias.Value.Data, [linear.OutputFeatures]);
            if (input.Shape.Length == 1)
            {
                // [B, In]: Gemm with the [Out, In] weight as stored, transposed by the op.
                var weight = Initializer(linear.Weight.Name, linear.Weight.Value.Data, [linear.OutputFeatures, linear.InputFeatures]);
                return new(Node(name, "Gemm", [input.Name, weight, bias], Output(output, name), ("transB", 1)), shape);
            }

            // [B, N, In]: Gemm is 2-D only, so MatMul by Wᵀ (stored transposed) and a broadcast Add.
            var transposed = Initializer(linear.Weight.Name + "_transposed", Transpose(linear.Weight.Value.Data, linear.OutputFeatures, linear.InputFeatures),
                [linear.InputFeatures, linear.OutputFeatures]);
            var product = Node(name + "/matmul", "MatMul", [input.Name, transposed], Fresh(name + "/product"));
            return new(Node(name + "/bias", "Add", [product, bias], Output(output, name)), shape);
        }

        private Value Position(PositionalEmbedding embedding, Value input, string? output)
        {
            RequireShape(embedding, input, 2, shape => shape[0] == embedding.Tokens && shape[1] == embedding.Embedding,
                $"[{embedding.Tokens}, {embedding.Embedding}]");
            var positions = Initializer(embedding.Positions.Name, embedding.Positions.Value.Data, [embedding.Tokens, embedding.Embedding]);
            return new(Node(embedding.Name, "Add", [input.Name, positions], Output(output, embedding.Name)), input.Shape);
        }

        private Value Attention(MultiHeadSelfAttention attention, Value input, string? output)
        {
            RequireShape(attention, input, 2, shape => shape[1] == attention.Embedding, $"[tokens, {attention.Embedding}]");
            var name = attention.Name;
            int heads = attention.Heads, size = attention.HeadSize;
            var query = Dense(attention.Query, input, null);
            var key = Dense(attention.Key, input, null);
            var value = Dense(attention.Value, input, null);

            // [B, N, E] → [B, N, H, d] → [B, H, N, d]; keys go straight to [B, H, d, N] so Q·Kᵀ is one MatMul.
            string Heads(Value projection, string role, long[] permutation)
            {
                var split = ReshapeNode($"{name}/{role}_split", projection.Name, [0, 0, heads, size], Fresh($"{name}/{role}_split"));
                return Node($"{name}/{role}_transpose", "Transpose", [split], Fresh($"{name}/{role}_heads"), ("perm", permutation));
            }

            var queries = Heads(query, "query", [0, 2, 1, 3]);
            var keys = Heads(key, "key", [0, 2, 3, 1]);
            var values = Heads(value, "value", [0, 2, 1, 3]);
            var scores = Node(name + "/scores", "MatMul", [queries, keys], Fresh(name + "/scores"));

            // The same float as the engine's 1f / MathF.Sqrt(HeadSize).
            var scale = Scalar(name + ".scale", 1f / MathF.Sqrt(size));
            var scaled = Node(name + "/scale", "Mul", [scores, scale], Fresh(name + "/scaled_scores"));
            var weights = Node(name + "/softmax", "Softmax", [scaled], Fresh(name + "/weights"), ("axis", -1));
            var context = Node(name + "/context", "MatMul", [weights, values], Fresh(name + "/context_heads"));
            var merged = Node(name + "/merge_transpose", "Transpose", [context], Fresh(name + "/context_tokens"), ("perm", new long[] { 0, 2, 1, 3 }));
            var concatenated = ReshapeNode(name + "/merge", merged, [0, 0, attention.Embedding], Fresh(name + "/context"));
            return Dense(attention.Output, new(concatenated, input.Shape), output ?? Fresh(name));
        }

        private Value Normalize(Engine.LayerNormalization normalization, Value input, string? output)
        {
            if (input.Shape.Length == 0 || input.Shape[^1] != normalization.Features)
            {
                throw new InvalidOperationException($"{Named(normalization)} expects [..., {normalization.Features}] but gets {Format(input.Shape)}.");
            }

            var gain = Initializer(normalization.Gain.Name, normalization.Gain.Value.Data, [normalization.Features]);
            var bias = Initializer(normalization.Bias.Name, normalization.Bias.Value.Data, [normalization.Features]);
            return new(Node(normalization.Name, "LayerNormalization", [input.Name, gain, bias], Output(output, normalization.Name),
                ("axis", -1), ("epsilon", (float)normalization.Epsilon)), input.Shape);
        }

        // ½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))): opset 17 has no Gelu op, and the engine uses the tanh form.
        private Value GeluTanh(ILayer layer, Value input, string? output)
        {
            var name = layer.Name;
            var x = input.Name;
            var square = Node(name + "/square", "Mul", [x, x], Fresh(name + "/square"));
            var cube = Node(name + "/cube", "Mul", [square, x], Fresh(name + "/cube"));
            var cubic = Node(name + "/cubic", "Mul", [cube, Scalar("gelu.cubic_coefficient", (float)GeluCubicCoefficient)], Fresh(name + "/cubic"));
            var inner = Node(name + "/inner", "Add", [x, cubic], Fresh(name + "/inner"));
            var argument = Node(name + "/argument", "Mul", [inner, Scalar("gelu.sqrt_two_over_pi", (float)GeluSqrtTwoOverPi)], Fresh(name + "/argument"));
            var tanh = Node(name + "/tanh", "Tanh", [argument], Fresh(name + "/tanh"));
            var onePlus = Node(name + "/one_plus", "Add", [tanh, Scalar("gelu.one", 1f)], Fresh(name + "/one_plus"));
            var half = Node(name + "/half", "Mul", [x, Scalar("gelu.half", 0.5f)], Fresh(name + "/half"));
            return new(Node(name, "Mul", [half, onePlus], Output(output, name)), input.Shape);
        }

        private Value MeanOverTokens(ILayer layer, Value input, string? output)
        {
            RequireShape(layer, input, 2, _ => true, "[tokens, embedding]");
            return new(Node(layer.Name, "ReduceMean", [input.Name], Output(output, layer.Name), ("axes", new long[] { 1 }), ("keepdims", 0)),
                [input.Shape[1]]);
        }

        private string ReshapeNode(string nodeName, string input, long[] target, string output)
        {
            // 0 copies the input's batch size, so the batch stays dynamic.
            var shape = Int64Initializer(nodeName + ".shape", target);
            return Node(nodeName, "Reshape", [input, shape], output);
        }

        private string Initializer(string name, float[] data, long[] dims)
        {
            var unique = Fresh(name);
            builder.AddInitializer(unique, data, dims);
            return unique;
        }

        private string Int64Initializer(string name, long[] data)
        {
            var unique = Fresh(name);
            builder.AddInt64Initializer(unique, data, [data.Length]);
            return unique;
        }

        // One initializer per named constant, shared by every node that needs it.
        private string Scalar(string name, float value)
        {
            if (_scalars.TryGetValue(name, out var existing))
            {
                return existing.Value.Equals(value) ? existing.Name : throw new InvalidOperationException($"Constant '{name}' is needed with two values.");
            }

            var unique = Fresh(name);
            builder.AddInitializer(unique, [value], []);
            _scalars[name] = (value, unique);
            return unique;
        }

        private string Output(string? required, string layerName) => required ?? Fresh(layerName);

        // Value names are unique in a graph; engine layer names usually are, parameter-free ones need not be.
        private string Fresh(string name)
        {
            var unique = name;
            for (var suffix = 2; !_values.Add(unique); suffix++)
            {
                unique = string.Create(CultureInfo.InvariantCulture, $"{name}_{suffix}");
            }

            return unique;
        }

        private static void RequireShape(ILayer layer, Value input, int rank, Func<int[], bool> fits, string expected)
        {
            if (input.Shape.Length != rank || !fits(input.Shape))
            {
                throw new InvalidOperationException($"{Named(layer)} expects samples of shape {expected} but gets {Format(input.Shape)}.");
            }
        }

        private static float[] Transpose(float[] matrix, int rows, int columns)
        {
            var transposed = new float[matrix.Length];
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    transposed[(c * rows) + r] = matrix[(r * columns) + c];
                }
            }

            return transposed;
        }

        private static string Named(ILayer layer) => $"layer '{layer.Name}' ({layer.GetType().Name})";
    }
}
