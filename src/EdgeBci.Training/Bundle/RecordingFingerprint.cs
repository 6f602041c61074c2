using EdgeBci.Decoding.Bundle;

namespace EdgeBci.Training.Bundle;

/// <summary>
/// A training recording as the manifest records it: its name as given, and the size and SHA-256 of the file it
/// stands for. A dataset folder is often a folder of symbolic links to the real recordings; the link's own size is
/// the length of its target's path, so links are followed to the final file for both.
/// </summary>
public static class RecordingFingerprint
{
    /// <exception cref="FileNotFoundException">The recording, or the final target of its link, does not exist.</exception>
    public static BundleFile Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = new FileInfo(path);
        var target = file.LinkTarget is null ? file : file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo;
        if (target is null || !target.Exists)
        {
            throw new FileNotFoundException($"{path}: no such recording{(target is null || ReferenceEquals(target, file) ? string.Empty : $" (a link to {target.FullName}, which does not exist)")}.", path);
        }

        return new BundleFile(file.Name, ModelBundle.Sha256(target.FullName), target.Length);
    }
}
