namespace EdgeBci.Training.Engine;

/// <summary>
/// One step of the network with its hand-written derivative.
/// <para>
/// Contract: <see cref="Forward"/> does not modify its input and may keep a reference to it (and to anything else
/// the backward pass needs), so the caller must not overwrite an input before the matching <see cref="Backward"/>.
/// <see cref="Backward"/> takes ∂loss/∂output of the most recent forward call, returns ∂loss/∂input (a new tensor,
/// input-shaped) and <b>adds</b> ∂loss/∂parameter into each <see cref="Parameter.Gradient"/>. Every layer is
/// deterministic: same inputs and parameters give bit-identical outputs and gradients however many threads run.
/// </para>
/// </summary>
public interface ILayer
{
    /// <summary>Unique within a model; prefixes the parameter names.</summary>
    string Name { get; }

    /// <summary>The learnable tensors, in a fixed order (the optimiser and serialisers rely on it).</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <param name="training">Training mode: batch statistics in batch normalisation, active dropout.</param>
    Tensor Forward(Tensor input, bool training);

    Tensor Backward(Tensor outputGradient);
}

/// <summary>Helpers every layer gets.</summary>
public static class LayerExtensions
{
    /// <summary>Total number of learnable values.</summary>
    public static int ParameterCount(this ILayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return ParameterCount(layer.Parameters);
    }

    /// <summary>Total number of values in <paramref name="parameters"/>.</summary>
    public static int ParameterCount(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var count = 0;
        foreach (var parameter in parameters)
        {
            count += parameter.Length;
        }

        return count;
    }

    public static void ZeroGradients(this ILayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        foreach (var parameter in layer.Parameters)
        {
            parameter.ZeroGradient();
        }
    }
}
