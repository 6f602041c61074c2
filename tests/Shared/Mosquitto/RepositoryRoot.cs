namespace EdgeBci.Tests.Shared.Mosquitto;

/// <summary>The repository checkout the tests run from: the first folder above the test assembly holding EdgeBci.sln.</summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string?> Located = new(Locate);

    public static string Path => Located.Value ?? throw new DirectoryNotFoundException(
        $"No folder containing EdgeBci.sln was found above {AppContext.BaseDirectory}; the tests read deploy/ files from the repository.");

    /// <summary>The absolute path of a file in the repository (forward slashes), which must exist.</summary>
    public static string File(string relative)
    {
        var path = System.IO.Path.Combine(Path, relative);
        return System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"Repository file {relative} is missing under {Path}.", path);
    }

    private static string? Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(directory.FullName, "EdgeBci.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
