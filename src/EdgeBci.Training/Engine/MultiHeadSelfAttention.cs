using System.Numerics.Tensors;

namespace EdgeBci.Training.Engine;

/// <summary>
/// Multi-head scaled dot-product self-attention on [B, N, E] (Vaswani et al. 2017): the tokens are projected to
/// queries, keys and values by <see cref="Query"/>, <see cref="Key"/> and <see cref="Value"/> (each [E → E] with bias),
/// split into <see cref="Heads"/> heads of E/H features, each head computes
/// <c>softmax(Q·Kᵀ / √(E/H))·V</c> over all N tokens, and the concatenated heads go through <see cref="Output"/>.
/// No mask: every EEG time step may look at every other.
/// <para>
/// The four projections are ordinary <see cref="Linear"/> layers so an exporter can emit them as MatMul + Add and
/// the attention core as MatMul/Softmax/MatMul per head. The core is parallel over (sample, head) pairs, whose
/// outputs and gradients are disjoint slices, so it is deterministic without any reduction buffers.
/// </para>
/// </summary>
public sealed class MultiHeadSelfAttention : ILayer
{
    // Per forward: Q, K, V as [B, N, E] and the attention weights as [B, H, N, N].
    private Tensor? _queries;
    private Tensor? _keys;
    private Tensor? _values;
    private float[]? _attention;

    public MultiHeadSelfAttention(string name, int embedding, int heads, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(embedding, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heads, 1);
        if (embedding % heads != 0)
        {
            throw new ArgumentException($"The embedding size {embedding} is not divisible by {heads} heads.", nameof(heads));
        }

        Name = name;
        Embedding = embedding;
        Heads = heads;
        Query = new Linear($"{name}.query", embedding, embedding, unchecked(seed + 1));
        Key = new Linear($"{name}.key", embedding, embedding, unchecked(seed + 2));
        Value = new Linear($"{name}.value", embedding, embedding, unchecked(seed + 3));
        Output = new Linear($"{name}.output", embedding, embedding, unchecked(seed + 4));
        Parameters = [.. Query.Parameters, .. Key.Parameters, .. Value.Parameters, .. Output.Parameters];
    }

    public string Name { get; }

    public int Embedding { get; }

    public int Heads { get; }

    public int HeadSize => Embedding / Heads;

    public Linear Query { get; }

    public Linear Key { get; }

    public Linear Value { get; }

