using System.Numerics.Tensors;

namespace EdgeBci.Training.Engine;

/// <summary>
/// Adds a learned vector to each token position: [B, N, E] + embedding [N, E]. Self-attention is blind to order
/// without it, and EEG timing (what happens 300 ms after a cue) carries the signal. Learned rather than sinusoidal
/// because N is fixed by the window length and there are only a few thousand values to learn. Initialised small
/// (±0.02) so it does not swamp the convolutional features at the start. Not weight-decayed (see
/// <see cref="Parameter.IsDecayed"/>).
/// </summary>
public sealed class PositionalEmbedding : ILayer
{
    private const double InitialBound = 0.02;

    public PositionalEmbedding(string name, int tokens, int embedding, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(embedding, 1);
        Name = name;
        Tokens = tokens;
        Embedding = embedding;
        Positions = new Parameter($"{name}.{Parameter.EmbeddingRole}", Initialization.Uniform(InitialBound, seed, tokens, embedding));
        Parameters = [Positions];
    }

    public string Name { get; }

    public int Tokens { get; }

    public int Embedding { get; }

    /// <summary>[N, E].</summary>
    public Parameter Positions { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.RequireRank(3, Name);
        var batch = input.Dimension(0);
        input.RequireShape($"{Name} input", batch, Tokens, Embedding);
        var output = Tensor.ZerosLike(input);
        var size = Tokens * Embedding;
        for (var b = 0; b < batch; b++)
        {
            TensorPrimitives.Add(input.Data.AsSpan(b * size, size), Positions.Value.Data, output.Data.AsSpan(b * size, size));
        }

        return output;
    }

    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        outputGradient.RequireRank(3, Name);
        var batch = outputGradient.Dimension(0);
        outputGradient.RequireShape($"{Name} output gradient", batch, Tokens, Embedding);
        var size = Tokens * Embedding;
        for (var b = 0; b < batch; b++)
        {
            TensorPrimitives.Add(Positions.Gradient.Data, outputGradient.Data.AsSpan(b * size, size), Positions.Gradient.Data);
        }

        return outputGradient.Clone();
    }
}
