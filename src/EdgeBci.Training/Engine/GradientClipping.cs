namespace EdgeBci.Training.Engine;

/// <summary>
/// Rescales all gradients together so their joint Euclidean norm is at most a bound. A single artefact-laden batch
/// (an electrode pop is hundreds of microvolts) can otherwise produce one step large enough to undo an epoch.
/// </summary>
public static class GradientClipping
{
    /// <summary>Clips to <paramref name="maximumNorm"/> and returns the norm before clipping.</summary>
    public static double ClipGlobalNorm(IReadOnlyList<Parameter> parameters, double maximumNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximumNorm);
        var squares = 0.0;
        foreach (var parameter in parameters)
        {
            foreach (var gradient in parameter.Gradient.Data)
            {
                squares += (double)gradient * gradient;
            }
        }

        var norm = Math.Sqrt(squares);
        if (norm > maximumNorm)
        {
            var scale = (float)(maximumNorm / norm);
            foreach (var parameter in parameters)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(parameter.Gradient.Data, scale, parameter.Gradient.Data);
            }
        }

        return norm;
    }
}
