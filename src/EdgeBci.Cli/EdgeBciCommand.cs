using System.CommandLine;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Recording;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>The engineer's command, <c>edgebci</c>: bench tests, recordings and conversions for a unit.</summary>
internal static class EdgeBciCommand
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int BadInput = 2;
    public const int HardwareError = 3;

    public static RootCommand Build(IAnsiConsole? console = null)
    {
        var output = console ?? AnsiConsole.Console;
        var root = new RootCommand("EdgeBci unit tool: self-test, impedance, recording and conversion for the ADS1299 EEG front-end; training, evaluation and quantization of the decoder.");
        root.Subcommands.Add(DeviceCommands.Info(output));
        root.Subcommands.Add(DeviceCommands.SelfTest(output));
        root.Subcommands.Add(DeviceCommands.Impedance(output));
        root.Subcommands.Add(DeviceCommands.Record(output));
        root.Subcommands.Add(CalibrateCommand.Create(output));
        root.Subcommands.Add(ConvertCommand.Create(output));
        root.Subcommands.Add(FilterCommand.Create(output));
        root.Subcommands.Add(EvaluateCommand.Create(output));
        root.Subcommands.Add(TrainCommand.Create(output));
        root.Subcommands.Add(TrainBaseCommand.Create(output));
        root.Subcommands.Add(CampStudyCommand.Create(output));
        root.Subcommands.Add(QuantizeCommand.Create(output));
        root.Subcommands.Add(VerifyModelCommand.Create(output));
        root.Subcommands.Add(SignModelCommand.Create(output));
        root.Subcommands.Add(ReplayScoreCommand.Create(output));
        foreach (var local in LocalCommands.Create(output))
        {
            root.Subcommands.Add(local);
        }

        root.Subcommands.Add(NeutralCommand.Create(output));
        root.Subcommands.Add(Monitor.MonitorCommand.Create(output));
        root.Subcommands.Add(PairCommand.Create(output));
        root.Subcommands.Add(Release.ReleaseCommand.Create(output));
        return root;
    }

    /// <summary>
    /// Runs a command body and turns the errors a user can cause or meet into one clear line and an exit code,
    /// never a stack trace.
    /// </summary>
    public static int Guard(IAnsiConsole output, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ArgumentException exception)
        {
            Error(output, WithoutParameterName(exception));
            return BadInput;
        }
        catch (Exception exception) when (exception is RecordingFormatException or EdgeBci.Decoding.Bundle.ModelBundleException or Training.Reporting.EvaluationReportFormatException)
        {
            Error(output, exception.Message);
            return BadInput;
        }
        catch (Exception exception) when (exception is Ads1299Exception or IOException or UnauthorizedAccessException)
        {
            Error(output, exception.Message);
            return HardwareError;
        }
    }

    /// <summary>ArgumentException appends "(Parameter 'x')", a code name that means nothing at the command line.</summary>
    private static string WithoutParameterName(ArgumentException exception)
    {
        var message = exception.Message;
        var suffix = $" (Parameter '{exception.ParamName}')";
        return exception.ParamName is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }

    public static void Error(IAnsiConsole output, string message) =>
        output.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
}
