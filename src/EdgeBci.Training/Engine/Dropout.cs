namespace EdgeBci.Training.Engine;

/// <summary>
/// Inverted dropout: in training each value is zeroed with probability <see cref="Rate"/> and the survivors are
/// multiplied by 1 / (1 − rate), so the expected activation is unchanged and inference is the identity (no rescaling
/// to remember at export time; ONNX Dropout in inference mode is the identity too).
/// <para>
/// Deterministic: masks come from a <see cref="Random"/> seeded once at construction and drawn in call order, so
/// the same seed and the same sequence of training calls give the same masks. The draw is sequential (one stream,
/// value by value) precisely so that it does not depend on threading.
/// </para>
/// </summary>
public sealed class Dropout : ParameterFreeLayer
{
    private readonly Random _random;
    private float[]? _mask;
    private bool _maskFrozen;

    public Dropout(string name, double rate, int seed)
        : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rate, 1.0);
        Rate = rate;
        _random = new Random(seed);
    }

    public double Rate { get; }

    public override Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!training || Rate == 0)
        {
            _mask = null;
            return input.Clone();
        }

        if (!_maskFrozen || _mask is null || _mask.Length != input.Length)
        {
            var keep = (float)(1 / (1 - Rate));
            _mask = new float[input.Length];
            for (var i = 0; i < _mask.Length; i++)
            {
                _mask[i] = _random.NextDouble() < Rate ? 0f : keep;
            }
        }

        var output = Tensor.ZerosLike(input);
        System.Numerics.Tensors.TensorPrimitives.Multiply(input.Data, _mask, output.Data);
        return output;
    }

    public override Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        if (_mask is null)
        {
            return outputGradient.Clone();
        }

        if (outputGradient.Length != _mask.Length)
        {
            throw new ArgumentException($"{Name}: the output gradient {outputGradient} does not match the last forward pass.", nameof(outputGradient));
        }

        var inputGradient = Tensor.ZerosLike(outputGradient);
        System.Numerics.Tensors.TensorPrimitives.Multiply(outputGradient.Data, _mask, inputGradient.Data);
        return inputGradient;
    }

    /// <summary>
    /// Keeps the current mask for later training passes of the same size instead of drawing new ones: for gradient
    /// checks, where the loss must be the same function of the input on every evaluation.
    /// </summary>
    internal void FreezeMask() => _maskFrozen = true;
}
