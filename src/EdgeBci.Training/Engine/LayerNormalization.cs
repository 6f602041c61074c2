namespace EdgeBci.Training.Engine;

/// <summary>
/// Layer normalisation over the last axis (the embedding of each token in [B, N, E], or any [..., E]): each row is
/// standardised with its own mean and biased variance, then scaled by a learned gain and shifted by a learned bias
/// (ONNX LayerNormalization with axis = −1). Unlike batch normalisation it behaves the same in training and inference
/// and does not couple the samples of a batch, which is why attention layers use it.
/// </summary>
public sealed class LayerNormalization : ILayer
{
    private Tensor? _normalized;
    private float[]? _inverseStandardDeviation;

    public LayerNormalization(string name, int features, double epsilon = 1e-5)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        Name = name;
        Features = features;
        Epsilon = epsilon;
        Gain = new Parameter($"{name}.{Parameter.GainRole}", Initialization.Filled(1f, features));
        Bias = new Parameter($"{name}.{Parameter.BiasRole}", Tensor.Zeros(features));
        Parameters = [Gain, Bias];
    }

    public string Name { get; }

    public int Features { get; }

    public double Epsilon { get; }

    /// <summary>[E], starts at 1.</summary>
    public Parameter Gain { get; }

    /// <summary>[E], starts at 0.</summary>
    public Parameter Bias { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 1 || input.Dimension(-1) != Features)
        {
            throw new ArgumentException($"{Name} expects [..., {Features}] but got {input}.", nameof(input));
        }

        var rows = input.Length / Features;
        var normalized = Tensor.ZerosLike(input);
        var output = Tensor.ZerosLike(input);
        var inverseStandardDeviation = new float[rows];
        Parallelism.For(rows, 4L * Features, r =>
        {
            var row = input.Data.AsSpan(r * Features, Features);
            var sum = 0.0;
            foreach (var value in row)
            {
                sum += value;
            }

            var mean = sum / Features;
            var squares = 0.0;
            foreach (var value in row)
            {
                squares += (value - mean) * (value - mean);
            }

            var inverse = 1.0 / Math.Sqrt((squares / Features) + Epsilon);
            inverseStandardDeviation[r] = (float)inverse;
            for (var e = 0; e < Features; e++)
            {
                var standardized = (row[e] - mean) * inverse;
                normalized.Data[(r * Features) + e] = (float)standardized;
                output.Data[(r * Features) + e] = (float)((Gain.Value.Data[e] * standardized) + Bias.Value.Data[e]);
            }
        });
        _normalized = normalized;
        _inverseStandardDeviation = inverseStandardDeviation;
        return output;
    }

    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var normalized = Initialization.RequireCached(_normalized, Name);
        var inverseStandardDeviation = Initialization.RequireCached(_inverseStandardDeviation, Name);
        outputGradient.RequireShape($"{Name} output gradient", normalized.ShapeArray());
        var rows = normalized.Length / Features;
        var inputGradient = Tensor.ZerosLike(normalized);

        // Rows are independent for the input gradient: dx = 1/σ · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)) with ĝ = gain · dy.
        Parallelism.For(rows, 6L * Features, r =>
        {
            var offset = r * Features;
            double meanScaled = 0, meanProjection = 0;
            for (var e = 0; e < Features; e++)
            {
                var scaled = (double)Gain.Value.Data[e] * outputGradient.Data[offset + e];
                meanScaled += scaled;
                meanProjection += scaled * normalized.Data[offset + e];
            }

            meanScaled /= Features;
            meanProjection /= Features;
            for (var e = 0; e < Features; e++)
            {
                var scaled = (double)Gain.Value.Data[e] * outputGradient.Data[offset + e];
                inputGradient.Data[offset + e] = (float)(inverseStandardDeviation[r] * (scaled - meanScaled - (normalized.Data[offset + e] * meanProjection)));
            }
        });

        // Gain and bias gradients sum over rows; done by feature so each sum runs in row order on one thread.
        Parallelism.For(Features, 2L * rows, e =>
        {
            double gain = 0, bias = 0;
            for (var r = 0; r < rows; r++)
            {
                var gradient = outputGradient.Data[(r * Features) + e];
                gain += (double)gradient * normalized.Data[(r * Features) + e];
                bias += gradient;
            }

            Gain.Gradient.Data[e] += (float)gain;
            Bias.Gradient.Data[e] += (float)bias;
        });
        return inputGradient;
    }
}
