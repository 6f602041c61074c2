using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Emulation;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Cli;

/// <summary>
/// Options every device command shares, layered the way the firmware layers its configuration: the appsettings.json
/// beside the tool, an optional --config file, environment variables, then these flags.
/// </summary>
internal sealed class DeviceOptions
{
    public Option<FileInfo?> Config { get; } = new("--config") { Description = "A JSON configuration file (same keys as the firmware's appsettings.json)." };

    public Option<string?> Board { get; } = new("--board") { Description = "emulator | rpi4 | rpi5 | jetson-orin-nano (overrides Board)." };

    public Option<string?> Source { get; } = new("--source") { Description = "Emulator only: recording to replay, or 'synthetic' (overrides Emulator:Source)." };

    /// <summary>calibrate: --source repeated, one replayed recording per block (<see cref="RepeatableSource"/>).</summary>
    public Option<string[]> Sources { get; } = new("--source")
    {
        Description = "Emulator only: recording to replay, or 'synthetic' (overrides Emulator:Source); repeat it for one recording per block.",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Offer --source as <see cref="Sources"/> (repeatable, chosen per <see cref="Open(ParseResult, string?)"/>) instead of <see cref="Source"/>.</summary>
    public bool RepeatableSource { get; init; }

    public Option<string?> Pacing { get; } = new("--pacing") { Description = "Emulator only: RealTime or FreeRunning (overrides Emulator:Pacing)." };

    public Option<int?> SampleRate { get; } = new("--rate") { Description = "Samples per second (overrides Ads1299:SampleRate)." };

    public Option<string[]> Inject { get; } = new("--inject")
    {
        Description = "Emulator only: inject a fault: " + EmulatorFault.Usage + " (channels 1-based).",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Emulator only: rate and channel count of a source recording that does not state them (overrides Emulator:SourceSampleRate/SourceChannelCount).</summary>
    public RecordingInputOptions Recording { get; } = new();

    public void AddTo(Command command)
    {
        command.Options.Add(Config);
        command.Options.Add(Board);
        command.Options.Add(RepeatableSource ? Sources : Source);
        command.Options.Add(Pacing);
        command.Options.Add(SampleRate);
        command.Options.Add(Inject);
        Recording.AddTo(command);
    }

    /// <summary>The firmware's appsettings.json beside the tool, then --config, then EDGEBCI_ variables, then overrides.</summary>
    public static IConfiguration BuildConfiguration(FileInfo? file, IReadOnlyDictionary<string, string?> overrides) =>
        BuildConfiguration(file, overrides, AppContext.BaseDirectory);

    /// <summary>As above, with the tool's own appsettings.json read from <paramref name="toolFolder"/>.</summary>
    internal static IConfiguration BuildConfiguration(FileInfo? file, IReadOnlyDictionary<string, string?> overrides, string toolFolder)
    {
        // A typo in any of the files is one error line naming file, line and byte (exit 2), not an I/O failure.
        var builder = new ConfigurationBuilder()
            .ReportLoadErrors()
            .SetBasePath(toolFolder)
            .AddJsonFile("appsettings.json", optional: true);
        if (file is not null)
        {
            if (!file.Exists)
            {
                throw new ArgumentException($"--config {file.FullName}: no such file.");
            }

            builder.AddJsonFile(file.FullName, optional: false);
        }

        builder.AddEnvironmentVariables(prefix: "EDGEBCI_");
        builder.AddInMemoryCollection(overrides);
        return builder.Build();
    }

    /// <param name="parse">The command line.</param>
    /// <param name="source">With <see cref="RepeatableSource"/>: the one of the repeated --source values to use (null: none).</param>
    public AcquisitionSettings Settings(ParseResult parse, string? source = null) => AcquisitionSettings.Bind(Configuration(parse, source));

    /// <summary>The layered configuration with this command line's overrides, for the sections beyond acquisition (Signal, Decoding, Control).</summary>
    public IConfiguration Configuration(ParseResult parse, string? source = null)
    {
        var overrides = new Dictionary<string, string?>();
        if (parse.GetValue(Board) is { } board)
        {
            overrides[AcquisitionSettings.BoardKey] = board;
        }

        if (!RepeatableSource)
        {
            source = parse.GetValue(Source);
        }

        if (source is not null)
        {
            // A path typed on the command line is relative to where the engineer stands, not to the tool.
            overrides[$"{EmulatorOptions.Section}:Source"] = string.Equals(source, EmulatorOptions.SyntheticSource, StringComparison.OrdinalIgnoreCase)
                ? source
                : Path.GetFullPath(source);
        }

        Recording.AddEmulatorOverrides(parse, overrides);
        if (parse.GetValue(Pacing) is { } pacing)
        {
            overrides[$"{EmulatorOptions.Section}:Pacing"] = pacing;
        }

        if (parse.GetValue(SampleRate) is { } rate)
        {
            overrides[$"{Ads1299Options.Section}:SampleRate"] = rate.ToString(CultureInfo.InvariantCulture);
        }

        return BuildConfiguration(parse.GetValue(Config), overrides);
    }

    /// <summary>Opens the front-end and applies any --inject faults to the emulated chip.</summary>
    public FrontEnd Open(ParseResult parse) => Open(parse, null);

    /// <summary>As <see cref="Open(ParseResult)"/>, playing <paramref name="source"/> (with <see cref="RepeatableSource"/>).</summary>
    public FrontEnd Open(ParseResult parse, string? source)
    {
        var settings = Settings(parse, source);
        var frontEnd = FrontEnd.Open(settings.Board, settings.Ads1299, settings.Emulator, AppContext.BaseDirectory);
        var injections = parse.GetValue(Inject) ?? [];
        if (injections.Length == 0)
        {
            return frontEnd;
        }

        if (frontEnd.Emulator is null)
        {
            frontEnd.Dispose();
            throw new ArgumentException("--inject works on the emulator only (Board = emulator).");
        }

        try
        {
            foreach (var injection in injections)
            {
                ApplyFault(frontEnd.Emulator.Faults, injection, frontEnd.Device.ChannelCount);
            }
        }
        catch
        {
            frontEnd.Dispose();
            throw;
        }

        return frontEnd;
    }

    internal static void ApplyFault(Ads1299EmulatorFaults faults, string injection, int channels)
    {
        if (!EmulatorFault.TryParse(injection, channels, out var fault, out var error))
        {
            throw new ArgumentException($"--inject {injection}: {error}");
        }

        fault.Apply(faults);
    }
}
