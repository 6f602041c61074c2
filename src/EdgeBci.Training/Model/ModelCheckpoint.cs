using System.Security.Cryptography;
using System.Text;
using EdgeBci.Training.Engine;

namespace EdgeBci.Training.Model;

/// <summary>One named tensor of a model's state: a parameter, or a batch-norm running statistic.</summary>
public sealed record StateEntry(string Name, int[] Shape, float[] Values);

/// <summary>
/// Saves and restores a model's complete state: every <see cref="Parameter"/> value and every
/// <see cref="BatchNormalization"/> running mean and variance (<c>{layer}.running_mean</c>,
/// <c>{layer}.running_variance</c>), matched by name.
/// <para>
/// File layout, little-endian: magic <c>"EBCKPT01"</c> (8 bytes), payload length (int64), SHA-256 of the payload
/// (32 bytes), then the payload: entry count (int32) and, per entry, the name (length-prefixed UTF-8 as
/// <see cref="BinaryWriter.Write(string)"/>), rank (int32), the dimensions (int32 each) and the values (float32
/// each). Loading verifies the magic, the length and the hash before parsing, then checks that the file holds
/// exactly the model's names with the model's shapes, and only then writes into the model, so a rejected file
/// leaves the model untouched.
/// </para>
/// </summary>
public static class ModelCheckpoint
{
    private const int HashLength = 32;
    private static readonly byte[] Magic = "EBCKPT01"u8.ToArray();

    /// <summary>The model's state as copies, in parameter order then batch-norm layer order.</summary>
    public static IReadOnlyList<StateEntry> Capture(ILayer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [.. Tensors(model).Select(pair => new StateEntry(pair.Name, pair.Tensor.ShapeArray(), (float[])pair.Tensor.Data.Clone()))];
    }

    /// <summary>Writes captured state back into the model (names and shapes must match exactly).</summary>
    /// <exception cref="InvalidDataException">A name is missing or unexpected, or a shape differs (named).</exception>
    public static void Restore(ILayer model, IReadOnlyList<StateEntry> state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        var targets = Tensors(model);
        var byName = new Dictionary<string, StateEntry>(StringComparer.Ordinal);
        foreach (var entry in state)
        {
            if (!byName.TryAdd(entry.Name, entry))
            {
                throw new InvalidDataException($"The checkpoint holds '{entry.Name}' twice.");
            }
        }

        foreach (var (name, tensor) in targets)
        {
            if (!byName.TryGetValue(name, out var entry))
            {
                throw new InvalidDataException($"The checkpoint has no tensor named '{name}', which the model needs.");
            }

            if (!tensor.HasShape(entry.Shape) || entry.Values.Length != tensor.Length)
            {
                throw new InvalidDataException(
                    $"'{name}' has shape [{string.Join(", ", entry.Shape)}] in the checkpoint but [{string.Join(", ", tensor.Shape)}] in the model.");
            }
        }

        var expected = new HashSet<string>(targets.Select(pair => pair.Name), StringComparer.Ordinal);
        var unexpected = byName.Keys.Where(name => !expected.Contains(name)).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidDataException($"The checkpoint holds tensors the model does not have: {string.Join(", ", unexpected)}.");
        }

        foreach (var (name, tensor) in targets)
        {
            byName[name].Values.CopyTo(tensor.Data, 0);
        }
    }

    public static void Save(ILayer model, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.Create(path);
        Save(model, stream);
    }

    public static void Save(ILayer model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        var payload = Serialize(Capture(model));
        stream.Write(Magic);
        Span<byte> length = stackalloc byte[sizeof(long)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, payload.Length);
        stream.Write(length);
        stream.Write(SHA256.HashData(payload));
        stream.Write(payload);
    }

    /// <exception cref="InvalidDataException">Not a checkpoint, truncated, hash mismatch, or names/shapes differ from the model.</exception>
    public static void Load(ILayer model, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Load(model, File.ReadAllBytes(path), path);
    }

    /// <exception cref="InvalidDataException">Not a checkpoint, truncated, hash mismatch, or names/shapes differ from the model.</exception>
    public static void Load(ILayer model, ReadOnlySpan<byte> file, string origin = "checkpoint")
    {
        ArgumentNullException.ThrowIfNull(model);
        var headerLength = Magic.Length + sizeof(long) + HashLength;
        if (file.Length < headerLength || !file[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{origin} is not an EdgeBci checkpoint (bad magic or too short).");
        }

        var payloadLength = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(file.Slice(Magic.Length, sizeof(long)));
        if (payloadLength != file.Length - headerLength)
        {
            throw new InvalidDataException($"{origin}: the header announces {payloadLength} payload bytes but the file holds {file.Length - headerLength}.");
        }

        var storedHash = file.Slice(Magic.Length + sizeof(long), HashLength);
        var payload = file[headerLength..];
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(storedHash))
        {
            throw new InvalidDataException($"{origin}: SHA-256 mismatch; the file is corrupted or was modified.");
        }

        IReadOnlyList<StateEntry> state;
        try
        {
            state = Deserialize(payload.ToArray());
        }
        catch (EndOfStreamException exception)
        {
            throw new InvalidDataException($"{origin}: the payload ends inside an entry.", exception);
        }

        try
        {
            Restore(model, state);
        }
        catch (InvalidDataException exception)
        {
            throw new InvalidDataException($"{origin}: {exception.Message}", exception);
        }
    }

    private static List<(string Name, Tensor Tensor)> Tensors(ILayer model)
    {
        var tensors = model.Parameters.Select(parameter => (parameter.Name, parameter.Value)).ToList();
        foreach (var norm in AttentionDecoder.Flatten(model).OfType<BatchNormalization>())
        {
            tensors.Add(($"{norm.Name}.running_mean", norm.RunningMean));
            tensors.Add(($"{norm.Name}.running_variance", norm.RunningVariance));
        }

        return tensors;
    }

    private static byte[] Serialize(IReadOnlyList<StateEntry> state)
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(state.Count);
            foreach (var entry in state)
            {
                writer.Write(entry.Name);
                writer.Write(entry.Shape.Length);
                foreach (var dimension in entry.Shape)
                {
                    writer.Write(dimension);
                }

                foreach (var value in entry.Values)
                {
                    writer.Write(value);
                }
            }
        }

        return memory.ToArray();
    }

    private static List<StateEntry> Deserialize(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
        var count = reader.ReadInt32();
        if (count < 0 || count > payload.Length)
        {
            throw new InvalidDataException($"The checkpoint claims {count} entries.");
        }

        var state = new List<StateEntry>(count);
        for (var i = 0; i < count; i++)
        {
            var name = reader.ReadString();
            var rank = reader.ReadInt32();
            if (rank is < 0 or > 8)
            {
                throw new InvalidDataException($"'{name}' has an implausible rank {rank}.");
            }

            var shape = new int[rank];
            long elements = 1;
            for (var d = 0; d < rank; d++)
            {
                shape[d] = reader.ReadInt32();
                elements *= shape[d];
                if (shape[d] <= 0 || elements * sizeof(float) > payload.Length)
                {
                    throw new InvalidDataException($"'{name}' has an invalid shape [{string.Join(", ", shape[..(d + 1)])}].");
                }
            }

            var values = new float[elements];
            for (var v = 0; v < values.Length; v++)
            {
                values[v] = reader.ReadSingle();
            }

            state.Add(new StateEntry(name, shape, values));
        }

        if (reader.BaseStream.Position != payload.Length)
        {
            throw new InvalidDataException($"The checkpoint has {payload.Length - reader.BaseStream.Position} trailing bytes after its entries.");
        }

        return state;
    }
}
