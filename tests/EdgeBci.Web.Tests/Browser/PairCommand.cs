using System.Diagnostics;
using System.Text.RegularExpressions;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.Web.Tests.Browser;

/// <summary>`edgebci pair --database PATH` run as a process from the CLI's build output, as a carer runs it on the unit.</summary>
internal static partial class PairCommand
{
    public static string IssueCode(string databasePath)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliDll);
        start.ArgumentList.Add("pair");
        start.ArgumentList.Add("--database");
        start.ArgumentList.Add(databasePath);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"edgebci pair did not finish within 60 s. Output:\n{output}");
        }

        var printed = output + error.GetAwaiter().GetResult();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"edgebci pair --database {databasePath} exited with {process.ExitCode}:\n{printed}");
        }

        var code = Code().Match(printed);
        return code.Success ? code.Value : throw new InvalidOperationException($"edgebci pair printed no code like 123-456:\n{printed}");
    }

    /// <summary>The CLI's build output (same configuration and framework as this test assembly), built first by the project reference.</summary>
    private static string CliDll
    {
        get
        {
            var testDirectory = new DirectoryInfo(AppContext.BaseDirectory);
            return Path.Combine(RepositoryRoot.Path, "src", "EdgeBci.Cli", "bin", testDirectory.Parent!.Name, testDirectory.Name, "edgebci.dll");
        }
    }

    [GeneratedRegex(@"\b\d{3}-\d{3}\b")]
    private static partial Regex Code();
}
