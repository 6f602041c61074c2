using System.Numerics.Tensors;

namespace EdgeBci.Training.Engine;

/// <summary>
/// EEGNet's first block: <c>F</c> filters of length <c>K</c> slid along time, the same filter on every channel, so each
/// filter is a learned band-pass. [B, 1, C, T] → [B, F, C, T]; weight [F, K]; no bias (a batch normalisation
/// follows and would cancel it).
/// <para>
/// 'Same' zero padding: <see cref="PadBefore"/> = (K − 1) / 2 zeros before the signal and K − 1 − PadBefore after,
/// as PyTorch's <c>padding='same'</c> does (one more zero after than before for even K). Output sample t is
/// <c>Σ_k w[f, k] · x[c, t + k − PadBefore]</c> (cross-correlation, like every deep-learning "convolution" and ONNX
/// Conv with kernel [1, K]).
/// </para>
/// </summary>
public sealed class TemporalConvolution : ILayer
{
    private Tensor? _input;

    public TemporalConvolution(string name, int filters, int kernelLength, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(filters, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelLength, 1);
        Name = name;
        Filters = filters;
        KernelLength = kernelLength;
        Weight = new Parameter($"{name}.{Parameter.WeightRole}", Initialization.UniformFanIn(kernelLength, seed, filters, kernelLength));
        Parameters = [Weight];
    }

    public string Name { get; }

    public int Filters { get; }

    public int KernelLength { get; }

    /// <summary>Zeros before the signal; <c>KernelLength − 1 − PadBefore</c> come after.</summary>
    public int PadBefore => (KernelLength - 1) / 2;

    public int PadAfter => KernelLength - 1 - PadBefore;

    /// <summary>[F, K].</summary>
    public Parameter Weight { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.RequireRank(4, Name);
        if (input.Dimension(1) != 1)
        {
            throw new ArgumentException($"{Name} expects one input map [B, 1, C, T] but got {input}.", nameof(input));
        }

        int batch = input.Dimension(0), channels = input.Dimension(2), samples = input.Dimension(3);
        var output = Tensor.Zeros(batch, Filters, channels, samples);
        var weights = Weight.Value.Data;
        Parallelism.For(batch, (long)Filters * channels * samples * KernelLength, b =>
        {
            for (var f = 0; f < Filters; f++)
            {
                for (var c = 0; c < channels; c++)
                {
                    var source = input.Data.AsSpan(input.Offset(b, 0, c, 0), samples);
                    var target = output.Data.AsSpan(output.Offset(b, f, c, 0), samples);
                    for (var k = 0; k < KernelLength; k++)
                    {
                        var (start, end, shift) = ValidRange(k, samples);
                        if (start < end)
                        {
                            var slice = target[start..end];
                            TensorPrimitives.MultiplyAdd(source[(start + shift)..(end + shift)], weights[(f * KernelLength) + k], slice, slice);
                        }
                    }
                }
            }
        });
        _input = input;
        return output;
    }

    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var input = Initialization.RequireCached(_input, Name);
        int batch = input.Dimension(0), channels = input.Dimension(2), samples = input.Dimension(3);
        outputGradient.RequireShape($"{Name} output gradient", batch, Filters, channels, samples);
        var inputGradient = Tensor.ZerosLike(input);
        var weights = Weight.Value.Data;
        Parallelism.AccumulatePerSample(batch, 2L * Filters * channels * samples * KernelLength, Weight.Gradient.Data, (b, weightGradient) =>
        {
            for (var f = 0; f < Filters; f++)
            {
                for (var c = 0; c < channels; c++)
                {
                    var source = input.Data.AsSpan(input.Offset(b, 0, c, 0), samples);
                    var sourceGradient = inputGradient.Data.AsSpan(inputGradient.Offset(b, 0, c, 0), samples);
                    var gradient = outputGradient.Data.AsSpan(outputGradient.Offset(b, f, c, 0), samples);
                    for (var k = 0; k < KernelLength; k++)
                    {
                        var (start, end, shift) = ValidRange(k, samples);
                        if (start < end)
                        {
                            var tap = (f * KernelLength) + k;
                            weightGradient[tap] += DeterministicMath.Dot(gradient[start..end], source[(start + shift)..(end + shift)]);
                            var slice = sourceGradient[(start + shift)..(end + shift)];
                            TensorPrimitives.MultiplyAdd(gradient[start..end], weights[tap], slice, slice);
                        }
                    }
                }
            }
        });
        return inputGradient;
    }

    // Output samples [start, end) whose tap k lands inside the signal, at input index t + shift.
    private (int Start, int End, int Shift) ValidRange(int tap, int samples)
    {
        var shift = tap - PadBefore;
        return (Math.Max(0, -shift), Math.Min(samples, samples - shift), shift);
    }
}
