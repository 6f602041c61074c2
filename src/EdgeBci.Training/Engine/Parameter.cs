namespace EdgeBci.Training.Engine;

/// <summary>
/// A learnable tensor and the gradient of the loss with respect to it.
/// <para>
/// Backward passes <b>add</b> into <see cref="Gradient"/> rather than overwrite it, so a gradient can be gathered over
/// several backward calls (gradient accumulation, a layer used twice); the optimiser's caller zeroes it before each
/// step. The name is <c>"{layer}.{role}"</c> and the role matters: <see cref="AdamW"/> applies weight decay only to
/// roles named <see cref="WeightRole"/> (see <see cref="IsDecayed"/>).
/// </para>
/// </summary>
public sealed class Parameter
{
    /// <summary>Multiplicative weights of a linear map or convolution: the only role that is weight-decayed.</summary>
    public const string WeightRole = "weight";

    /// <summary>Additive offsets.</summary>
    public const string BiasRole = "bias";

    /// <summary>Multiplicative gains of a normalisation layer (ONNX calls them "scale", PyTorch "weight").</summary>
    public const string GainRole = "gain";

    /// <summary>Learned positional embeddings.</summary>
    public const string EmbeddingRole = "embedding";

    public Parameter(string name, Tensor value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        Name = name;
        Value = value;
        Gradient = Tensor.ZerosLike(value);
    }

    public string Name { get; }

    public Tensor Value { get; }

    /// <summary>Same shape as <see cref="Value"/>; accumulated by backward passes.</summary>
    public Tensor Gradient { get; }

    public int Length => Value.Length;

    /// <summary>
    /// Whether decoupled weight decay applies: only to <c>*.weight</c> parameters. Decaying biases, normalisation
    /// gains or embeddings toward zero does not regularise the function's complexity; it only fights the
    /// normalisation (shrinking a LayerNorm gain just rescales the next layer) and slows training.
    /// </summary>
    public bool IsDecayed => Name.EndsWith("." + WeightRole, StringComparison.Ordinal);

    public void ZeroGradient() => Array.Clear(Gradient.Data);

    public override string ToString() => $"{Name} {Value}";
}
