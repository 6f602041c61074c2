namespace EdgeBci.Release.Bundle;

/// <summary>
/// The paths a release may hold: relative, <c>/</c>-separated, only <c>[A-Za-z0-9._+-/]</c>, no empty, <c>.</c> or
/// <c>..</c> component. Narrow on purpose: the bash installer handles these paths without quoting surprises, and none
/// can leave the slot it is unpacked into.
/// </summary>
public static class ReleasePath
{
    /// <summary>The signed manifest at the bundle's root.</summary>
    public const string ManifestFile = "manifest.txt";

    /// <summary>The signature of the manifest, beside it.</summary>
    public const string SignatureFile = "manifest.sig";

    /// <summary>Why <paramref name="path"/> is not a release path, or null when it is one.</summary>
    public static string? Problem(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            return "the path is empty";
        }

        if (path[0] == '/')
        {
            return "the path is absolute";
        }

        foreach (var c in path)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '+' or '-' or '/'))
            {
                return $"the path has a character outside [A-Za-z0-9._+-/] ('{(char.IsControl(c) ? '?' : c)}')";
            }
        }

        foreach (var component in path.Split('/'))
        {
            if (component is "..")
            {
                return "the path has a '..' component";
            }

            if (component is "" or ".")
            {
                return "the path has an empty or '.' component";
            }
        }

        return null;
    }

    /// <summary>True for manifest.txt and manifest.sig at the root: they seal the release and are not listed in it.</summary>
    public static bool IsSeal(string path) => path is ManifestFile or SignatureFile;
}
