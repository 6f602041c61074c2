using System.CommandLine;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Boards;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Control;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Deadman;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci neutral</c>: the last word once the firmware has stopped or died, run by systemd after every stop of the
/// firmware's service (<c>ExecStopPost=</c>). Without the firmware, it reads the firmware's own configuration, drops the
/// deadman's enable (the circuit's clear line and pulse line low) and writes neutral to the configured actuator, each
/// step tried whatever the other did. A killed firmware leaves a DAC or PWM output at its last value; the deadman
/// circuit has already cut the enable by its timeout, and this puts the outputs themselves back to neutral before the
/// firmware is started again. Exit 0 done, 2 the configuration cannot be read, 3 a line or device did not answer.
/// </summary>
internal static class NeutralCommand
{
    /// <summary>Where deploy/install.sh puts the firmware and its appsettings*.json.</summary>
    public const string UnitFirmwareFolder = "/opt/edgebci/firmware";

    public static Command Create(IAnsiConsole output)
    {
        var firmware = new Option<DirectoryInfo?>("--firmware")
        {
            Description = $"The firmware's folder: its appsettings.json and appsettings.<DOTNET_ENVIRONMENT>.json (Production when unset), then EDGEBCI_ variables, say which board and actuator the unit has. Default {UnitFirmwareFolder}.",
        };
        var command = new Command("neutral",
            "Drops the deadman's enable and writes neutral to the configured actuator, without the firmware (systemd runs it after the firmware stopped or died).");
        command.Options.Add(firmware);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () => Run(output, parse.GetValue(firmware)?.FullName ?? UnitFirmwareFolder)));
        return command;
    }

    private static int Run(IAnsiConsole output, string folder)
    {
        var configuration = ReadFirmwareConfiguration(folder);
        var board = BoardProfile.Get(configuration[AcquisitionSettings.BoardKey] ?? BoardProfile.EmulatorName);
        var control = new ControlOptions();
        try
        {
            // Not strict: the section also holds the firmware's own keys, which the firmware checked when it started.
            configuration.GetSection(ControlOptions.Section).Bind(control);
        }
        catch (InvalidOperationException exception)
        {
            throw new ArgumentException($"{ControlOptions.Section} in {folder}: {exception.Message}", exception);
        }

        // Which class means what does not matter for writing neutral, and must not keep a unit from being made safe.
        control.Policy.Clear();
        var errors = control.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors));
        }

        if (board.IsEmulator)
        {
            output.MarkupLine($"[green]neutral[/]: Board = {BoardProfile.EmulatorName}: no deadman line and no actuator hardware on this unit; nothing to write ({Markup.Escape(control.Actuator)}).");
            return EdgeBciCommand.Success;
        }

        var failed = false;
        failed |= !Step(output, "deadman", () => DropDeadman(board));
        failed |= !Step(output, control.Actuator, () => WriteNeutral(control));
        return failed ? EdgeBciCommand.HardwareError : EdgeBciCommand.Success;
    }

    /// <summary>The layers the firmware reads (Generic Host defaults, then EDGEBCI_ variables), from its folder.</summary>
    private static IConfiguration ReadFirmwareConfiguration(string folder)
    {
        var settings = Path.Combine(folder, "appsettings.json");
        if (!File.Exists(settings))
        {
            throw new ArgumentException($"--firmware {folder}: no appsettings.json there, so the unit's board and actuator are unknown.");
        }

        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 } named ? named : "Production";
        return new ConfigurationBuilder()
            .ReportLoadErrors()
            .SetBasePath(folder)
            .AddJsonFile("appsettings.json", optional: false)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables(prefix: "EDGEBCI_")
            .Build();
    }

    /// <summary>Opening the lines drives both low (enable off); the drop then holds them there until they are released.</summary>
    private static string DropDeadman(BoardProfile board)
    {
        var wiring = board.Deadman;
        using var gpio = FrontEnd.OpenBoardGpio(board);
        using var deadman = new DeadmanLine(gpio, wiring.PulseLine, wiring.ClearLine, TimeSpan.FromMilliseconds(wiring.TimeoutMs), TimeProvider.System, shouldDispose: false);
        deadman.Drop();
        return wiring.ClearLine >= 0
            ? $"enable dropped: clear line GPIO {wiring.ClearLine} low, pulse line GPIO {wiring.PulseLine} low ({board.Name})"
            : $"pulse line GPIO {wiring.PulseLine} held low: the enable is off within the circuit's {wiring.TimeoutMs} ms ({board.Name}, no clear line)";
    }

    /// <summary>Every driver writes neutral when it opens; neutral once more, then closing writes it again.</summary>
    private static string WriteNeutral(ControlOptions control)
    {
        if (ActuatorRegistry.Find(control.Actuator) is { IsSimulated: true })
        {
            return "simulated: nothing to write";
        }

        using var actuator = ActuatorFactory.Create(control, TimeProvider.System);
        actuator.Neutral();
        return $"neutral written ({actuator.Output})";
    }

    private static bool Step(IAnsiConsole output, string what, Func<string> step)
    {
        try
        {
            output.MarkupLine($"[green]{Markup.Escape(what)}[/]: {Markup.Escape(step())}");
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ActuatorException or InvalidOperationException
            or DllNotFoundException or System.ComponentModel.Win32Exception or PlatformNotSupportedException)
        {
            EdgeBciCommand.Error(output, $"{what}: {exception.Message}");
            return false;
        }
    }
}
