namespace EdgeBci.Tests.Shared;

/// <summary>
/// Finds the real recordings in <c>../shared/data</c> beside the repository (the layout on every developer machine
/// and in CI). Missing data is a failure with the path searched, never a silent skip.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string?> Root = new(Locate);

    public static string Path(string relative)
    {
        var root = Root.Value ?? throw new FileNotFoundException(
            $"../shared/data was not found above {AppContext.BaseDirectory}; the tests read the real EEG recordings there.");
        var path = System.IO.Path.Combine(root, relative);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Shared recording {relative} is missing under {root}.", path);
    }

    private static string? Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = System.IO.Path.Combine(directory.FullName, "shared", "data");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
