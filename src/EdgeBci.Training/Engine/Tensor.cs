namespace EdgeBci.Training.Engine;

/// <summary>
/// A dense row-major float32 array with a shape: the only data type the training engine moves between layers.
/// <para>
/// Deliberately minimal. There is no autograd tape and no broadcasting: every layer knows the shapes it accepts and
/// writes its own backward pass, so a shape mistake fails loudly at the layer that made it. Float32 because that is
/// what the headset runs (ONNX float tensors) and what <see cref="System.Numerics.Tensors.TensorPrimitives"/>
/// vectorises best; reductions that decide a gradient's accuracy (norm statistics, losses) are done in double.
/// </para>
/// </summary>
public sealed class Tensor
{
    private readonly int[] _shape;

    /// <summary>Wraps existing data without copying; later writes to <paramref name="data"/> are visible here.</summary>
    /// <exception cref="ArgumentException">The shape has a non-positive dimension or does not match the data length.</exception>
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        var count = ElementCount(shape);
        if (count != data.Length)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape)}] holds {count} values but the data has {data.Length}.", nameof(shape));
        }

        Data = data;
        _shape = (int[])shape.Clone();
    }

    /// <summary>The values, row-major (the last axis varies fastest).</summary>
    public float[] Data { get; }

    /// <summary>Size of each axis, read-only: a tensor's shape never changes (<see cref="Reshape"/> makes a new view).</summary>
    public IReadOnlyList<int> Shape => _shape;

    public int Rank => _shape.Length;

    /// <summary>Number of values: the product of the shape.</summary>
    public int Length => Data.Length;

    public Span<float> Span => Data;

    /// <summary>A new tensor of zeros.</summary>
    public static Tensor Zeros(params int[] shape) => new(new float[ElementCount(shape)], shape);

    /// <summary>A new tensor of zeros with the same shape as <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like)
    {
        ArgumentNullException.ThrowIfNull(like);
        return new Tensor(new float[like.Length], like._shape);
    }

    /// <summary>Product of the dimensions; every dimension must be positive.</summary>
    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        var count = 1L;
        foreach (var dimension in shape)
        {
            if (dimension <= 0)
            {
                throw new ArgumentException($"Shape [{string.Join(", ", shape.ToArray())}] has a non-positive dimension.", nameof(shape));
            }

            count *= dimension;
            if (count > int.MaxValue)
            {
                throw new ArgumentException("The shape holds more values than an array can.", nameof(shape));
            }
        }

        return (int)count;
    }

    /// <summary>Size of axis <paramref name="axis"/>; negative axes count from the end (−1 is the last).</summary>
    public int Dimension(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>
    /// A view with another shape over the same data (writes through either are visible in both). One dimension may
    /// be −1, meaning "whatever makes the element count match".
    /// </summary>
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var resolved = (int[])shape.Clone();
        var inferred = Array.IndexOf(resolved, -1);
        if (inferred >= 0)
        {
            resolved[inferred] = 1;
            var known = ElementCount(resolved);
            if (Length % known != 0)
            {
                throw new ArgumentException($"Cannot reshape {Length} values into [{string.Join(", ", shape)}].", nameof(shape));
            }

            resolved[inferred] = Length / known;
        }

        return new Tensor(Data, resolved);
    }

    /// <summary>A deep copy.</summary>
    public Tensor Clone() => new((float[])Data.Clone(), _shape);

    /// <summary>Whether the shape equals <paramref name="shape"/> exactly.</summary>
    public bool HasShape(params int[] shape) => _shape.AsSpan().SequenceEqual(shape);

    /// <summary>Row-major offset of an element of a rank-2 tensor.</summary>
    public int Offset(int i0, int i1) => (i0 * _shape[1]) + i1;

    /// <summary>Row-major offset of an element of a rank-3 tensor.</summary>
    public int Offset(int i0, int i1, int i2) => (((i0 * _shape[1]) + i1) * _shape[2]) + i2;

    /// <summary>Row-major offset of an element of a rank-4 tensor.</summary>
    public int Offset(int i0, int i1, int i2, int i3) => (((((i0 * _shape[1]) + i1) * _shape[2]) + i2) * _shape[3]) + i3;

    public override string ToString() => $"Tensor[{string.Join(", ", _shape)}]";

    /// <summary>Throws unless the tensor has rank <paramref name="rank"/>; names the layer so the message is useful.</summary>
    internal void RequireRank(int rank, string layer)
    {
        if (_shape.Length != rank)
        {
            throw new ArgumentException($"{layer} expects a rank-{rank} input but got {this}.");
        }
    }

    /// <summary>Throws unless the shape is exactly <paramref name="shape"/>.</summary>
    internal void RequireShape(string what, params int[] shape)
    {
        if (!HasShape(shape))
        {
            throw new ArgumentException($"{what} must have shape [{string.Join(", ", shape)}] but got {this}.");
        }
    }

    /// <summary>The shape as a fresh array, for building related shapes.</summary>
    internal int[] ShapeArray() => (int[])_shape.Clone();
}
