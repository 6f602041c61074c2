namespace EdgeBci.Release.Bundle;

/// <summary>What the unit is, for the checks after the signature and the files; a null value skips its check.</summary>
public sealed record ReleaseVerificationOptions
{
    /// <summary>The release installed now; an older bundle is a downgrade, the same version a reinstall.</summary>
    public ReleaseVersion? InstalledVersion { get; init; }

    /// <summary>The unit's board name (hardware/boards/&lt;name&gt;.json), which the bundle must list.</summary>
    public string? Board { get; init; }

    /// <summary>The unit's runtime (linux-arm64 or linux-x64), which the bundle must be built for.</summary>
    public string? Rid { get; init; }

    /// <summary>Accept a bundle older than <see cref="InstalledVersion"/>.</summary>
    public bool AllowDowngrade { get; init; }
}
