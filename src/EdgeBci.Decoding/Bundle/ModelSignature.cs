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

    /// <summary>
    /// Checks <c>manifest.sig</c> of the bundle in <paramref name="folder"/> over <paramref name="manifest"/> (the bytes of
    /// its manifest.json as the caller read them, once) against <paramref name="trust"/>.
    /// </summary>
    /// <exception cref="ModelBundleException">manifest.sig is not a signature file (named).</exception>
    public static SignatureCheck Check(string folder, ReadOnlySpan<byte> manifest, TrustStore trust)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(trust);
        DetachedSignature? signature;
        try
        {
            signature = DetachedSignature.ReadIfPresent(Path.Combine(folder, FileName));
        }
        catch (SigningException exception)
        {
            throw new ModelBundleException($"{Subject(folder)}: {exception.Message}", exception);
        }

        return signature is null ? new SignatureCheck(SignatureVerdict.Unsigned, null, null) : signature.Check(manifest, trust);
    }

    /// <summary>
    /// Applies <paramref name="policy"/> to the bundle in <paramref name="folder"/> whose manifest bytes are
    /// <paramref name="manifest"/>: null under None; the check when valid, or unsigned where the policy allows it (then
    /// <paramref name="warning"/> is the line the caller logs).
    /// </summary>
    /// <exception cref="ModelBundleException">Refused: the line of <see cref="SignatureCheck.Describe"/>.</exception>
    internal static SignatureCheck? Enforce(string folder, ReadOnlySpan<byte> manifest, ModelTrustPolicy policy, out string? warning)
    {
        warning = null;
        if (policy.Trust is not { } trust)
        {
            return null;
        }

        var check = Check(folder, manifest, trust);
        if (check.IsValid)
        {
            return check;
        }

        var line = check.Describe(Subject(folder), ModelManifest.FileName, trust);
        if (check.Verdict == SignatureVerdict.Unsigned && policy.Requirement == ModelSignatureRequirement.WarnIfUnsigned)
        {
            warning = $"{line}; loaded because unsigned models are allowed here (a real board refuses it: sign it with edgebci sign-model)";
            return check;
        }

        throw new ModelBundleException(line);
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
