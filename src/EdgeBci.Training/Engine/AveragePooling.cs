namespace EdgeBci.Training.Engine;

/// <summary>
/// Averages non-overlapping windows of <see cref="PoolSize"/> samples along the last (time) axis:
/// [..., T] → [..., ⌊T / P⌋] (kernel = stride = P; ONNX AveragePool with kernel [1, P], stride [1, P], no padding).
/// A trailing remainder shorter than P is dropped, as ONNX and PyTorch do without padding. This is how EEGNet
/// shortens 500 samples to a token sequence attention can afford.
/// </summary>
public sealed class AveragePooling : ParameterFreeLayer
{
    private int[]? _inputShape;

    public AveragePooling(string name, int poolSize)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 1);
        PoolSize = poolSize;
    }

    public int PoolSize { get; }

    public override Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        var samples = input.Dimension(-1);
        var pooled = samples / PoolSize;
        if (pooled == 0)
        {
            throw new ArgumentException($"{Name} pools {PoolSize} samples but the input {input} has only {samples}.", nameof(input));
        }

        var shape = input.ShapeArray();
        shape[^1] = pooled;
        var output = Tensor.Zeros(shape);
        var rows = input.Length / samples;
        var scale = 1f / PoolSize;
        for (var r = 0; r < rows; r++)
        {
            for (var t = 0; t < pooled; t++)
            {
                var sum = 0f;
                var start = (r * samples) + (t * PoolSize);
                for (var p = 0; p < PoolSize; p++)
                {
                    sum += input.Data[start + p];
                }

                output.Data[(r * pooled) + t] = sum * scale;
            }
        }

        _inputShape = input.ShapeArray();
        return output;
    }

    public override Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var inputShape = Initialization.RequireCached(_inputShape, Name);
        var samples = inputShape[^1];
        var pooled = samples / PoolSize;
        var outputShape = (int[])inputShape.Clone();
        outputShape[^1] = pooled;
        outputGradient.RequireShape($"{Name} output gradient", outputShape);
        var inputGradient = Tensor.Zeros(inputShape);
        var rows = inputGradient.Length / samples;
        var scale = 1f / PoolSize;
        for (var r = 0; r < rows; r++)
        {
            for (var t = 0; t < pooled; t++)
            {
                var share = outputGradient.Data[(r * pooled) + t] * scale;
                inputGradient.Data.AsSpan((r * samples) + (t * PoolSize), PoolSize).Fill(share);
            }
        }

        return inputGradient;
    }
}
