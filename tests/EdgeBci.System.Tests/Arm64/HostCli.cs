using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.SystemTests.Arm64;

/// <summary>The x86-64 build of the edgebci CLI from this checkout, the reference the arm64 machine's output is compared with.</summary>
internal static class HostCli
{
    /// <summary>Builds src/EdgeBci.Cli (Release; incremental) and returns the path of its assembly.</summary>
    public static async Task<string> BuildAsync(string logPath, TimeSpan timeout)
    {
        var project = RepositoryRoot.File("src/EdgeBci.Cli/EdgeBci.Cli.csproj");
        await HostCommand.RunAsync("dotnet", ["build", project, "-c", "Release"], logPath, timeout, RepositoryRoot.Path);
        var assembly = (await HostCommand.RunAsync("dotnet", ["msbuild", project, "-getProperty:TargetPath", "-p:Configuration=Release"],
            logPath, timeout, RepositoryRoot.Path)).Trim();
        return File.Exists(assembly) ? assembly : throw new FileNotFoundException($"{project} built, but its TargetPath {assembly} is not a file.", assembly);
    }

    /// <summary><c>edgebci filter</c> with TZ=UTC, as proof.sh runs it on the guest.</summary>
    public static Task<string> FilterAsync(string assembly, string input, string output, string logPath, TimeSpan timeout) =>
        HostCommand.RunAsync("dotnet", [assembly, "filter", "--in", input, "--out", output, "--force"], logPath, timeout,
            environment: new Dictionary<string, string> { ["TZ"] = "UTC" });
}
