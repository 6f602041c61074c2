using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Training.LiveReplay;
using EdgeBci.Training.Reporting;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci replay-score --bundle &lt;b&gt; --recording &lt;run&gt;</c>: replays a held-out recording through the unit's
/// chain, decoder and safety supervisor onto the simulated wheelchair on a virtual clock (see
/// <see cref="LiveReplayRunner"/>), scores every cue and prints it beside the bundle's offline accuracy on the run;
/// <c>--out</c> adds the replay to an evaluation report (JSON and HTML), creating one when there is none. A bundle that
/// fails its checksums, an unreadable recording or one without the channels the unit or the model needs exits 2 with
/// the reason.
/// </summary>
internal static partial class ReplayScoreCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var bundle = new Option<DirectoryInfo>("--bundle") { Description = "The model bundle folder.", Required = true };
        var recording = new Option<FileInfo>("--recording") { Description = "A held-out recording with cue annotations (EDF+/BDF+).", Required = true };
        var config = new Option<FileInfo?>("--config") { Description = "The unit's appsettings.json (Ads1299, Signal, Decoding, Control); without it the built-in defaults." };
        var report = new Option<FileInfo?>("--out") { Description = "Evaluation report to add the replay to (report.json or report.html; both are written)." };
        var precision = new Option<string>("--precision") { Description = "int8 (what the unit runs) or fp32.", DefaultValueFactory = _ => "int8" };
        precision.AcceptOnlyFromAmong("int8", "fp32");
        var command = new Command("replay-score", "Replays a held-out recording through the unit's chain, decoder and supervisor onto the simulated wheelchair and scores every cue.");
        command.Options.Add(bundle);
        command.Options.Add(recording);
        command.Options.Add(config);
        command.Options.Add(report);
        command.Options.Add(precision);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var folder = parse.GetValue(bundle)!.FullName;
            var manifest = ModelBundle.Load(folder, ModelTrustPolicy.None).Manifest;
            var configuration = ReplayConfiguration.Bind(DeviceOptions.BuildConfiguration(parse.GetValue(config), new Dictionary<string, string?>()), manifest);
            var modelPrecision = parse.GetValue(precision) == "fp32" ? ModelPrecision.Fp32 : ModelPrecision.Int8;
            var result = ReplayScoring.Run(folder, parse.GetValue(recording)!.FullName, configuration, modelPrecision);
            var summary = LiveReplaySummary.From(result);
            Print(output, summary, result.Replay);
            if (parse.GetValue(report) is { } target)
            {
                var (json, html) = Write(target, summary, manifest, result, parse);
                output.MarkupLine($"Report: [bold]{Markup.Escape(json)}[/] and [bold]{Markup.Escape(html)}[/]");
            }

            return EdgeBciCommand.Success;
        }));
        return command;
    }

    private static void Print(IAnsiConsole output, LiveReplaySummary replay, LiveReplayResult run)
    {
        var culture = CultureInfo.InvariantCulture;
        var table = new Table().AddColumn("Recording").AddColumn(new TableColumn("Cues").RightAligned()).AddColumn(new TableColumn("Right way").RightAligned())
            .AddColumn(new TableColumn("Wrong way").RightAligned()).AddColumn(new TableColumn("No move").RightAligned()).AddColumn(new TableColumn("Wrong-way %").RightAligned())
            .AddColumn(new TableColumn("Rest moves/min").RightAligned()).AddColumn(new TableColumn("Cue→move median/p90 (s)").RightAligned())
            .AddColumn(new TableColumn("ITR (bits/min)").RightAligned()).AddColumn(new TableColumn("Offline accuracy").RightAligned());
        table.AddRow(
            Markup.Escape(replay.Recording),
            replay.Cues.ToString(culture),
            replay.CuedWay.ToString(culture),
            replay.WrongWay.ToString(culture),
            replay.NoMove.ToString(culture),
            (100 * replay.WrongWayShare).ToString("0.0", culture),
            replay.RestMovesPerMinute.ToString("0.00", culture),
            replay.MedianSecondsToMove is { } median ? string.Create(culture, $"{median:0.00} / {replay.P90SecondsToMove:0.00}") : "–",
            replay.ItrBitsPerMinute.ToString("0.00", culture),
            string.Create(culture, $"{replay.OfflineAccuracy:0.000} ({replay.OfflineCorrect}/{replay.OfflineTrials})"));
        output.MarkupLine(Markup.Escape(string.Create(culture,
            $"{replay.Model} ({replay.Precision}) on {replay.Recording}: {run.RecordingSeconds:0.0} s replayed, {run.Decisions} decisions, armed at {(run.ArmedAtSeconds is { } armed ? armed.ToString("0.00", culture) + " s" : "never")}, ended {run.FinalState}")));
        foreach (var stop in run.Events)
        {
            // The stops the supervisor latched are what the wearer would have had to re-arm after: name them.
            if (stop.Contains("-> SafeStop", StringComparison.Ordinal))
            {
                output.MarkupLine("  " + Markup.Escape(stop));
            }
        }

        output.Write(table);
    }

    private static (string Json, string Html) Write(FileInfo target, LiveReplaySummary replay, ModelManifest manifest, ReplayScoreReport result, ParseResult parse)
    {
        var json = Path.ChangeExtension(target.FullName, ".json");
        var html = Path.ChangeExtension(target.FullName, ".html");
        EvaluationReport report;
        if (File.Exists(json))
        {
            var existing = EvaluationReportJson.Read(json);
            report = existing with { LiveReplays = [.. existing.LiveReplays.Where(r => !r.Replays(replay)), replay] };
        }
        else
        {
            var task = manifest.Task!;
            var run = EegmmidbRun().Match(result.Replay.Recording);
            report = new EvaluationReport
            {
                Task = task.Name,

                // 0 and no runs: the recording is not named like an eegmmidb run (a calibration session).
                Subject = run.Success ? int.Parse(run.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
                Runs = run.Success ? [int.Parse(run.Groups[2].Value, CultureInfo.InvariantCulture)] : [],
                WindowStartSeconds = task.WindowStartSeconds,
                WindowEndSeconds = task.WindowEndSeconds,
                Channels = manifest.Channels,
                SampleRate = (int)manifest.SampleRate,
                Classes = manifest.Classes,
                Trials = result.OfflineTrials,
                Command = EvaluateCommand.CommandLine(parse),
                ToolVersion = EvaluateCommand.ToolVersion(),
                Created = DateTimeOffset.Now,
                Results = [],
                LiveReplays = [replay],
            };
        }

        Directory.CreateDirectory(Path.GetDirectoryName(json)!);
        EvaluationReportJson.Write(report, json);
        EvaluationReportPage.Write(report, html);
        return (json, html);
    }

    [GeneratedRegex(@"^S(\d{3})R(\d{2})\.", RegexOptions.CultureInvariant)]
    private static partial Regex EegmmidbRun();
}