    public Linear Output { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Attention weights of the last forward pass, [B, H, N, N] (rows sum to 1): for inspection.</summary>
    public Tensor? LastAttention { get; private set; }

    public Tensor Forward(Tensor input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.RequireRank(3, Name);
        if (input.Dimension(2) != Embedding)
        {
            throw new ArgumentException($"{Name} expects [B, N, {Embedding}] but got {input}.", nameof(input));
        }

        int batch = input.Dimension(0), tokens = input.Dimension(1);
        var queries = Query.Forward(input, training);
        var keys = Key.Forward(input, training);
        var values = Value.Forward(input, training);
        var attention = new float[batch * Heads * tokens * tokens];
        var context = Tensor.Zeros(batch, tokens, Embedding);
        var scale = 1f / MathF.Sqrt(HeadSize);
        Parallelism.For(batch * Heads, 2L * tokens * tokens * HeadSize, pair =>
        {
            int b = pair / Heads, h = pair % Heads;
            var q = Gather(queries, b, h, tokens);
            var kT = GatherTransposed(keys, b, h, tokens);
            var vT = GatherTransposed(values, b, h, tokens);
            var weights = attention.AsSpan(pair * tokens * tokens, tokens * tokens);
            var headContext = new float[tokens * HeadSize];
            for (var i = 0; i < tokens; i++)
            {
                // Scores of query i against every key, built a feature at a time so each vector op spans N tokens.
                var row = weights.Slice(i * tokens, tokens);
                for (var d = 0; d < HeadSize; d++)
                {
                    TensorPrimitives.MultiplyAdd(kT.AsSpan(d * tokens, tokens), q[(i * HeadSize) + d] * scale, row, row);
                }

                // Softmax after subtracting the row maximum, so no exponent overflows.
                TensorPrimitives.Subtract(row, TensorPrimitives.Max(row), row);
                DeterministicMath.Exp(row, row);
                TensorPrimitives.Divide(row, DeterministicMath.Sum(row), row);
                for (var d = 0; d < HeadSize; d++)
                {
                    headContext[(i * HeadSize) + d] = DeterministicMath.Dot(row, vT.AsSpan(d * tokens, tokens));
                }
            }

            Scatter(headContext, context, b, h, tokens);
        });
        _queries = queries;
        _keys = keys;
        _values = values;
        _attention = attention;
        LastAttention = new Tensor(attention, batch, Heads, tokens, tokens);
        return Output.Forward(context, training);
    }

    public Tensor Backward(Tensor outputGradient)
    {
        ArgumentNullException.ThrowIfNull(outputGradient);
        var queries = Initialization.RequireCached(_queries, Name);
        var keys = Initialization.RequireCached(_keys, Name);
        var values = Initialization.RequireCached(_values, Name);
        var attention = Initialization.RequireCached(_attention, Name);
        int batch = queries.Dimension(0), tokens = queries.Dimension(1);
        var contextGradient = Output.Backward(outputGradient);
        var queryGradient = Tensor.ZerosLike(queries);
        var keyGradient = Tensor.ZerosLike(keys);
        var valueGradient = Tensor.ZerosLike(values);
        var scale = 1f / MathF.Sqrt(HeadSize);
        Parallelism.For(batch * Heads, 5L * tokens * tokens * HeadSize, pair =>
        {
            int b = pair / Heads, h = pair % Heads;
            var q = Gather(queries, b, h, tokens);
            var kT = GatherTransposed(keys, b, h, tokens);
            var vT = GatherTransposed(values, b, h, tokens);
            var dc = Gather(contextGradient, b, h, tokens);
            var weights = attention.AsSpan(pair * tokens * tokens, tokens * tokens);
            var dq = new float[tokens * HeadSize];
            var dkT = new float[tokens * HeadSize];
            var dvT = new float[tokens * HeadSize];
            var weightGradient = new float[tokens];
            var scoreGradient = new float[tokens];
            for (var i = 0; i < tokens; i++)
            {
                var row = weights.Slice(i * tokens, tokens);

                // context_i = Σ_j a_ij v_j: ∂a_ij = dc_i · v_j and ∂v_j += a_ij dc_i.
                Array.Clear(weightGradient);
                for (var d = 0; d < HeadSize; d++)
                {
                    var dcid = dc[(i * HeadSize) + d];
                    TensorPrimitives.MultiplyAdd(vT.AsSpan(d * tokens, tokens), dcid, weightGradient, weightGradient);
                    var dvd = dvT.AsSpan(d * tokens, tokens);
                    TensorPrimitives.MultiplyAdd(row, dcid, dvd, dvd);
                }

                // Softmax: ∂s_ij = a_ij (∂a_ij − Σ_j' a_ij' ∂a_ij'); then through the 1/√d scale and s_ij = q_i · k_j.
                TensorPrimitives.Subtract(weightGradient, DeterministicMath.Dot(row, weightGradient), scoreGradient);
                TensorPrimitives.Multiply(scoreGradient, row, scoreGradient);
                TensorPrimitives.Multiply(scoreGradient, scale, scoreGradient);
                for (var d = 0; d < HeadSize; d++)
                {
                    dq[(i * HeadSize) + d] = DeterministicMath.Dot(scoreGradient, kT.AsSpan(d * tokens, tokens));
                    var dkd = dkT.AsSpan(d * tokens, tokens);
                    TensorPrimitives.MultiplyAdd(scoreGradient, q[(i * HeadSize) + d], dkd, dkd);
                }
            }

            Scatter(dq, queryGradient, b, h, tokens);
            ScatterTransposed(dkT, keyGradient, b, h, tokens);
            ScatterTransposed(dvT, valueGradient, b, h, tokens);
        });

        // The input fed all three projections, so its gradient is the sum of theirs (in a fixed order).
        var inputGradient = Query.Backward(queryGradient);
        TensorPrimitives.Add(inputGradient.Data, Key.Backward(keyGradient).Data, inputGradient.Data);
        TensorPrimitives.Add(inputGradient.Data, Value.Backward(valueGradient).Data, inputGradient.Data);
        return inputGradient;
    }

    // Copies head h of sample b out of [B, N, E] into a contiguous [N, E/H] block.
    private float[] Gather(Tensor source, int sample, int head, int tokens)
    {
        var block = new float[tokens * HeadSize];
        for (var n = 0; n < tokens; n++)
        {
            source.Data.AsSpan(source.Offset(sample, n, head * HeadSize), HeadSize).CopyTo(block.AsSpan(n * HeadSize, HeadSize));
        }

        return block;
    }

    // Copies head h of sample b out of [B, N, E] into a contiguous [E/H, N] block: keys and values are read a
    // feature at a time across all tokens, which keeps the vector operations N long instead of E/H (often 8) long.
    private float[] GatherTransposed(Tensor source, int sample, int head, int tokens)
    {
        var block = new float[tokens * HeadSize];
        for (var n = 0; n < tokens; n++)
        {
            var offset = source.Offset(sample, n, head * HeadSize);
            for (var d = 0; d < HeadSize; d++)
            {
                block[(d * tokens) + n] = source.Data[offset + d];
            }
        }

        return block;
    }

    private void ScatterTransposed(float[] block, Tensor target, int sample, int head, int tokens)
    {
        for (var n = 0; n < tokens; n++)
        {
            var offset = target.Offset(sample, n, head * HeadSize);
            for (var d = 0; d < HeadSize; d++)
            {
                target.Data[offset + d] = block[(d * tokens) + n];
            }
        }
    }

    private void Scatter(float[] block, Tensor target, int sample, int head, int tokens)
    {
        for (var n = 0; n < tokens; n++)
        {
            block.AsSpan(n * HeadSize, HeadSize).CopyTo(target.Data.AsSpan(target.Offset(sample, n, head * HeadSize), HeadSize));
        }
    }
}
