namespace EdgeBci.Training.Engine;

/// <summary>A layer that only reshapes or transforms its input (activations, pooling, dropout): named, nothing to learn.</summary>
public abstract class ParameterFreeLayer : ILayer
{
    protected ParameterFreeLayer(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyList<Parameter> Parameters => [];

    public abstract Tensor Forward(Tensor input, bool training);

    public abstract Tensor Backward(Tensor outputGradient);
}
