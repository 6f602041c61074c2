namespace EdgeBci.Training.Onnx;

/// <summary>
/// One dimension of a graph input or output: a fixed size, or a symbolic name (such as <see cref="Batch"/>) that the
/// runtime binds when the model is run. Converts implicitly from <see cref="int"/>, <see cref="long"/> and
/// <see cref="string"/>, so shapes read as <c>builder.AddInput("x", OnnxDim.Batch, 1, 8, 50)</c>.
/// </summary>
public readonly record struct OnnxDim
{
    /// <summary>The conventional symbolic batch dimension, <c>"batch"</c>.</summary>
    public static readonly OnnxDim Batch = new("batch");

    private OnnxDim(long value, string? symbol)
    {
        Value = value;
        Symbol = symbol;
    }

    /// <summary>A fixed dimension.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public OnnxDim(long value)
        : this(value, null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
    }

    /// <summary>A symbolic dimension; dimensions with the same name must have the same size at run time.</summary>
    /// <exception cref="ArgumentException"><paramref name="symbol"/> is null, empty or white space.</exception>
    public OnnxDim(string symbol)
        : this(0, symbol)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
    }

    /// <summary>The fixed size; 0 for a symbolic dimension.</summary>
    public long Value { get; }

    /// <summary>The symbolic name, or null for a fixed dimension.</summary>
    public string? Symbol { get; }

    public bool IsSymbolic => Symbol is not null;

    public static implicit operator OnnxDim(long value) => FromInt64(value);

    public static implicit operator OnnxDim(string symbol) => FromString(symbol);

    public static OnnxDim FromInt64(long value) => new(value);

    public static OnnxDim FromString(string symbol) => new(symbol);

    public override string ToString() => Symbol ?? Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
