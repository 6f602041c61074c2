using System.Text;
using EdgeBci.Signing;

namespace EdgeBci.Release.Bundle;

/// <summary>A release that passed every check: its manifest and the trusted key that signed it.</summary>
public sealed record VerifiedRelease(ReleaseManifest Manifest, string KeyId);

/// <summary>
/// Decides whether a unit may run a release, with the same checks and the same one-line refusals as the bash installer.
/// The signature comes first, so nothing else of the bundle (not even the manifest's syntax) is trusted before it;
/// then the manifest, every file against it, and last whether the release fits the unit (runtime, board, version).
/// </summary>
public static class ReleaseVerifier
{
    /// <summary>Unpacks <paramref name="bundlePath"/> into a temporary folder, verifies it there and deletes the folder.</summary>
    /// <exception cref="ReleaseVerificationException">The first check that failed, with its line.</exception>
    public static VerifiedRelease VerifyArchive(string bundlePath, TrustStore trust, ReleaseVerificationOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bundlePath);
        if (!File.Exists(bundlePath))
        {
            throw new FileNotFoundException($"{Path.GetFullPath(bundlePath)}: no such bundle file.", bundlePath);
        }

        var folder = Path.Combine(Path.GetTempPath(), $"edgebci-verify-{Guid.NewGuid():N}");
        try
        {
            ReleaseArchive.Unpack(bundlePath, folder);
            // A bundle never holds a link (Unpack refuses them too); installer links exist only in a slot.
            return Verify(folder, Path.GetFileName(bundlePath), trust, options with { InstallerLinks = new Dictionary<string, string>() });
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>The same checks on an unpacked release (a slot); the refusals name the folder.</summary>
    /// <exception cref="ReleaseVerificationException">The first check that failed, with its line.</exception>
    public static VerifiedRelease VerifyFolder(string folder, TrustStore trust, ReleaseVerificationOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full))
        {
            throw new DirectoryNotFoundException($"{full}: no such release folder.");
        }

