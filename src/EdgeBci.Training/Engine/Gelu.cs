namespace EdgeBci.Training.Engine;

/// <summary>
/// Gaussian error linear unit, <b>tanh approximation</b>:
/// <c>½·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c> (Hendrycks and Gimpel 2016), the transformer feed-forward
/// activation. The approximation rather than the exact <c>x·Φ(x)</c> because it needs only tanh (no erf in .NET) and
/// maps to ONNX Gelu with <c>approximate="tanh"</c> (opset 20) or to a handful of elementary ops for older runtimes;
/// the two differ by less than 1e-3 everywhere. An exporter must use the tanh form to reproduce these outputs.
/// </summary>
public sealed class Gelu : ParameterFreeLayer
{
    private const double SqrtTwoOverPi = 0.7978845608028654;
    private const double CubicCoefficient = 0.044715;

    private Tensor? _input;

    public Gelu(string name)
        : base(name)
    {
    }

    public override Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        var output = Tensor.ZerosLike(input);
        for (var i = 0; i < input.Length; i++)
        {
            double x = input.Data[i];
            output.Data[i] = (float)(0.5 * x * (1 + Math.Tanh(SqrtTwoOverPi * (x + (CubicCoefficient * x * x * x)))));
        }

        _input = input;
        return output;
    }

    public override Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var input = Initialization.RequireCached(_input, Name);
        outputGradient.RequireShape($"{Name} output gradient", input.ShapeArray());
        var inputGradient = Tensor.ZerosLike(input);
        for (var i = 0; i < input.Length; i++)
        {
            double x = input.Data[i];
            var t = Math.Tanh(SqrtTwoOverPi * (x + (CubicCoefficient * x * x * x)));
            var derivative = (0.5 * (1 + t)) + (0.5 * x * (1 - (t * t)) * SqrtTwoOverPi * (1 + (3 * CubicCoefficient * x * x)));
            inputGradient.Data[i] = (float)(outputGradient.Data[i] * derivative);
        }

        return inputGradient;
    }
}
