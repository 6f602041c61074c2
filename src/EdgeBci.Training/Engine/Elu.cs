namespace EdgeBci.Training.Engine;

/// <summary>
/// Exponential linear unit with α = 1: <c>x</c> for x &gt; 0, <c>eˣ − 1</c> otherwise (ONNX Elu, EEGNet's
/// activation). Its slope is continuous at 0 (1 from both sides), and negative outputs keep the mean activation near
/// zero, which suits the small batches EEG training runs with.
/// </summary>
public sealed class Elu : ParameterFreeLayer
{
    private Tensor? _output;

    public Elu(string name)
        : base(name)
    {
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        var output = Tensor.ZerosLike(input);
        for (var i = 0; i < input.Length; i++)
        {
            var x = input.Data[i];
            output.Data[i] = x > 0 ? x : MathF.Exp(x) - 1;
        }

        _output = output;
        return output;
    }

    public override Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var output = Initialization.RequireCached(_output, Name);
        outputGradient.RequireShape($"{Name} output gradient", output.ShapeArray());

        // For x ≤ 0 the derivative eˣ equals output + 1, so the output alone is enough to go back.
        var inputGradient = Tensor.ZerosLike(output);
        for (var i = 0; i < output.Length; i++)
        {
            var y = output.Data[i];
            inputGradient.Data[i] = y > 0 ? outputGradient.Data[i] : outputGradient.Data[i] * (y + 1);
        }

        return inputGradient;
    }
}