        return Verify(full, full, trust, options);
    }

    private static VerifiedRelease Verify(string folder, string bundle, TrustStore trust, ReleaseVerificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(trust);
        ArgumentNullException.ThrowIfNull(options);
        var keyId = CheckSignature(folder, bundle, trust, out var manifestBytes);
        ReleaseManifest manifest;
        try
        {
            manifest = ReleaseManifest.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(manifestBytes));
        }
        catch (Exception exception) when (exception is ReleaseManifestException or DecoderFallbackException)
        {
            var what = exception is ReleaseManifestException ? exception.Message : $"{ReleasePath.ManifestFile} line 1: is not UTF-8";
            throw new ReleaseVerificationException(ReleaseCheck.Manifest, $"{bundle}: {what}", exception);
        }

        CheckFiles(folder, bundle, manifest, options.InstallerLinks);
        CheckFitsUnit(bundle, manifest, options);
        return new VerifiedRelease(manifest, keyId);
    }

    private static string CheckSignature(string folder, string bundle, TrustStore trust, out byte[] manifestBytes)
    {
        var manifestPath = Path.Combine(folder, ReleasePath.ManifestFile);
        DetachedSignature? signature;
        try
        {
            signature = DetachedSignature.ReadIfPresent(Path.Combine(folder, ReleasePath.SignatureFile));
        }
        catch (SigningException exception)
        {
            throw new ReleaseVerificationException(ReleaseCheck.SignatureMismatch,
                $"{bundle}: {ReleasePath.SignatureFile} is not a signature file (tampered or corrupted after signing)", exception);
        }

        if (signature is null)
        {
            throw new ReleaseVerificationException(ReleaseCheck.Unsigned, $"{bundle} is not signed (no {ReleasePath.SignatureFile})");
        }

        if (!File.Exists(manifestPath))
        {
            throw new ReleaseVerificationException(ReleaseCheck.Manifest, $"{bundle}: {ReleasePath.ManifestFile} is missing");
        }

        manifestBytes = File.ReadAllBytes(manifestPath);
        var check = signature.Check(manifestBytes, trust);
        return check.Verdict switch
        {
            SignatureVerdict.Valid => check.KeyId!,
            SignatureVerdict.ForeignKey => throw new ReleaseVerificationException(ReleaseCheck.ForeignKey,
                $"{bundle} is signed by key {check.KeyId}, which this unit does not trust ({trust.Describe()})"),
            _ => throw new ReleaseVerificationException(ReleaseCheck.SignatureMismatch,
                $"{bundle}: the signature does not match {ReleasePath.ManifestFile} (tampered or corrupted after signing)"),
        };
    }

    private static void CheckInstallerLink(string folder, string bundle, string link, IReadOnlyDictionary<string, string> installerLinks)
    {
        if (installerLinks.TryGetValue(link, out var expected)
            && new FileInfo(Path.Combine(folder, link)).LinkTarget is { } target && target == expected)
        {
            return;
        }

        throw new ReleaseVerificationException(ReleaseCheck.UnlistedFile,
            $"{bundle}: {link} is a symbolic link, which a release never holds (not in the manifest)");
    }

    private static void CheckFiles(string folder, string bundle, ReleaseManifest manifest, IReadOnlyDictionary<string, string> installerLinks)
    {
        var present = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in ReleaseTree.Walk(folder, link => CheckInstallerLink(folder, bundle, link, installerLinks)))
        {
            if (!entry.IsDirectory && !ReleasePath.IsSeal(entry.Path))
            {
                present.Add(entry.Path, entry.FullPath);
            }
        }

        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in manifest.Files)
        {
            listed.Add(file.Path);
            if (!present.ContainsKey(file.Path))
            {
                throw new ReleaseVerificationException(ReleaseCheck.MissingFile, $"{bundle}: {file.Path} is listed in the manifest but missing");
            }
        }

        var unlisted = new List<string>();
        foreach (var path in present.Keys)
        {
            if (!listed.Contains(path))
            {
                unlisted.Add(path);
            }
        }

        if (unlisted.Count > 0)
        {
            unlisted.Sort(StringComparer.Ordinal);
            throw new ReleaseVerificationException(ReleaseCheck.UnlistedFile, $"{bundle}: {unlisted[0]} is not in the manifest");
        }

        foreach (var file in manifest.Files)
        {
            var size = new FileInfo(present[file.Path]).Length;
            if (size != file.Size)
            {
                throw new ReleaseVerificationException(ReleaseCheck.Size,
                    FormattableString.Invariant($"{bundle}: {file.Path} differs from the manifest (size {size}, manifest says {file.Size})"));
            }
        }

        foreach (var file in manifest.Files)
        {
            if (ReleaseFile.Measure(file.Path, present[file.Path]).Sha256 != file.Sha256)
            {
                throw new ReleaseVerificationException(ReleaseCheck.Hash,
                    $"{bundle}: {file.Path} differs from the manifest (sha256) (tampered or corrupted)");
            }
        }
    }

    private static void CheckFitsUnit(string bundle, ReleaseManifest manifest, ReleaseVerificationOptions options)
    {
        if (options.Rid is { } rid && manifest.Rid != rid)
        {
            throw new ReleaseVerificationException(ReleaseCheck.Rid, $"{bundle} is built for {manifest.Rid}, but this unit is {rid}");
        }

        if (options.Board is { } board && !manifest.ListsBoard(board))
        {
            throw new ReleaseVerificationException(ReleaseCheck.Board,
                $"{bundle} does not list board {board} (boards: {string.Join(' ', manifest.Boards)})");
        }

        if (options.InstalledVersion is { } installed && manifest.Version < installed && !options.AllowDowngrade)
        {
            throw new ReleaseVerificationException(ReleaseCheck.Downgrade,
                $"{bundle} is version {manifest.Version}, older than the installed {installed} (use --allow-downgrade to install it anyway)");
        }
    }
}
