using EdgeBci.Training.Engine;

namespace EdgeBci.Training.Model;

/// <summary>How a window in microvolts is scaled before it enters the network.</summary>
public enum InputNormalization
{
    /// <summary>
    /// Subtract each channel's mean over the window, then divide every value by a fixed
    /// <see cref="DecoderShape.InputScaleMicrovolts"/>. Keeps absolute band power (what event-related
    /// desynchronisation changes) and is a Sub + Mul in ONNX. The default.
    /// </summary>
    FixedScale,

    /// <summary>
    /// Per window, per channel z-score (mean 0, standard deviation 1). Robust to gain and impedance drift but throws
    /// away each channel's overall power, keeping only its spectral shape and timing.
    /// </summary>
    ChannelZScore,
}

/// <summary>
/// Size of the attention decoder: EEGNet tokenizer (F temporal filters of <see cref="TemporalKernel"/> taps,
/// depthwise spatial convolution with multiplier D, ELU, average pooling) → tokens of E = F·D values → pre-norm
/// transformer layers → mean over tokens → linear classifier.
/// </summary>
/// <param name="Channels">EEG channels per window (rows).</param>
/// <param name="Samples">Samples per channel per window (the model's fixed input length).</param>
/// <param name="Classes">Number of classes.</param>
/// <param name="TemporalFilters">F.</param>
/// <param name="TemporalKernel">Taps of the temporal convolution: 32 at 250 Hz covers 128 ms (down to ~8 Hz per cycle).</param>
/// <param name="DepthMultiplier">D: spatial filters per temporal filter.</param>
/// <param name="Pool">Average-pooling factor; tokens = ⌊Samples / Pool⌋.</param>
/// <param name="Heads">Attention heads; must divide E = F·D.</param>
/// <param name="AttentionLayers">Transformer layers (attention + feed-forward).</param>
/// <param name="ConvolutionDropout">Dropout after the pooling.</param>
/// <param name="AttentionDropout">Dropout on each attention output.</param>
/// <param name="Normalization">Input scaling (see <see cref="InputNormalization"/>).</param>
/// <param name="InputScaleMicrovolts">Divisor for <see cref="InputNormalization.FixedScale"/>.</param>
/// <param name="Seed">Seed of every initialisation and dropout mask.</param>
public sealed record DecoderShape(
    int Channels,
    int Samples,
    int Classes,
    int TemporalFilters = 8,
    int TemporalKernel = 32,
    int DepthMultiplier = 2,
    int Pool = 8,
    int Heads = 2,
    int AttentionLayers = 2,
    double ConvolutionDropout = 0.25,
    double AttentionDropout = 0.1,
    InputNormalization Normalization = InputNormalization.FixedScale,
    float InputScaleMicrovolts = 20f,
    int Seed = 1)
{
    /// <summary>Hard upper bound on learnable values: the headset's budget.</summary>
    public const int MaximumParameters = 50_000;

    /// <summary>Token width E = F·D.</summary>
    public int Embedding => TemporalFilters * DepthMultiplier;

    /// <summary>Number of tokens after pooling.</summary>
    public int Tokens => Samples / Pool;

    /// <summary>Values per input window (channels × samples).</summary>
    public int WindowLength => Channels * Samples;

    /// <exception cref="ArgumentException">A size is out of range or heads do not divide the embedding.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(TemporalFilters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(TemporalKernel, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(DepthMultiplier, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Pool, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Heads, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(AttentionLayers);
        if (Samples < Pool)
        {
            throw new ArgumentException($"A window of {Samples} samples is shorter than the pooling factor {Pool}.");
        }

        if (Embedding % Heads != 0)
        {
            throw new ArgumentException($"{Heads} heads do not divide the embedding E = F·D = {Embedding}.");
        }

        if (!(InputScaleMicrovolts > 0) || !float.IsFinite(InputScaleMicrovolts))
        {
            throw new ArgumentException($"The input scale must be a positive number of microvolts, not {InputScaleMicrovolts}.");
        }
    }
}

/// <summary>
/// The trainable attention decoder: a <see cref="Sequential"/> built from a <see cref="DecoderShape"/>, plus the
/// input normalisation and prediction helpers. The layer structure is the one <c>EngineTestModels.AttentionDecoder</c>
/// verifies, with E = F·D so the embedding layer is square.
/// </summary>
public sealed class AttentionDecoder
{
    /// <exception cref="ArgumentException">The shape is invalid or the model exceeds <see cref="DecoderShape.MaximumParameters"/>.</exception>
    public AttentionDecoder(DecoderShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate();
        Shape = shape;
        Network = Build(shape);
        ParameterCount = Network.ParameterCount();
        if (ParameterCount > DecoderShape.MaximumParameters)
        {
            throw new ArgumentException(
                $"The decoder has {ParameterCount} parameters, over the budget of {DecoderShape.MaximumParameters}; shrink the shape.", nameof(shape));
        }
    }

    public DecoderShape Shape { get; }

    /// <summary>[B, C, T] normalised windows → logits [B, classes].</summary>
    public Sequential Network { get; }

    public int ParameterCount { get; }

    /// <summary>
    /// Copies <paramref name="windows"/> (each channels × samples in µV, row-major) into a [B, C, T] tensor, normalised
    /// as <see cref="DecoderShape.Normalization"/> says.
    /// </summary>
    public Tensor Prepare(IReadOnlyList<float[]> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            throw new ArgumentException("At least one window is needed.", nameof(windows));
        }

