namespace EdgeBci.Training.Engine;

/// <summary>
/// Turns convolutional feature maps into a token sequence: [B, E, H, T] → [B, N = H·T, E]. Every (h, t) position
/// becomes a token whose embedding is the E map values there; after EEGNet's spatial convolution H = 1, so each
/// pooled time step is one token (ONNX: Reshape to [B, E, H·T], then Transpose perm [0, 2, 1]). Backward is the
/// inverse transpose.
/// </summary>
public sealed class FeatureMapsToTokens : ParameterFreeLayer
{
    private int[]? _inputShape;

    public FeatureMapsToTokens(string name)
        : base(name)
    {
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.RequireRank(4, Name);
        int batch = input.Dimension(0), embedding = input.Dimension(1), tokens = input.Dimension(2) * input.Dimension(3);
        var output = Tensor.Zeros(batch, tokens, embedding);
        Transpose(input.Data, output.Data, batch, embedding, tokens);
        _inputShape = input.ShapeArray();
        return output;
    }

    public override Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var inputShape = Initialization.RequireCached(_inputShape, Name);
        int batch = inputShape[0], embedding = inputShape[1], tokens = inputShape[2] * inputShape[3];
        outputGradient.RequireShape($"{Name} output gradient", batch, tokens, embedding);
        var inputGradient = Tensor.Zeros(inputShape);
        Transpose(outputGradient.Data, inputGradient.Data, batch, tokens, embedding);
        return inputGradient;
    }

    // Per sample, [rows, columns] → [columns, rows].
    private static void Transpose(float[] source, float[] target, int batch, int rows, int columns)
    {
        var size = rows * columns;
        for (var b = 0; b < batch; b++)
        {
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < columns; c++)
                {
                    target[(b * size) + (c * rows) + r] = source[(b * size) + (r * columns) + c];
                }
            }
        }
    }
}
