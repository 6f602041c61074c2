using System.Globalization;
using EdgeBci.Training.Onnx.Protos;
using Google.Protobuf;

namespace EdgeBci.Decoding.Bundle;

/// <summary>
/// The manifest's alignment and the graph's must be one and the same: the graph applies its "alignment" initializer,
/// the manifest records what the wearer was calibrated with, and a bundle whose two disagree (a hand-edited manifest,
/// a model copied from another wearer's bundle) would run one wearer's matrix under another's record. When the
/// manifest records an alignment, every model file of the bundle is checked: the graph's initializer must equal the
/// manifest's matrix (as float, which the graph stores). A manifest without one (bundles written before alignment
/// existed, base models) does not make the unit parse its graphs here: an old bundle loads as it always did.
/// </summary>
internal static class AlignmentGraphCheck
{
    /// <exception cref="ModelBundleException">A model's alignment differs from the manifest's (file, element and both values named).</exception>
    public static void Check(string folder, ModelManifest manifest)
    {
        if (manifest.Alignment is null)
        {
            return;
        }

        foreach (var name in new[] { ModelManifest.Int8ModelFile, ModelManifest.Fp32ModelFile })
        {
            var path = Path.Combine(folder, name);
            if (manifest.Files.Any(f => f.Name == name))
            {
                Check(File.ReadAllBytes(path), path, manifest.Alignment, manifest.Channels.Count);
            }
        }
    }

    /// <exception cref="ModelBundleException">See <see cref="Check(string, ModelManifest)"/>.</exception>
    public static void Check(byte[] model, string path, ModelAlignment? alignment, int channels)
    {
        GraphProto graph;
        try
        {
            graph = ModelProto.Parser.ParseFrom(model).Graph ?? throw new ModelBundleException($"{path}: the ONNX model has no graph.");
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new ModelBundleException($"{path}: not a readable ONNX model: {exception.Message}", exception);
        }

        var initializer = graph.Initializer.FirstOrDefault(t => t.Name == ModelAlignment.InitializerName);
        if (alignment is null)
        {
            if (initializer is not null)
            {
                throw new ModelBundleException(
                    $"{path}: the graph applies an '{ModelAlignment.InitializerName}' matrix but {ModelManifest.FileName} records no alignment; refusing the bundle.");
            }

            return;
        }

        if (initializer is null)
        {
            throw new ModelBundleException(
                $"{path}: {ModelManifest.FileName} records an alignment but the graph has no '{ModelAlignment.InitializerName}' initializer to apply it; refusing the bundle.");
        }

        var values = ReadFloats(initializer, path);
        if (values.Length != channels * channels || initializer.Dims.Count != 2 || initializer.Dims[0] != channels || initializer.Dims[1] != channels)
        {
            throw new ModelBundleException(
                $"{path}: the graph's '{ModelAlignment.InitializerName}' is [{string.Join(", ", initializer.Dims)}], not the manifest's {channels} × {channels}; refusing the bundle.");
        }

        for (var i = 0; i < channels; i++)
        {
            for (var j = 0; j < channels; j++)
            {
                var expected = (float)alignment.Matrix[i][j];
                var actual = values[(i * channels) + j];
                if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual))
                {
                    throw new ModelBundleException(string.Create(CultureInfo.InvariantCulture,
                        $"{path}: the graph's '{ModelAlignment.InitializerName}'[{i}][{j}] is {actual:R} but {ModelManifest.FileName} alignment.matrix[{i}][{j}] is {expected:R}; refusing the bundle."));
                }
            }
        }
    }

    private static float[] ReadFloats(TensorProto tensor, string path)
    {
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
        {
            throw new ModelBundleException($"{path}: the graph's '{tensor.Name}' is not a float tensor; refusing the bundle.");
        }

        if (tensor.RawData.Length > 0)
        {
            if (tensor.RawData.Length % sizeof(float) != 0)
            {
                throw new ModelBundleException($"{path}: the graph's '{tensor.Name}' holds {tensor.RawData.Length} raw bytes, not whole floats.");
            }

            var values = new float[tensor.RawData.Length / sizeof(float)];
            var bytes = tensor.RawData.Span;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }

            return values;
        }

        return [.. tensor.FloatData];
    }
}