        var length = Shape.WindowLength;
        var tensor = Tensor.Zeros(windows.Count, Shape.Channels, Shape.Samples);
        for (var b = 0; b < windows.Count; b++)
        {
            var window = windows[b];
            if (window is null || window.Length != length)
            {
                throw new ArgumentException(
                    $"Window {b} holds {window?.Length ?? 0} values; the decoder takes {Shape.Channels} channels × {Shape.Samples} samples = {length}.", nameof(windows));
            }

            Normalize(window, tensor.Data.AsSpan(b * length, length));
        }

        return tensor;
    }

    /// <summary>Class probabilities, [B, classes], for windows in µV (inference mode).</summary>
    public Tensor Probabilities(IReadOnlyList<float[]> windows) => SoftmaxCrossEntropy.Softmax(Network.Forward(Prepare(windows), training: false));

    /// <summary>Class probabilities of one window in µV.</summary>
    public float[] Probabilities(float[] window) => Probabilities([window]).Data;

    /// <summary>Most probable class of one window in µV.</summary>
    public int Predict(float[] window) => System.Numerics.Tensors.TensorPrimitives.IndexOfMax(Probabilities(window));

    /// <summary>Most probable class of every trial of <paramref name="dataset"/>, in batches of <paramref name="batchSize"/>.</summary>
    public int[] Predict(Data.EpochDataset dataset, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var predictions = new int[dataset.Count];
        var classes = Shape.Classes;
        for (var start = 0; start < dataset.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, dataset.Count - start);
            var batch = new float[count][];
            for (var i = 0; i < count; i++)
            {
                batch[i] = dataset.Windows[start + i];
            }

            var probabilities = Probabilities(batch);
            for (var i = 0; i < count; i++)
            {
                predictions[start + i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(probabilities.Data.AsSpan(i * classes, classes));
            }
        }

        return predictions;
    }

    /// <summary>A new decoder of the same shape holding a copy of this one's complete state (weights and batch-norm statistics).</summary>
    public AttentionDecoder Copy()
    {
        var copy = new AttentionDecoder(Shape);
        ModelCheckpoint.Restore(copy.Network, ModelCheckpoint.Capture(Network));
        return copy;
    }

    /// <summary>Every layer of the network, depth first, containers included.</summary>
    public IEnumerable<ILayer> Layers() => Flatten(Network);

    internal static IEnumerable<ILayer> Flatten(ILayer layer)
    {
        yield return layer;
        var children = layer switch
        {
            Sequential sequential => sequential.Layers,
            Residual residual => [residual.Block],
            _ => (IReadOnlyList<ILayer>)[],
        };
        foreach (var child in children)
        {
            foreach (var descendant in Flatten(child))
            {
                yield return descendant;
            }
        }
    }

    internal void Normalize(ReadOnlySpan<float> window, Span<float> target)
    {
        var samples = Shape.Samples;
        for (var c = 0; c < Shape.Channels; c++)
        {
            var source = window.Slice(c * samples, samples);
            var mean = 0.0;
            foreach (var value in source)
            {
                mean += value;
            }

            mean /= samples;
            double scale;
            if (Shape.Normalization == InputNormalization.ChannelZScore)
            {
                var squares = 0.0;
                foreach (var value in source)
                {
                    squares += (value - mean) * (value - mean);
                }

                scale = 1 / Math.Sqrt((squares / samples) + 1e-6);
            }
            else
            {
                scale = 1.0 / Shape.InputScaleMicrovolts;
            }

            var row = target.Slice(c * samples, samples);
            for (var t = 0; t < samples; t++)
            {
                row[t] = (float)((source[t] - mean) * scale);
            }
        }
    }

    private static Sequential Build(DecoderShape shape)
    {
        var seed = shape.Seed;
        var maps = shape.Embedding;
        var embedding = shape.Embedding;
        var layers = new List<ILayer>
        {
            new Reshape("input", 1, shape.Channels, shape.Samples),
            new TemporalConvolution("temporal", shape.TemporalFilters, shape.TemporalKernel, seed),
            new BatchNormalization("temporal_bn", shape.TemporalFilters),
            new DepthwiseSpatialConvolution("spatial", shape.TemporalFilters, shape.DepthMultiplier, shape.Channels, seed + 1),
            new BatchNormalization("spatial_bn", maps),
            new Elu("elu"),
            new AveragePooling("pool", shape.Pool),
            new Dropout("conv_dropout", shape.ConvolutionDropout, seed + 2),
            new FeatureMapsToTokens("tokens"),
            new Linear("embed", maps, embedding, seed + 3),
            new PositionalEmbedding("position", shape.Tokens, embedding, seed + 4),
        };
        for (var l = 0; l < shape.AttentionLayers; l++)
        {
            layers.Add(new Residual($"block{l}.attention_residual", new Sequential(
                $"block{l}.attention_path",
                new LayerNormalization($"block{l}.attention_norm", embedding),
                new MultiHeadSelfAttention($"block{l}.attention", embedding, shape.Heads, seed + 10 + l),
                new Dropout($"block{l}.attention_dropout", shape.AttentionDropout, seed + 20 + l))));
            layers.Add(new Residual($"block{l}.feedforward_residual", new Sequential(
                $"block{l}.feedforward_path",
                new LayerNormalization($"block{l}.feedforward_norm", embedding),
                new Linear($"block{l}.feedforward_in", embedding, 2 * embedding, seed + 30 + l),
                new Gelu($"block{l}.gelu"),
                new Linear($"block{l}.feedforward_out", 2 * embedding, embedding, seed + 40 + l))));
        }

        layers.Add(new LayerNormalization("final_norm", embedding));
        layers.Add(new MeanPooling("mean"));
        layers.Add(new Linear("classifier", embedding, shape.Classes, seed + 50));
        return new Sequential("decoder", [.. layers]);
    }
}
