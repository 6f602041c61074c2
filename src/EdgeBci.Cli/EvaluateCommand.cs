using System.CommandLine;
using System.Globalization;
using System.Reflection;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Reporting;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci evaluate</c>: builds a task's windows from annotated recordings through the unit's own signal chain and
/// reports the classical CSP+LDA baseline under both protocols (stratified k-fold and chronological), as a table,
/// as JSON and as an HTML page with plots; with --decoder the fp32 attention decoder is trained and tested on the same
/// folds beside it, and its learning curves go into the page.
/// </summary>
internal static class EvaluateCommand
{

    public static Command Create(IAnsiConsole output)
    {
        var task = new Option<string>("--task") { Description = "hands-vs-feet, left-vs-right, or a task in --tasks.", Required = true };
        var tasks = new Option<FileInfo?>("--tasks") { Description = "A JSON task file (name, runs, classes by annotation, window)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder with S<subject>/S<subject>R<run>.edf.", DefaultValueFactory = _ => new DirectoryInfo("../shared/data/eegmmidb") };
        var subject = new Option<int>("--subject") { Description = "Subject number.", DefaultValueFactory = _ => 1 };
        var folds = new Option<int>("--folds") { Description = "Folds of the stratified cross-validation.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the fold assignment.", DefaultValueFactory = _ => 7 };
        var report = new Option<FileInfo?>("--out")
        {
            Description = "Write the report as JSON here. Unless --html is given, the HTML page is written beside it too (same name, .html).",
        };
        var page = new Option<FileInfo?>("--html") { Description = "Write the report as a self-contained HTML page with plots here." };
        var config = new Option<FileInfo?>("--config") { Description = "A JSON configuration file (Ads1299 and Signal sections as in appsettings.json)." };
        var decoder = new Option<bool>("--decoder") { Description = "Also train and evaluate the fp32 attention decoder on the same folds (takes up to a minute)." };
        var command = new Command("evaluate", "Reports CSP+LDA on a task's windows (5-fold and chronological), built through the unit's own signal chain.");
        foreach (var option in new Option[] { task, tasks, data, subject, folds, seed, report, page, config, decoder })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var definitions = parse.GetValue(tasks) is { } file ? TaskDefinition.Load(file.FullName) : TaskDefinition.BuiltIn;
            var definition = TaskDefinition.Find(definitions, parse.GetValue(task)!);
            var folder = parse.GetValue(data)!;
            if (!folder.Exists)
            {
                throw new ArgumentException($"--data '{folder.FullName}': no such folder.");
            }

            var foldCount = parse.GetValue(folds);
            if (foldCount is < 2 or > 20)
            {
                throw new ArgumentException($"--folds {foldCount}: use 2..20.");
            }

            // Checked before the evaluation, which can take a minute, rather than failing after it.
            var (jsonPath, htmlPath) = OutputPaths(parse.GetValue(report), parse.GetValue(page));

            var configuration = DeviceOptions.BuildConfiguration(parse.GetValue(config), new Dictionary<string, string?>());
            var settings = AcquisitionSettings.Bind(configuration);
            var signal = AcquisitionSettings.BindSection<SignalOptions>(configuration, SignalOptions.Section);
            var subjectNumber = parse.GetValue(subject);
            var dataset = DatasetBuilder.Build(folder.FullName, subjectNumber, definition, settings.Ads1299.Channels,
                ReplaySettings.From(settings.Ads1299), signal);
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"{Markup.Escape(definition.Name)}: {dataset.Count} windows of {dataset.SamplesPerWindow} samples x {dataset.ChannelCount} channels ({Markup.Escape(string.Join(", ", dataset.ChannelNames))}), classes {Markup.Escape(string.Join(" / ", dataset.ClassNames))}, runs {string.Join(", ", definition.Runs)}"));

            var results = new List<ProtocolResult>(BaselineEvaluation.Run(dataset, definition, foldCount, parse.GetValue(seed)));
            var curves = new List<LearningCurve>();
            if (parse.GetValue(decoder))
            {
                results.AddRange(DecoderEvaluation.Run(dataset, definition, foldCount, parse.GetValue(seed), curves: curves));
            }

            var table = new Table().AddColumn("Model").AddColumn("Protocol").AddColumn(new TableColumn("Accuracy").RightAligned())
                .AddColumn(new TableColumn("Balanced").RightAligned()).AddColumn(new TableColumn("Kappa").RightAligned()).AddColumn("Test trials");
            foreach (var result in results)
            {
                table.AddRow(result.Model, Markup.Escape(result.Description),
                    Percent(result.Metrics.Accuracy), Percent(result.Metrics.BalancedAccuracy),
                    result.Metrics.CohensKappa.ToString("0.00", CultureInfo.InvariantCulture),
                    result.Metrics.SampleCount.ToString(CultureInfo.InvariantCulture));
            }

            output.Write(table);
            foreach (var result in results)
            {
                output.WriteLine($"{result.Model}, {result.Description}:");
                output.WriteLine(result.Metrics.FormatTable());
            }

            if (jsonPath is not null || htmlPath is not null)
            {
                var evaluation = new EvaluationReport
                {
                    Task = definition.Name,
                    Subject = subjectNumber,
                    Runs = definition.Runs,
                    WindowStartSeconds = definition.WindowStartSeconds,
                    WindowEndSeconds = definition.WindowEndSeconds,
                    Channels = dataset.ChannelNames,
                    SampleRate = dataset.SampleRate,
                    Classes = dataset.ClassNames,
                    Trials = dataset.Count,
                    Command = CommandLine(parse),
                    ToolVersion = ToolVersion(),
                    Created = DateTimeOffset.Now,
                    Results = results,
                    LearningCurves = curves,
                };
                if (jsonPath is not null)
                {
                    WriteFile(jsonPath, path => EvaluationReportJson.Write(evaluation, path));
                    output.MarkupLine($"Wrote the report as JSON to [bold]{Markup.Escape(jsonPath)}[/].");
                }

                if (htmlPath is not null)
                {
                    WriteFile(htmlPath, path => EvaluationReportPage.Write(evaluation, path));
                    output.MarkupLine($"Wrote the report page to [bold]{Markup.Escape(htmlPath)}[/].");
                }
            }

            return EdgeBciCommand.Success;
        }));
        return command;
    }

    private static string Percent(double value) => string.Create(CultureInfo.InvariantCulture, $"{value * 100:0.0} %");

    /// <summary>Where the JSON and the page go: --html wins for the page; --out alone puts the page beside the JSON.</summary>
    private static (string? Json, string? Html) OutputPaths(FileInfo? json, FileInfo? html)
    {
        var jsonPath = json?.FullName;
        var htmlPath = html?.FullName ?? (jsonPath is null ? null : Path.ChangeExtension(jsonPath, ".html"));
        if (jsonPath is not null && string.Equals(jsonPath, htmlPath, StringComparison.Ordinal))
        {
            throw new ArgumentException(html is null
                ? $"--out '{jsonPath}' would be overwritten by the page written beside it; give the JSON another extension or name the page with --html."
                : $"--out and --html both name '{jsonPath}'.");
        }

        return (jsonPath, htmlPath);
    }

    private static void WriteFile(string path, Action<string> write)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        write(path);
    }

    /// <summary>The command as the user would retype it, quoted for a POSIX shell where a token needs it.</summary>
    private static string CommandLine(ParseResult parse)
    {
        var words = new List<string> { "edgebci" };
        foreach (var token in parse.Tokens)
        {
            var word = token.Value;
            words.Add(word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=+,@%".Contains(c, StringComparison.Ordinal))
                ? word
                : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'");
        }

        return string.Join(' ', words);
    }

    private static string ToolVersion()
    {
        var assembly = typeof(EvaluateCommand).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
        return $"edgebci {version}";
    }
}
