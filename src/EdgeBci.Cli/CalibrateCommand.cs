using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Cli.Camp;
using EdgeBci.Training.Camp;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci calibrate</c>: runs a cued calibration session for a wearer and records it (BDF+ with the cue
/// annotations, and schedule.json) in the wearer's folder. On the emulator the wearer is a recording: each
/// <c>--source</c> is one block, and its own cues are the session's.
/// </summary>
internal static class CalibrateCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var device = new DeviceOptions { RepeatableSource = true };
        var wearer = new Option<string>("--wearer") { Description = "The wearer's id: 1-64 characters of a-z, 0-9, '-' and '_'.", Required = true };
        var protocol = new Option<FileInfo?>("--protocol") { Description = $"The session's protocol file (default protocols/{CalibrationProtocol.DefaultFileName} beside the tool)." };
        var dataRoot = new Option<DirectoryInfo?>("--data-root") { Description = $"Folder holding wearers/ (default {WearerFolder.UnitRoot}, or <temp>/edgebci when that cannot be written)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the cue order and rest lengths (protocol schedule only).", DefaultValueFactory = _ => 1 };
        var quiet = new Option<bool>("--quiet") { Description = "No bell at cue onset." };
        var training = new CalibrationCliOptions();
        var command = new Command("calibrate",
            "Runs a cued calibration session (Graz-style trials from a protocol file), records it as BDF+ with the cue annotations in the wearer's folder, " +
            "adapts the base model to the wearer (alignment, fine-tuning) on every block but the last, judges it on the last with the acceptance gate, and installs it only if it passes.");
        device.AddTo(command);
        training.AddTo(command);
        foreach (var option in new Option[] { wearer, protocol, dataRoot, seed, quiet })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            // The base model and the install target are checked before the wearer spends twenty minutes on cues.
            var plan = training.Resolve(parse, device);
            using var signer = plan?.Signer;
            var result = RunSession(output, device, parse, parse.GetValue(wearer)!, parse.GetValue(protocol), parse.GetValue(dataRoot), parse.GetValue(seed), parse.GetValue(quiet));
            output.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Recorded {result.RecordingPath} ({Describe(result.TrialsPerClass)}; blocks {Describe(result.Blocks, result.SampleRate)}).")));
            output.MarkupLine(Markup.Escape($"Schedule {result.SchedulePath}."));
            if (plan is null)
            {
                return EdgeBciCommand.Success;
            }

            var sessionProtocol = CalibrationProtocol.Load(parse.GetValue(protocol)?.FullName ?? CalibrationProtocol.DefaultPath);
            return CalibrationReport.TrainJudgeAndInstall(output, plan, result, sessionProtocol, EvaluateCommand.CommandLine(parse), parse.GetValue(seed));
        }));
        return command;
    }

    /// <summary>
    /// The session part of calibrate: resolves the protocol, the wearer's folder and the schedule's origin, shows the
    /// cues on the console and records the session. The steps after it (align, fine-tune, gate, install) take the result.
    /// </summary>
    internal static SessionResult RunSession(IAnsiConsole output, DeviceOptions device, ParseResult parse, string wearerId, FileInfo? protocolFile,
        DirectoryInfo? dataRoot, int seed, bool quiet)
    {
        WearerFolder.ValidateId(wearerId);
        var protocol = CalibrationProtocol.Load(protocolFile?.FullName ?? CalibrationProtocol.DefaultPath);
        var settings = device.Settings(parse);
        var sources = ReplayedSources(parse.GetValue(device.Sources) ?? [], settings);
        var freeRunning = settings.Board == "emulator"
            && string.Equals(settings.Emulator.Pacing, nameof(EmulatorPacing.FreeRunning), StringComparison.OrdinalIgnoreCase);
        var folder = WearerFolder.Open(WearerFolder.ResolveRoot(dataRoot?.FullName), wearerId);
        output.MarkupLine(Markup.Escape($"Wearer '{wearerId}': {folder.Path}"));
        var presenter = new ConsoleCuePresenter(output, oneLinePerTrial: freeRunning, quiet);
        var session = new CalibrationSessionSettings(protocol, folder, presenter, seed, sources, settings.Emulator.RecordingHints(), BreakKey());
        return CalibrationSession.Run(session, source => device.Open(parse, source ?? SyntheticOrNull(parse, device)));
    }

    /// <summary>
    /// On the emulator the recordings to replay as the wearer: the --source files, or the configured source when none
    /// is given; none (the protocol's schedule) for 'synthetic' or a real board.
    /// </summary>
    private static string[] ReplayedSources(string[] given, AcquisitionSettings settings)
    {
        var synthetic = Array.FindIndex(given, s => string.Equals(s, EmulatorOptions.SyntheticSource, StringComparison.OrdinalIgnoreCase));
        if (synthetic >= 0)
        {
            return given.Length == 1
                ? []
                : throw new ArgumentException($"--source {EmulatorOptions.SyntheticSource} cannot be mixed with recordings; give recordings (one per block) or '{EmulatorOptions.SyntheticSource}' alone.");
        }

        if (settings.Board != "emulator")
        {
            return given.Length == 0 ? [] : throw new ArgumentException($"--source {given[0]}: recordings replace the wearer on the emulator only (Board = {settings.Board}).");
        }

        if (given.Length > 0)
        {
            return Array.ConvertAll(given, Path.GetFullPath);
        }

        return string.Equals(settings.Emulator.Source, EmulatorOptions.SyntheticSource, StringComparison.OrdinalIgnoreCase)
            ? []
            : [Path.GetFullPath(settings.Emulator.Source, AppContext.BaseDirectory)];
    }

    /// <summary>With the protocol's schedule the one --source (synthetic) still applies; otherwise the configuration's source.</summary>
    private static string? SyntheticOrNull(ParseResult parse, DeviceOptions device) =>
        (parse.GetValue(device.Sources) ?? []) is [var only] && string.Equals(only, EmulatorOptions.SyntheticSource, StringComparison.OrdinalIgnoreCase) ? only : null;

    /// <summary>A key ends a break between blocks, when there is a keyboard to press one on.</summary>
    private static Func<bool>? BreakKey()
    {
        if (Console.IsInputRedirected)
        {
            return null;
        }

        return () =>
        {
            if (!Console.KeyAvailable)
            {
                return false;
            }

            Console.ReadKey(intercept: true);
            return true;
        };
    }

    private static string Describe(IReadOnlyDictionary<string, int> trials)
    {
        var parts = new List<string>(trials.Count);
        foreach (var (name, count) in trials)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{count} {name}"));
        }

        return string.Join(", ", parts);
    }

    private static string Describe(IReadOnlyList<RecordedBlock> blocks, int sampleRate)
    {
        var parts = new List<string>(blocks.Count);
        foreach (var block in blocks)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{block.Start / (double)sampleRate:0.#}-{block.End / (double)sampleRate:0.#} s"));
        }

        return string.Join(", ", parts);
    }
}
