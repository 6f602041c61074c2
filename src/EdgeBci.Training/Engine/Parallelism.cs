namespace EdgeBci.Training.Engine;

/// <summary>
/// How the engine spreads work over cores without giving up bit-for-bit reproducibility.
/// <para>
/// Float addition is not associative, so a gradient summed by racing threads depends on the schedule. The engine
/// therefore only parallelises work whose outputs are disjoint (one sample's activations, one filter's gradient),
/// and when several samples contribute to one parameter gradient each sample writes its own buffer and the buffers
/// are added afterwards in sample order (<see cref="AccumulatePerSample"/>). The result is identical whether the
/// loop runs on one thread or many, which is also what lets the tests compare the two.
/// </para>
/// </summary>
internal static class Parallelism
{
    // Below this many multiply-adds a loop runs inline: scheduling a task costs microseconds.
    private const long DefaultMinimumParallelWork = 1 << 15;

    /// <summary>Upper bound on threads; −1 means the runtime's default. Tests set 1 to force sequential runs.</summary>
    internal static int MaxDegreeOfParallelism { get; set; } = -1;

    /// <summary>Total work below which loops run inline; tests lower it to force the parallel path on tiny shapes.</summary>
    internal static long MinimumParallelWork { get; set; } = DefaultMinimumParallelWork;

    /// <summary>Runs <paramref name="body"/> for 0..count−1, in parallel when the total work pays for it.</summary>
    /// <param name="workPerItem">Rough multiply-adds per item, only for deciding whether to parallelise.</param>
    internal static void For(int count, long workPerItem, Action<int> body)
    {
        if (count <= 1 || MaxDegreeOfParallelism == 1 || count * workPerItem < MinimumParallelWork)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism }, body);
    }

    /// <summary>
    /// Runs <paramref name="perSample"/> for every sample with a zeroed private gradient buffer of
    /// <paramref name="gradientLength"/> values, then adds the buffers into <paramref name="gradient"/> in sample
    /// order, so the sum is the same however the samples were scheduled.
    /// </summary>
    internal static void AccumulatePerSample(int samples, long workPerSample, float[] gradient, Action<int, float[]> perSample)
    {
        var gradientLength = gradient.Length;
        var buffers = new float[samples][];
        For(samples, workPerSample, sample =>
        {
            var buffer = new float[gradientLength];
            perSample(sample, buffer);
            buffers[sample] = buffer;
        });
        foreach (var buffer in buffers)
        {
            System.Numerics.Tensors.TensorPrimitives.Add(gradient, buffer, gradient);
        }
    }
}
