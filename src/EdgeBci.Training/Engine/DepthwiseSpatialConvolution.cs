using System.Numerics.Tensors;

namespace EdgeBci.Training.Engine;

/// <summary>
/// EEGNet's second block: each of the F temporal maps gets D spatial filters spanning all C channels (a depthwise
/// convolution with kernel [C, 1] and depth multiplier D). [B, F, C, T] → [B, F·D, 1, T]; weight [F·D, C], output map
/// <c>g = f·D + d</c> reads input map f (ONNX Conv with group = F, kernel [C, 1], weight [F·D, 1, C, 1]). No bias: a
/// batch normalisation follows.
/// <para>
/// Each output map is a learned common-spatial-pattern-like projection of one frequency band, which is why EEGNet
/// needs so few parameters. (EEGNet also caps each filter's norm at 1; that constraint, if wanted, belongs in the
/// training loop after the optimiser step.)
/// </para>
/// </summary>
public sealed class DepthwiseSpatialConvolution : ILayer
{
    private Tensor? _input;

    public DepthwiseSpatialConvolution(string name, int inputMaps, int depthMultiplier, int channels, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputMaps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(depthMultiplier, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        Name = name;
        InputMaps = inputMaps;
        DepthMultiplier = depthMultiplier;
        Channels = channels;
        Weight = new Parameter($"{name}.{Parameter.WeightRole}", Initialization.UniformFanIn(channels, seed, OutputMaps, channels));
        Parameters = [Weight];
    }

    public string Name { get; }

    public int InputMaps { get; }

    public int DepthMultiplier { get; }

    public int Channels { get; }

    public int OutputMaps => InputMaps * DepthMultiplier;

    /// <summary>[F·D, C].</summary>
    public Parameter Weight { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.RequireRank(4, Name);
        int batch = input.Dimension(0), samples = input.Dimension(3);
        input.RequireShape($"{Name} input", batch, InputMaps, Channels, samples);
        var output = Tensor.Zeros(batch, OutputMaps, 1, samples);
        var weights = Weight.Value.Data;
        Parallelism.For(batch, (long)OutputMaps * Channels * samples, b =>
        {
            for (var g = 0; g < OutputMaps; g++)
            {
                var f = g / DepthMultiplier;
                var target = output.Data.AsSpan(output.Offset(b, g, 0, 0), samples);
                for (var c = 0; c < Channels; c++)
                {
                    TensorPrimitives.MultiplyAdd(input.Data.AsSpan(input.Offset(b, f, c, 0), samples), weights[(g * Channels) + c], target, target);
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
        int batch = input.Dimension(0), samples = input.Dimension(3);
        outputGradient.RequireShape($"{Name} output gradient", batch, OutputMaps, 1, samples);
        var inputGradient = Tensor.ZerosLike(input);
        var weights = Weight.Value.Data;
        Parallelism.AccumulatePerSample(batch, 2L * OutputMaps * Channels * samples, Weight.Gradient.Data, (b, weightGradient) =>
        {
            for (var g = 0; g < OutputMaps; g++)
            {
                var f = g / DepthMultiplier;
                var gradient = outputGradient.Data.AsSpan(outputGradient.Offset(b, g, 0, 0), samples);
                for (var c = 0; c < Channels; c++)
                {
                    var offset = input.Offset(b, f, c, 0);
                    weightGradient[(g * Channels) + c] += DeterministicMath.Dot(gradient, input.Data.AsSpan(offset, samples));
                    var sourceGradient = inputGradient.Data.AsSpan(offset, samples);
                    TensorPrimitives.MultiplyAdd(gradient, weights[(g * Channels) + c], sourceGradient, sourceGradient);
                }
            }
        });
        return inputGradient;
    }
}
