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

    /// <summary>
    /// Symbolic links the installer adds to an unpacked slot (path in the release → the exact target it must point at),
    /// accepted by <see cref="ReleaseVerifier.VerifyFolder"/> only; a bundle itself never holds a link.
    /// </summary>
    public IReadOnlyDictionary<string, string> InstallerLinks { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The one link install.sh puts into every slot: the firmware's appsettings.Production.json is the unit's own file in
    /// /etc/edgebci, so unit settings survive every switch of slot.
    /// </summary>
    public static IReadOnlyDictionary<string, string> InstalledSlotLinks { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["firmware/appsettings.Production.json"] = "/etc/edgebci/appsettings.Production.json",
    };
}
