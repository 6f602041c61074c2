using EdgeBci.Signing;

namespace EdgeBci.Decoding.Bundle;

/// <summary>
/// The signature of a model bundle: <c>manifest.sig</c> beside <c>manifest.json</c>, the shared one-line format of
/// <see cref="DetachedSignature"/>. It signs the manifest, and the manifest holds every file's SHA-256, so one signature
/// covers the whole bundle; it is therefore not listed in the manifest's files.
/// </summary>
public static class ModelSignature
{
    /// <summary>The signature file's name inside a bundle.</summary>
    public const string FileName = "manifest.sig";

    /// <summary>How messages name a bundle: "model bundle &lt;full path&gt;".</summary>
    public static string Subject(string folder) => $"model bundle {folder}";

    /// <summary>Checks <c>manifest.sig</c> of the bundle in <paramref name="folder"/> against <paramref name="trust"/>.</summary>
    /// <exception cref="ModelBundleException">manifest.json is missing, or manifest.sig is not a signature file (named).</exception>
    public static SignatureCheck Check(string folder, TrustStore trust)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(trust);
        var manifest = Path.Combine(folder, ModelManifest.FileName);
        if (!File.Exists(manifest))
        {
            throw new ModelBundleException($"{manifest}: no manifest; a model bundle needs {ModelManifest.FileName} beside its models.");
        }

        try
        {
            return DetachedSignature.CheckFile(manifest, Path.Combine(folder, FileName), trust);
        }
        catch (SigningException exception)
        {
            throw new ModelBundleException($"{Subject(folder)}: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// Signs the bundle's manifest with <paramref name="key"/>. The signature is written beside and renamed into place,
    /// so a unit watching the folder sees the old signature or the new one, never half a line.
    /// </summary>
    public static DetachedSignature Sign(string folder, SigningKey key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(key);
        var staging = Path.Combine(folder, $".{FileName}.{Environment.ProcessId}.tmp");
        try
        {
            var signature = DetachedSignature.SignFile(key, Path.Combine(folder, ModelManifest.FileName), staging);
            File.Move(staging, Path.Combine(folder, FileName), overwrite: true);
            return signature;
        }
        finally
        {
            File.Delete(staging);
        }
    }
}
