using EdgeBci.Signing;

namespace EdgeBci.Release.Bundle;

/// <summary>What a release is, beside its files: the manifest's header lines.</summary>
public sealed record ReleaseIdentity(ReleaseVersion Version, string Commit, string Rid, IReadOnlyList<string> Boards, DateTimeOffset Created);

/// <summary>
/// Seals a staged release folder: lists every regular file in manifest.txt (size, SHA-256) and signs it into
/// manifest.sig. A symbolic link or a path the format does not allow stops the signing, naming the path, rather than
/// producing a bundle the unit would refuse.
/// </summary>
public static class ReleaseSigner
{
    /// <summary>The manifest of <paramref name="stage"/> as it is now (manifest.txt and manifest.sig at its root are not listed).</summary>
    /// <exception cref="ArgumentException">The stage is missing, empty, or holds a link or a path a release may not.</exception>
    public static ReleaseManifest BuildManifest(string stage, ReleaseIdentity identity)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        ArgumentNullException.ThrowIfNull(identity);
        var root = Path.GetFullPath(stage);
        if (!Directory.Exists(root))
        {
            throw new ArgumentException($"{root}: no such stage folder.", nameof(stage));
        }

        var entries = ReleaseTree.Walk(root, link =>
            throw new ArgumentException($"{Path.Combine(root, link)} is a symbolic link; a release holds only regular files and directories.", nameof(stage)));
        var files = new List<ReleaseFile>();
        foreach (var entry in entries)
        {
            if (ReleasePath.Problem(entry.Path) is { } problem)
            {
                throw new ArgumentException($"{entry.FullPath}: {problem}; a release path uses only [A-Za-z0-9._+-/].", nameof(stage));
            }

            if (!entry.IsDirectory && !ReleasePath.IsSeal(entry.Path))
            {
                files.Add(ReleaseFile.Measure(entry.Path, entry.FullPath));
            }
        }

        if (files.Count == 0)
        {
            throw new ArgumentException($"{root}: the stage holds no files to release.", nameof(stage));
        }

        return new ReleaseManifest(identity.Version, identity.Commit, identity.Rid, identity.Boards, identity.Created, files);
    }

    /// <summary>Writes manifest.txt and manifest.sig into <paramref name="stage"/> and returns the manifest.</summary>
    public static ReleaseManifest Sign(SigningKey key, string stage, ReleaseIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(key);
        var manifest = BuildManifest(stage, identity);
        var manifestPath = Path.Combine(Path.GetFullPath(stage), ReleasePath.ManifestFile);
        using (var stream = new FileStream(manifestPath, FileMode.Create, FileAccess.Write))
        {
            stream.Write(manifest.Format());
            stream.Flush(flushToDisk: true);
        }

        var signaturePath = Path.Combine(Path.GetFullPath(stage), ReleasePath.SignatureFile);
        DetachedSignature.SignFile(key, manifestPath, signaturePath);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(manifestPath, ReleaseArchive.FileMode);
            File.SetUnixFileMode(signaturePath, ReleaseArchive.FileMode);
        }
        return manifest;
    }
}
