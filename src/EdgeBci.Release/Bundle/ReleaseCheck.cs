namespace EdgeBci.Release.Bundle;

/// <summary>Which check refused a release, in the order the verifier runs them.</summary>
public enum ReleaseCheck
{
    /// <summary>The bundle is not a readable gzip tar, or holds an entry a release must not (link, device, '..', absolute path).</summary>
    Archive,

    /// <summary>There is no manifest.sig.</summary>
    Unsigned,

    /// <summary>Signed by a key the unit does not trust.</summary>
    ForeignKey,

    /// <summary>The signature does not match manifest.txt (or manifest.sig is not a signature file).</summary>
    SignatureMismatch,

    /// <summary>manifest.txt is missing or does not follow the format.</summary>
    Manifest,

    /// <summary>A listed file is missing.</summary>
    MissingFile,

    /// <summary>A file (or link) is in the release but not in the manifest.</summary>
    UnlistedFile,

    /// <summary>A file's size differs from the manifest.</summary>
    Size,

    /// <summary>A file's SHA-256 differs from the manifest.</summary>
    Hash,

    /// <summary>Built for another runtime than the unit's.</summary>
    Rid,

    /// <summary>The unit's board is not listed.</summary>
    Board,

    /// <summary>Older than the installed release, without --allow-downgrade.</summary>
    Downgrade,
}
