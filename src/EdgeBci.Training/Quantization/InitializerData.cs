using System.Buffers.Binary;
using EdgeBci.Training.Onnx.Protos;
using Google.Protobuf;

namespace EdgeBci.Training.Quantization;

/// <summary>Reads float initializers and writes the integer ones QDQ needs, in ONNX's little-endian raw layout.</summary>
internal static class InitializerData
{
    public static long ElementCount(TensorProto tensor)
    {
        long count = 1;
        foreach (var dim in tensor.Dims)
        {
            count = checked(count * dim);
        }

        return count;
    }

    /// <exception cref="NotSupportedException">The tensor is not float, or its values are stored in a way this
    /// reader does not handle (external data).</exception>
    public static float[] ReadFloats(TensorProto tensor)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new NotSupportedException(
                $"Initializer '{tensor.Name}' is {(TensorProto.Types.DataType)tensor.DataType}, not float.");
        }

        var count = checked((int)ElementCount(tensor));
        if (tensor.RawData.Length > 0)
        {
            if (tensor.RawData.Length != count * sizeof(float))
            {
                throw new NotSupportedException(
                    $"Initializer '{tensor.Name}' has {tensor.RawData.Length} bytes of raw data; its shape needs {count * sizeof(float)}.");
            }

            var bytes = tensor.RawData.Span;
            var values = new float[count];
            for (var i = 0; i < count; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }

            return values;
        }

        if (tensor.FloatData.Count == count)
        {
            return [.. tensor.FloatData];
        }

        throw new NotSupportedException(
            $"Initializer '{tensor.Name}' holds {tensor.FloatData.Count} values for a shape of {count}; " +
            "initializers stored as external data are not supported.");
    }

    public static TensorProto Float(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return Tensor(name, TensorProto.Types.DataType.Float, bytes, dims);
    }

    public static TensorProto Int8(string name, ReadOnlySpan<sbyte> values, params long[] dims)
    {
        var bytes = new byte[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            bytes[i] = unchecked((byte)values[i]);
        }

        return Tensor(name, TensorProto.Types.DataType.Int8, bytes, dims);
    }

    public static TensorProto UInt8(string name, ReadOnlySpan<byte> values, params long[] dims) =>
        Tensor(name, TensorProto.Types.DataType.Uint8, values.ToArray(), dims);

    public static TensorProto Int32(string name, ReadOnlySpan<int> values, params long[] dims)
    {
        var bytes = new byte[values.Length * sizeof(int)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * sizeof(int)), values[i]);
        }

        return Tensor(name, TensorProto.Types.DataType.Int32, bytes, dims);
    }

    private static TensorProto Tensor(string name, TensorProto.Types.DataType type, byte[] bytes, long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
