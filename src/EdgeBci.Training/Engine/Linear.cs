using System.Numerics.Tensors;

namespace EdgeBci.Training.Engine;

/// <summary>
/// Affine map of the last axis: [..., In] → [..., Out], <c>y = x·Wᵀ + b</c> with weight [Out, In] and bias [Out]
/// (PyTorch's layout; ONNX Gemm with transB = 1 for [B, In], or MatMul by Wᵀ then Add for [B, N, In]). Applied to
/// every row independently, so it serves both as the classifier head on [B, In] and as a per-token projection on
/// [B, N, In].
/// <para>
/// Parallel over rows forward and for the input gradient; the weight gradient is parallel over output units, each
/// summing its rows in order on one thread, so no two threads ever add into the same value.
/// </para>
/// </summary>
public sealed class Linear : ILayer
{
    private Tensor? _input;

    public Linear(string name, int inputFeatures, int outputFeatures, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputFeatures, 1);
        Name = name;
        InputFeatures = inputFeatures;
        OutputFeatures = outputFeatures;
        Weight = new Parameter($"{name}.{Parameter.WeightRole}", Initialization.UniformFanIn(inputFeatures, seed, outputFeatures, inputFeatures));

        // Same bound as the weight (PyTorch's default), from a different stream of the seed.
        Bias = new Parameter($"{name}.{Parameter.BiasRole}", Initialization.UniformFanIn(inputFeatures, unchecked((seed * 31) + 17), outputFeatures));
        Parameters = [Weight, Bias];
    }

    public string Name { get; }

    public int InputFeatures { get; }

    public int OutputFeatures { get; }

    /// <summary>[Out, In].</summary>
    public Parameter Weight { get; }

    /// <summary>[Out].</summary>
    public Parameter Bias { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 1 || input.Dimension(-1) != InputFeatures)
        {
            throw new ArgumentException($"{Name} expects [..., {InputFeatures}] but got {input}.", nameof(input));
        }

        var rows = input.Length / InputFeatures;
        var shape = input.ShapeArray();
        shape[^1] = OutputFeatures;
        var output = Tensor.Zeros(shape);
        var weights = Weight.Value.Data;
        var biases = Bias.Value.Data;
        Parallelism.For(rows, (long)InputFeatures * OutputFeatures, r =>
        {
            var row = input.Data.AsSpan(r * InputFeatures, InputFeatures);
            for (var o = 0; o < OutputFeatures; o++)
            {
                output.Data[(r * OutputFeatures) + o] = DeterministicMath.Dot(row, weights.AsSpan(o * InputFeatures, InputFeatures)) + biases[o];
            }
        });
        _input = input;
        return output;
    }

    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var input = Initialization.RequireCached(_input, Name);
        var outputShape = input.ShapeArray();
        outputShape[^1] = OutputFeatures;
        outputGradient.RequireShape($"{Name} output gradient", outputShape);
        var rows = input.Length / InputFeatures;
        var inputGradient = Tensor.ZerosLike(input);
        var weights = Weight.Value.Data;
        Parallelism.For(rows, (long)InputFeatures * OutputFeatures, r =>
        {
            var target = inputGradient.Data.AsSpan(r * InputFeatures, InputFeatures);
            for (var o = 0; o < OutputFeatures; o++)
            {
                TensorPrimitives.MultiplyAdd(weights.AsSpan(o * InputFeatures, InputFeatures), outputGradient.Data[(r * OutputFeatures) + o], target, target);
            }
        });
        Parallelism.For(OutputFeatures, (long)rows * InputFeatures, o =>
        {
            var weightGradient = Weight.Gradient.Data.AsSpan(o * InputFeatures, InputFeatures);
            var biasGradient = 0.0;
            for (var r = 0; r < rows; r++)
            {
                var gradient = outputGradient.Data[(r * OutputFeatures) + o];
                TensorPrimitives.MultiplyAdd(input.Data.AsSpan(r * InputFeatures, InputFeatures), gradient, weightGradient, weightGradient);
                biasGradient += gradient;
            }

            Bias.Gradient.Data[o] += (float)biasGradient;
        });
        return inputGradient;
    }
}
