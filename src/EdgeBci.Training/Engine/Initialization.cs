namespace EdgeBci.Training.Engine;

/// <summary>
/// Seeded weight initialisation, so a model built twice with the same seeds starts from the same point.
/// </summary>
internal static class Initialization
{
    /// <summary>
    /// Uniform in ±1/√fanIn: PyTorch's default for linear and convolution layers (Kaiming-uniform with a = √5),
    /// which keeps the pre-activation variance around a third of the input's whatever the layer width.
    /// </summary>
    internal static Tensor UniformFanIn(int fanIn, int seed, params int[] shape) => Uniform(1.0 / Math.Sqrt(fanIn), seed, shape);

    /// <summary>Uniform in ±<paramref name="bound"/>, from a <see cref="Random"/> seeded with <paramref name="seed"/>.</summary>
    internal static Tensor Uniform(double bound, int seed, params int[] shape)
    {
        var tensor = Tensor.Zeros(shape);
        var random = new Random(seed);
        for (var i = 0; i < tensor.Length; i++)
        {
            tensor.Data[i] = (float)(((2 * random.NextDouble()) - 1) * bound);
        }

        return tensor;
    }

    /// <summary>A tensor filled with one value (normalisation gains start at 1).</summary>
    internal static Tensor Filled(float value, params int[] shape)
    {
        var tensor = Tensor.Zeros(shape);
        Array.Fill(tensor.Data, value);
        return tensor;
    }

    /// <summary>Throws with a message naming the layer when backward is called before forward.</summary>
    internal static T RequireCached<T>(T? cached, string layer)
        where T : class
        => cached ?? throw new InvalidOperationException($"{layer}: Backward was called before Forward.");
}
