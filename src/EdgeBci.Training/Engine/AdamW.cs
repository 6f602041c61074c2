namespace EdgeBci.Training.Engine;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter 2019), the same update as PyTorch's <c>AdamW</c>:
/// <code>
/// w ← w − lr·λ·w                       (only if the parameter is decayed)
/// m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
/// w ← w − lr · (m / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε)
/// </code>
/// Decay is decoupled (applied to the weights, not added to the gradient) so that it is not rescaled by Adam's
/// per-parameter step sizes. It applies only where <see cref="Parameter.IsDecayed"/>: names ending in
/// <c>.weight</c>. Biases, normalisation gains (<c>.gain</c>) and positional embeddings are not decayed, by that
/// naming convention. Moments are kept in double so long runs with tiny gradients do not stall in float rounding.
/// </summary>
public sealed class AdamW
{
    private readonly Parameter[] _parameters;
    private readonly double[][] _firstMoments;
    private readonly double[][] _secondMoments;

    public AdamW(IReadOnlyList<Parameter> parameters, double learningRate = 1e-3, double weightDecay = 1e-2,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(learningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(weightDecay);
        ArgumentOutOfRangeException.ThrowIfNegative(beta1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta1, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegative(beta2);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(beta2, 1.0);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epsilon);
        _parameters = [.. parameters];
        _firstMoments = [.. _parameters.Select(parameter => new double[parameter.Length])];
        _secondMoments = [.. _parameters.Select(parameter => new double[parameter.Length])];
        LearningRate = learningRate;
        WeightDecay = weightDecay;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    /// <summary>Step size; a schedule changes it between steps.</summary>
    public double LearningRate { get; set; }

    public double WeightDecay { get; }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    /// <summary>Steps taken so far (t in the bias corrections).</summary>
    public int StepCount { get; private set; }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Updates every parameter from its accumulated gradient. Does not zero the gradients.</summary>
    public void Step()
    {
        StepCount++;
        var firstCorrection = 1 - Math.Pow(Beta1, StepCount);
        var secondCorrection = 1 - Math.Pow(Beta2, StepCount);
        var largest = _parameters.Length == 0 ? 0 : _parameters.Max(parameter => parameter.Length);

        // Parameters are independent, so each is updated by one thread in element order: deterministic.
        Parallelism.For(_parameters.Length, 8L * largest, p =>
        {
            var parameter = _parameters[p];
            var values = parameter.Value.Data;
            var gradients = parameter.Gradient.Data;
            var first = _firstMoments[p];
            var second = _secondMoments[p];
            var decay = parameter.IsDecayed ? 1 - (LearningRate * WeightDecay) : 1.0;
            for (var i = 0; i < values.Length; i++)
            {
                double gradient = gradients[i];
                first[i] = (Beta1 * first[i]) + ((1 - Beta1) * gradient);
                second[i] = (Beta2 * second[i]) + ((1 - Beta2) * gradient * gradient);
                var update = first[i] / firstCorrection / (Math.Sqrt(second[i] / secondCorrection) + Epsilon);
                values[i] = (float)((values[i] * decay) - (LearningRate * update));
            }
        });
    }

    public void ZeroGradients()
    {
        foreach (var parameter in _parameters)
        {
            parameter.ZeroGradient();
        }
    }
}
