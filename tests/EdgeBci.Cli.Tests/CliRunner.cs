using EdgeBci.Cli;
using Spectre.Console;

namespace EdgeBci.Cli.Tests;

/// <summary>Runs <c>edgebci</c> in-process with a plain-text console, as an engineer's terminal would show it.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        return (Invoke(writer, args), writer.ToString());
    }

    /// <summary>
    /// Starts <c>edgebci</c> on a thread of its own; <see cref="Running.Output"/> shows what it has printed so far, so a
    /// test can wait for a line instead of guessing how long the machine takes to print it.
    /// </summary>
    public static Running Start(params string[] args)
    {
        var output = new StringWriter();
        var writer = TextWriter.Synchronized(output);
        var exit = Task.Run(() => Invoke(writer, args));
        return new Running(exit, () =>
        {
            lock (writer)
            {
                return output.ToString();
            }
        });
    }

    private static int Invoke(TextWriter writer, string[] args)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return EdgeBciCommand.Build(console).Parse(args).Invoke(new System.CommandLine.InvocationConfiguration { Output = writer, Error = writer });
    }

    internal sealed class Running(Task<int> exit, Func<string> output)
    {
        public Task<int> Exit => exit;

        public string Output => output();

        /// <summary>Waits until the output contains <paramref name="text"/>; false when the command ended or time ran out first.</summary>
        public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (waited.Elapsed < timeout)
            {
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }

                if (exit.IsCompleted)
                {
                    return Output.Contains(text, StringComparison.Ordinal);
                }

                await Task.Delay(50);
            }

            return false;
        }
    }
}
