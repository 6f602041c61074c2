using EdgeBci.Cli;
using Spectre.Console;

namespace EdgeBci.Cli.Tests;

/// <summary>Runs <c>edgebci</c> in-process with a plain-text console, as an engineer's terminal would show it.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        var exitCode = EdgeBciCommand.Build(console).Parse(args).Invoke(new System.CommandLine.InvocationConfiguration { Output = writer, Error = writer });
        return (exitCode, writer.ToString());
    }
}
