namespace EdgeBci.Training.Engine;

/// <summary>
/// Layers applied one after another; backward runs them in reverse. The whole model is a <see cref="Sequential"/>,
/// possibly nesting others (inside a <see cref="Residual"/>), so "the model" needs no graph: its structure is
/// the list.
/// </summary>
public sealed class Sequential : ILayer
{
    private readonly ILayer[] _layers;

    public Sequential(string name, params ILayer[] layers)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Length == 0)
        {
            throw new ArgumentException("A sequential model needs at least one layer.", nameof(layers));
        }

        _layers = (ILayer[])layers.Clone();
        Name = name;
        Parameters = [.. _layers.SelectMany(layer => layer.Parameters)];
        var duplicate = Parameters.GroupBy(parameter => parameter.Name, StringComparer.Ordinal).FirstOrDefault(group => group.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two parameters are both named '{duplicate.Key}'; give the layers distinct names.", nameof(layers));
        }
    }

    public string Name { get; }

    public IReadOnlyList<ILayer> Layers => _layers;

    /// <summary>Every layer's parameters, in layer order.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    public Tensor Forward(Tensor input, bool training)
    {
        var current = input;
        foreach (var layer in _layers)
        {
            current = layer.Forward(current, training);
        }

        return current;
    }

    public Tensor Backward(Tensor outputGradient)
    {
        var current = outputGradient;
        for (var i = _layers.Length - 1; i >= 0; i--)
        {
            current = _layers[i].Backward(current);
        }

        return current;
    }
}
