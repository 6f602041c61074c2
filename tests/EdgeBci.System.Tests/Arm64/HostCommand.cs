using System.Diagnostics;
using System.Text;

namespace EdgeBci.SystemTests.Arm64;

/// <summary>
/// A host program run to completion for the system test: its standard output and error go to a log file (the record a
/// failure points at), a non-zero exit or the timeout is an exception naming the command, the exit and the log's tail,
/// and a program still running at the timeout is killed with its children.
/// </summary>
internal static class HostCommand
{
    private const int TailLines = 40;

    /// <summary>Runs <paramref name="program"/> and returns its standard output.</summary>
    public static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, string logPath, TimeSpan timeout,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var described = $"{program} {string.Join(' ', arguments)}";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{described}: the process did not start.");
        process.StandardInput.Close();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        var output = await standardOutput;
        var error = await standardError;
        await File.AppendAllTextAsync(logPath, $"$ {described}\n{output}{error}(exit {process.ExitCode})\n");
        if (timedOut)
        {
            throw new TimeoutException($"{described} did not finish within {timeout.TotalMinutes:0} min and was killed; log {logPath}:\n{Tail(output + error)}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{described} exited with {process.ExitCode}; log {logPath}:\n{Tail(output + error)}");
        }

        return output;
    }

    /// <summary>The last lines of a text, for a failure message that fits on a screen.</summary>
    public static string Tail(string text, int lines = TailLines)
    {
        var all = text.Split('\n');
        var builder = new StringBuilder();
        for (var i = Math.Max(0, all.Length - lines); i < all.Length; i++)
        {
            builder.Append(all[i]).Append('\n');
        }

        return builder.ToString();
    }
}
