namespace EdgeBci.Training.Engine;

/// <summary>
/// Batch normalisation over axis 1 of [B, F, …] (any trailing axes, e.g. [B, F, H, T]): each feature map is
/// standardised with its mean and variance over the batch and all positions, then scaled by a learned gain and
/// shifted by a learned bias (ONNX BatchNormalization; gain = "scale", bias = "B").
/// <para>
/// <b>Training</b> uses the batch statistics (biased variance, which is what the gradient differentiates) and moves
/// the running estimates toward them: <c>running ← (1 − momentum)·running + momentum·batch</c>, with the unbiased
/// variance for the running estimate, as PyTorch does. <b>Inference</b> uses the running estimates, so a prediction
/// does not depend on the rest of the batch. Statistics are accumulated in double: with 16 maps × 64 trials × 500
/// samples the float32 sum of squares would lose digits.
/// </para>
/// </summary>
public sealed class BatchNormalization : ILayer
{
    private Tensor? _normalized;
    private float[]? _inverseStandardDeviation;

    // Whether the last forward pass normalised with batch statistics (and so backward must differentiate them).
    private bool _usedBatchStatistics;

    public BatchNormalization(string name, int features, double momentum = 0.1, double epsilon = 1e-5)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(momentum);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(momentum, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        Name = name;
        Features = features;
        Momentum = momentum;
        Epsilon = epsilon;
        Gain = new Parameter($"{name}.{Parameter.GainRole}", Initialization.Filled(1f, features));
        Bias = new Parameter($"{name}.{Parameter.BiasRole}", Tensor.Zeros(features));
        RunningMean = Tensor.Zeros(features);
        RunningVariance = Initialization.Filled(1f, features);
        Parameters = [Gain, Bias];
    }

    public string Name { get; }

    public int Features { get; }

    public double Momentum { get; }

    public double Epsilon { get; }

    /// <summary>[F], starts at 1.</summary>
    public Parameter Gain { get; }

    /// <summary>[F], starts at 0.</summary>
    public Parameter Bias { get; }

    /// <summary>[F]: state for inference, not learned by gradient (and so not in <see cref="Parameters"/>).</summary>
    public Tensor RunningMean { get; }

    /// <summary>[F]: unbiased running variance, starts at 1.</summary>
    public Tensor RunningVariance { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2 || input.Dimension(1) != Features)
        {
            throw new ArgumentException($"{Name} expects [B, {Features}, …] but got {input}.", nameof(input));
        }

        int batch = input.Dimension(0), positions = input.Length / (batch * Features);
        var count = batch * positions;
        if (training && count < 2)
        {
            throw new ArgumentException($"{Name} needs at least two values per feature to estimate a variance in training.", nameof(input));
        }

        var normalized = Tensor.ZerosLike(input);
        var output = Tensor.ZerosLike(input);
        var inverseStandardDeviation = new float[Features];
        Parallelism.For(Features, 3L * count, f =>
        {
            double mean, variance;
            if (training)
            {
                var sum = 0.0;
                for (var b = 0; b < batch; b++)
                {
                    foreach (var value in Map(input, b, f, positions))
                    {
                        sum += value;
                    }
                }

                mean = sum / count;
                var squares = 0.0;
                for (var b = 0; b < batch; b++)
                {
                    foreach (var value in Map(input, b, f, positions))
                    {
                        squares += (value - mean) * (value - mean);
                    }
                }

                variance = squares / count;
                RunningMean.Data[f] = (float)(((1 - Momentum) * RunningMean.Data[f]) + (Momentum * mean));
                RunningVariance.Data[f] = (float)(((1 - Momentum) * RunningVariance.Data[f]) + (Momentum * squares / (count - 1)));
            }
            else
            {
                mean = RunningMean.Data[f];
                variance = RunningVariance.Data[f];
            }

            var inverse = 1.0 / Math.Sqrt(variance + Epsilon);
            inverseStandardDeviation[f] = (float)inverse;
            double gain = Gain.Value.Data[f], bias = Bias.Value.Data[f];
            for (var b = 0; b < batch; b++)
            {
                var offset = ((b * Features) + f) * positions;
                for (var p = 0; p < positions; p++)
                {
                    var standardized = (input.Data[offset + p] - mean) * inverse;
                    normalized.Data[offset + p] = (float)standardized;
                    output.Data[offset + p] = (float)((gain * standardized) + bias);
                }
            }
        });
        _normalized = normalized;
        _inverseStandardDeviation = inverseStandardDeviation;
        _usedBatchStatistics = training;
        return output;
    }

    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var normalized = Initialization.RequireCached(_normalized, Name);
        var inverseStandardDeviation = Initialization.RequireCached(_inverseStandardDeviation, Name);
        outputGradient.RequireShape($"{Name} output gradient", normalized.ShapeArray());
        int batch = normalized.Dimension(0), positions = normalized.Length / (batch * Features);
        var count = batch * positions;
        var inputGradient = Tensor.ZerosLike(normalized);

        // Each feature's gradients depend only on that feature, so features run in parallel without any shared sum.
        Parallelism.For(Features, 4L * count, f =>
        {
            double gradientSum = 0, gradientDotNormalized = 0;
            for (var b = 0; b < batch; b++)
            {
                var offset = ((b * Features) + f) * positions;
                for (var p = 0; p < positions; p++)
                {
                    gradientSum += outputGradient.Data[offset + p];
                    gradientDotNormalized += (double)outputGradient.Data[offset + p] * normalized.Data[offset + p];
                }
            }

            Gain.Gradient.Data[f] += (float)gradientDotNormalized;
            Bias.Gradient.Data[f] += (float)gradientSum;

            // With batch statistics: dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)); with fixed statistics, γ/σ · dy.
            var scale = (double)Gain.Value.Data[f] * inverseStandardDeviation[f];
            double meanGradient = _usedBatchStatistics ? gradientSum / count : 0, meanProjection = _usedBatchStatistics ? gradientDotNormalized / count : 0;
            for (var b = 0; b < batch; b++)
            {
                var offset = ((b * Features) + f) * positions;
                for (var p = 0; p < positions; p++)
                {
                    inputGradient.Data[offset + p] = (float)(scale * (outputGradient.Data[offset + p] - meanGradient - (normalized.Data[offset + p] * meanProjection)));
                }
            }
        });
        return inputGradient;
    }

    private ReadOnlySpan<float> Map(Tensor input, int sample, int feature, int positions)
        => input.Data.AsSpan(((sample * Features) + feature) * positions, positions);
}
