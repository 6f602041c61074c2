using System.CommandLine;

namespace EdgeBci.Cli;

/// <summary>
/// Where the eegmmidb recordings are: the one reader of <c>--data</c> for every trainer command. Given, it is taken as
/// it is; absent, it is <c>&lt;repository&gt;/../shared/data/eegmmidb</c> for the repository (the folder holding
/// EdgeBci.sln) above the current directory or, failing that, above the tool itself, so the default does not depend on
/// where a command is started from. An installed tool on a unit has no repository: there <c>--data</c> is required.
/// </summary>
internal static class DataFolder
{
    public const string SolutionFile = "EdgeBci.sln";

    /// <summary>The dataset's place relative to the repository, as on every developer machine and in CI.</summary>
    public static readonly string RelativeToRepository = Path.Combine("..", "shared", "data", "eegmmidb");

    public static Option<DirectoryInfo?> CreateOption(string description) => new("--data")
    {
        Description = $"{description} Default: <repository>/../shared/data/eegmmidb (required outside a clone of the repository).",
    };

    /// <summary>The folder to read, checked to exist.</summary>
    /// <exception cref="ArgumentException">--data was not given and no repository was found, or the folder does not exist.</exception>
    public static string Resolve(DirectoryInfo? given)
    {
        string folder;
        if (given is not null)
        {
            folder = given.FullName;
        }
        else
        {
            var repository = FindRepository(Environment.CurrentDirectory) ?? FindRepository(AppContext.BaseDirectory)
                ?? throw new ArgumentException(
                    $"--data is required: no EdgeBci repository ({SolutionFile}) above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}, so there is no default dataset folder; give the folder holding S001, S002, ...");
            folder = Path.GetFullPath(Path.Combine(repository, RelativeToRepository));
        }

        return Directory.Exists(folder)
            ? folder
            : throw new ArgumentException($"--data '{folder}': no such folder{(given is null ? " (the default beside the repository)" : string.Empty)}.");
    }

    /// <summary>The nearest folder at or above <paramref name="start"/> holding EdgeBci.sln; null when there is none.</summary>
    public static string? FindRepository(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
