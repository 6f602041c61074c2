using EdgeBci.Training.Onnx.Protos;
using Google.Protobuf;

namespace EdgeBci.Training.Onnx;

/// <summary>Serialises a <see cref="ModelProto"/> to the standard ONNX binary (protobuf) format.</summary>
public static class OnnxModelWriter
{
    /// <summary>The model as the bytes of a <c>.onnx</c> file.</summary>
    public static byte[] ToBytes(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.ToByteArray();
    }

    /// <summary>
    /// Writes the model to <paramref name="path"/>, replacing any existing file. The bytes go to a temporary file
    /// next to it first and are then moved into place, so a crash mid-write never leaves a truncated model under
    /// the final name for the headset to load.
    /// </summary>
    public static void Save(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = ToBytes(model);
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temporary = full + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
