using System.Globalization;
using EdgeBci.Decoding.Bundle;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Decoding.Inference;

/// <summary>
/// ONNX Runtime's optimised form of a bundle model, kept on disk between runs. The optimised file is trusted only
/// when its sidecar (<c>{path}.source</c>) names the SHA-256 of the exact bundle model it was made from, the ONNX
/// Runtime version and optimisation level that made it, and the SHA-256 of the optimised file itself; anything else
/// (another model, an upgrade, a truncated write) rebuilds it. The sidecar guards against staleness and corruption,
/// not against someone who can write both files: the bundle's own hashes are the trust anchor.
/// </summary>
public static class OptimizedModelCache
{
    /// <summary>The sidecar file beside an optimised model.</summary>
    public static string SidecarPath(string cachePath) => cachePath + ".source";

    /// <summary>True when <paramref name="cachePath"/> holds the optimised form of the model whose SHA-256 is <paramref name="sourceSha256"/>.</summary>
    public static bool IsValid(string cachePath, string sourceSha256, GraphOptimizationLevel level)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(cachePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceSha256);
        var sidecar = SidecarPath(cachePath);
        if (!File.Exists(cachePath) || !File.Exists(sidecar))
        {
            return false;
        }

        try
        {
            var expected = Describe(sourceSha256, level, ModelBundle.Sha256(cachePath));
            return string.Equals(File.ReadAllText(sidecar).Trim(), expected.Trim(), StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Records that the optimised model written to <paramref name="temporaryPath"/> came from <paramref name="sourceSha256"/>,
    /// and moves it into place. The sidecar is written last, so a crash in between leaves a cache that fails
    /// <see cref="IsValid"/> and is rebuilt.
    /// </summary>
    public static void Commit(string temporaryPath, string cachePath, string sourceSha256, GraphOptimizationLevel level)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(temporaryPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(cachePath);
        var sidecar = SidecarPath(cachePath);
        File.Delete(sidecar);
        File.Move(temporaryPath, cachePath, overwrite: true);
        var temporarySidecar = sidecar + ".tmp";
        File.WriteAllText(temporarySidecar, Describe(sourceSha256, level, ModelBundle.Sha256(cachePath)));
        File.Move(temporarySidecar, sidecar, overwrite: true);
    }

    private static string Describe(string sourceSha256, GraphOptimizationLevel level, string optimizedSha256) =>
        string.Create(CultureInfo.InvariantCulture,
            $"source-sha256 {sourceSha256.ToLowerInvariant()}\nonnxruntime {OrtEnv.Instance().GetVersionString()}\nlevel {level}\noptimized-sha256 {optimizedSha256}\n");
}
