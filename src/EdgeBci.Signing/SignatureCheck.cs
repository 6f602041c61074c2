namespace EdgeBci.Signing;

/// <summary>What checking a signature found.</summary>
public enum SignatureVerdict
{
    /// <summary>Signed by a trusted key, and the signature matches the bytes.</summary>
    Valid,

    /// <summary>There is no signature.</summary>
    Unsigned,

    /// <summary>Signed by a key the unit does not trust.</summary>
    ForeignKey,

    /// <summary>The named key is trusted, but the signature does not match: the signed file was changed after signing.</summary>
    Mismatch,
}

/// <summary>The outcome of a signature check, with the key it names (null when unsigned).</summary>
public sealed record SignatureCheck(SignatureVerdict Verdict, string? KeyId, TrustedKey? Key)
{
    public bool IsValid => Verdict == SignatureVerdict.Valid;

    /// <summary>
    /// One line for an engineer naming what failed, about <paramref name="subject"/> (e.g. "release bundle
    /// edgebci-firmware-1.2.0-linux-arm64.tar.gz" or "model bundle /var/lib/edgebci/models/x"), whose signed file is
    /// <paramref name="signedFile"/> and which was checked against <paramref name="trust"/>.
    /// </summary>
    public string Describe(string subject, string signedFile, TrustStore trust)
    {
        ArgumentNullException.ThrowIfNull(trust);
        return Verdict switch
        {
            SignatureVerdict.Valid => $"{subject}: signed by trusted key {KeyId} ({Key!.Source})",
            SignatureVerdict.Unsigned => $"{subject} is not signed (no signature beside {signedFile})",
            SignatureVerdict.ForeignKey => $"{subject} is signed by key {KeyId}, which this unit does not trust ({trust.Describe()})",
            _ => $"{subject}: the signature does not match {signedFile} (tampered or corrupted after signing)",
        };
    }
}
