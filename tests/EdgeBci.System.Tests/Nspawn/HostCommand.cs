using System.Diagnostics;
using System.Text;

namespace EdgeBci.SystemTests.Nspawn;

/// <summary>What a command printed and how it ended.</summary>
internal sealed record CommandResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() =>
        $"$ {Command}\n(exit {ExitCode})\n--- stdout ---\n{Stdout.TrimEnd()}\n--- stderr ---\n{Stderr.TrimEnd()}";
}

/// <summary>Runs a program on the host and waits for it with a timeout; a program still running then is killed.</summary>
internal static class HostCommand
{
    public static CommandResult Run(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var description = program + " " + string.Join(' ', start.ArgumentList);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new CommandResult(description, -1, Text(stdout), Text(stderr) + $"\n(killed: still running after {timeout.TotalSeconds:0} s)");
        }

        process.WaitForExit();
        return new CommandResult(description, process.ExitCode, Text(stdout), Text(stderr));
    }

    /// <summary>Runs the program and fails with its whole output unless it exits 0.</summary>
    public static CommandResult Check(string program, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var result = Run(program, arguments, timeout);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"host command failed:\n{result}");
        }

        return result;
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.Append(line).Append('\n');
        }
    }

    private static string Text(StringBuilder builder)
    {
        lock (builder)
        {
            return builder.ToString();
        }
    }
}
