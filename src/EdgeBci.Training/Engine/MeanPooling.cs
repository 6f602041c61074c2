namespace EdgeBci.Training.Engine;

/// <summary>
/// Averages the tokens of each sample: [B, N, E] → [B, E] (ONNX ReduceMean over axis 1, keepdims 0). The classifier
/// head sees one vector per window whatever the sequence length; backward gives every token 1/N of the gradient.
/// </summary>
public sealed class MeanPooling : ParameterFreeLayer
{
    private int[]? _inputShape;

    public MeanPooling(string name)
        : base(name)
    {
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.RequireRank(3, Name);
        int batch = input.Dimension(0), tokens = input.Dimension(1), embedding = input.Dimension(2);
        var output = Tensor.Zeros(batch, embedding);
        for (var b = 0; b < batch; b++)
        {
            for (var e = 0; e < embedding; e++)
            {
                var sum = 0.0;
                for (var n = 0; n < tokens; n++)
                {
                    sum += input.Data[input.Offset(b, n, e)];
                }

                output.Data[(b * embedding) + e] = (float)(sum / tokens);
            }
        }

        _inputShape = input.ShapeArray();
        return output;
    }

    public override Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var inputShape = Initialization.RequireCached(_inputShape, Name);
        int batch = inputShape[0], tokens = inputShape[1], embedding = inputShape[2];
        outputGradient.RequireShape($"{Name} output gradient", batch, embedding);
        var inputGradient = Tensor.Zeros(inputShape);
        for (var b = 0; b < batch; b++)
        {
            for (var n = 0; n < tokens; n++)
            {
                for (var e = 0; e < embedding; e++)
                {
                    inputGradient.Data[inputGradient.Offset(b, n, e)] = outputGradient.Data[(b * embedding) + e] / tokens;
                }
            }
        }

        return inputGradient;
    }
}
