namespace EdgeBci.Release.Bundle;

/// <summary>One directory or regular file under a release folder, by its release path.</summary>
internal sealed record ReleaseTreeEntry(string Path, string FullPath, bool IsDirectory);

/// <summary>
/// Walks a staged or unpacked release folder: every directory and regular file with its release path, sorted by ordinal
/// path (so a directory comes before what it holds). A symbolic link is reported, never followed: a link could point a
/// verified name at an unverified file.
/// </summary>
internal static class ReleaseTree
{
    /// <summary>The entries under <paramref name="root"/>; <paramref name="onLink"/> is called for each link, with its release path.</summary>
    public static List<ReleaseTreeEntry> Walk(string root, Action<string> onLink)
    {
        var entries = new List<ReleaseTreeEntry>();
        Visit(new DirectoryInfo(root), string.Empty, entries, onLink);
        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return entries;
    }

    private static void Visit(DirectoryInfo folder, string prefix, List<ReleaseTreeEntry> entries, Action<string> onLink)
    {
        foreach (var item in folder.EnumerateFileSystemInfos())
        {
            var path = prefix + item.Name;
            if (item.LinkTarget is not null)
            {
                onLink(path);
                continue;
            }

            if (item is DirectoryInfo directory)
            {
                entries.Add(new ReleaseTreeEntry(path, directory.FullName, IsDirectory: true));
                Visit(directory, path + "/", entries, onLink);
            }
            else
            {
                entries.Add(new ReleaseTreeEntry(path, item.FullName, IsDirectory: false));
            }
        }
    }
}
