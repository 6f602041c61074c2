namespace EdgeBci.Training.Engine;

/// <summary>
/// Gives each sample a new shape, keeping the batch axis: [B, …] → [B, <see cref="SampleShape"/>…], e.g.
/// [B, C, T] → [B, 1, C, T] before the temporal convolution, or a flatten to [B, F·T] before a linear head
/// (ONNX Reshape with shape [−1, …]). Row-major order is unchanged, so backward is the inverse reshape.
/// </summary>
public sealed class Reshape : ParameterFreeLayer
{
    private readonly int[] _sampleShape;
    private int[]? _inputShape;

    public Reshape(string name, params int[] sampleShape)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        _ = Tensor.ElementCount(sampleShape);
        _sampleShape = (int[])sampleShape.Clone();
    }

    /// <summary>Shape of one sample after the reshape (without the batch axis).</summary>
    public IReadOnlyList<int> SampleShape => _sampleShape;

    public override Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        var batch = input.Dimension(0);
        if (input.Length != batch * Tensor.ElementCount(_sampleShape))
        {
            throw new ArgumentException($"{Name} cannot give samples of {input} the shape [{string.Join(", ", _sampleShape)}].", nameof(input));
        }

        _inputShape = input.ShapeArray();
        return new Tensor((float[])input.Data.Clone(), [batch, .. _sampleShape]);
    }

    public override Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var inputShape = Initialization.RequireCached(_inputShape, Name);
        return new Tensor((float[])outputGradient.Data.Clone(), inputShape);
    }
}
