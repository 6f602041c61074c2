using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci evaluate</c>: builds a task's windows from annotated recordings through the unit's own signal chain and
/// reports the classical CSP+LDA baseline under both protocols (stratified k-fold and chronological), as a table and
/// as JSON; with --decoder the fp32 attention decoder is trained and tested on the same folds beside it.
/// </summary>
internal static class EvaluateCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Command Create(IAnsiConsole output)
    {
        var task = new Option<string>("--task") { Description = "hands-vs-feet, left-vs-right, or a task in --tasks.", Required = true };
        var tasks = new Option<FileInfo?>("--tasks") { Description = "A JSON task file (name, runs, classes by annotation, window)." };
        var data = new Option<DirectoryInfo>("--data") { Description = "Folder with S<subject>/S<subject>R<run>.edf.", DefaultValueFactory = _ => new DirectoryInfo("../shared/data/eegmmidb") };
        var subject = new Option<int>("--subject") { Description = "Subject number.", DefaultValueFactory = _ => 1 };
        var folds = new Option<int>("--folds") { Description = "Folds of the stratified cross-validation.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the fold assignment.", DefaultValueFactory = _ => 7 };
        var report = new Option<FileInfo?>("--out") { Description = "Write the report as JSON here." };
        var config = new Option<FileInfo?>("--config") { Description = "A JSON configuration file (Ads1299 and Signal sections as in appsettings.json)." };
        var decoder = new Option<bool>("--decoder") { Description = "Also train and evaluate the fp32 attention decoder on the same folds (takes up to a minute)." };
        var command = new Command("evaluate", "Reports CSP+LDA on a task's windows (5-fold and chronological), built through the unit's own signal chain.");
        foreach (var option in new Option[] { task, tasks, data, subject, folds, seed, report, config, decoder })
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

            var configuration = DeviceOptions.BuildConfiguration(parse.GetValue(config), new Dictionary<string, string?>());
            var settings = AcquisitionSettings.Bind(configuration);
            var signal = AcquisitionSettings.BindSection<SignalOptions>(configuration, SignalOptions.Section);
            var dataset = DatasetBuilder.Build(folder.FullName, parse.GetValue(subject), definition, settings.Ads1299.Channels,
                ReplaySettings.From(settings.Ads1299), signal);
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"{Markup.Escape(definition.Name)}: {dataset.Count} windows of {dataset.SamplesPerWindow} samples x {dataset.ChannelCount} channels ({Markup.Escape(string.Join(", ", dataset.ChannelNames))}), classes {Markup.Escape(string.Join(" / ", dataset.ClassNames))}, runs {string.Join(", ", definition.Runs)}"));

            var results = new List<ProtocolResult>(BaselineEvaluation.Run(dataset, definition, foldCount, parse.GetValue(seed)));
            if (parse.GetValue(decoder))
            {
                results.AddRange(DecoderEvaluation.Run(dataset, definition, foldCount, parse.GetValue(seed)));
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

            if (parse.GetValue(report) is { } destination)
            {
                File.WriteAllText(destination.FullName, JsonSerializer.Serialize(ToReport(definition, dataset, results), Json));
                output.MarkupLine($"Wrote [bold]{Markup.Escape(destination.FullName)}[/].");
            }

            return EdgeBciCommand.Success;
        }));
        return command;
    }

    private static string Percent(double value) => string.Create(CultureInfo.InvariantCulture, $"{value * 100:0.0} %");

    private static object ToReport(TaskDefinition task, EpochDataset dataset, IReadOnlyList<ProtocolResult> results)
    {
        var protocols = new List<object>(results.Count);
        foreach (var result in results)
        {
            var metrics = result.Metrics;
            var confusion = metrics.ConfusionMatrix();
            var rows = new int[metrics.ClassCount][];
            for (var t = 0; t < rows.Length; t++)
            {
                rows[t] = new int[metrics.ClassCount];
                for (var p = 0; p < rows[t].Length; p++)
                {
                    rows[t][p] = confusion[t, p];
                }
            }

            protocols.Add(new
            {
                model = result.Model,
                protocol = result.Protocol,
                description = result.Description,
                trials = metrics.SampleCount,
                accuracy = metrics.Accuracy,
                balancedAccuracy = metrics.BalancedAccuracy,
                kappa = metrics.CohensKappa,
                macroF1 = metrics.MacroF1,
                perClass = metrics.PerClass,
                confusion = new { rows = metrics.ClassNames, columns = metrics.ClassNames, counts = rows },
            });
        }

        return new
        {
            task = task.Name,
            runs = task.Runs,
            window = new[] { task.WindowStartSeconds, task.WindowEndSeconds },
            channels = dataset.ChannelNames,
            sampleRate = dataset.SampleRate,
            classes = dataset.ClassNames,
            trials = dataset.Count,
            results = protocols,
        };
    }
}
