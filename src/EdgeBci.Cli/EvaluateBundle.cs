using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci evaluate --bundle &lt;b&gt; --subject N</c>: an existing bundle judged on another subject's recordings.
/// The bundle is verified as the unit verifies it; its task (runs, annotations, window), channels and signal chain
/// come from its manifest, so the trials are cut exactly as its training trials were; its int8 and fp32 models decide
/// each trial once, and the report names the subject it was trained on beside the one evaluated.
/// </summary>
internal sealed class EvaluateBundle
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public Option<DirectoryInfo?> Bundle { get; } = new("--bundle")
    {
        Description = "Evaluate this model bundle's int8 and fp32 models on --subject's trials of the bundle's own task (instead of training per fold).",
    };

    public Option<string?> Runs { get; } = new("--runs") { Description = "With --bundle: only these of the task's runs, e.g. 12 or 4,8,12 (default: all of them)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Bundle);
        command.Options.Add(Runs);
    }

    public bool IsGiven(ParseResult parse) => parse.GetValue(Bundle) is not null;

    public int Run(ParseResult parse, TaskDataOptions data, FileInfo? report, IAnsiConsole output)
    {
        if (parse.GetValue(data.Task) is not null || parse.GetValue(data.Tasks) is not null)
        {
            throw new ArgumentException("--bundle evaluates the bundle's own task (from its manifest): drop --task and --tasks.");
        }

        var loaded = ModelBundle.Load(parse.GetValue(Bundle)!.FullName, ModelTrustPolicy.None);
        var manifest = loaded.Manifest;
        var task = manifest.Task ?? throw new ArgumentException(
            $"{Path.Combine(loaded.Folder, ModelManifest.FileName)} does not record the task, so its trials cannot be cut from other recordings; retrain with edgebci train.");
        var definition = new TaskDefinition(task.Name, SelectedRuns(parse.GetValue(Runs), [.. task.Runs], task.Name), task.ClassByAnnotation,
            task.WindowStartSeconds, task.WindowEndSeconds);
        var subject = parse.GetValue(data.Subject);
        var paths = EegmmidbLayout.RunPaths(DataFolder.Resolve(parse.GetValue(data.Data)), subject, definition);
        var configuration = DeviceOptions.BuildConfiguration(parse.GetValue(data.Config), new Dictionary<string, string?>());
        var device = ReplaySettings.From(AcquisitionSettings.Bind(configuration).Ads1299);
        var dataset = DatasetBuilder.Build(paths, definition, manifest.Channels, device, manifest.SignalChain);
        var results = BundleEvaluation.Run(loaded, dataset);

        var trainedOn = TrainedOn(manifest);
        var evaluatedOn = string.Create(CultureInfo.InvariantCulture, $"S{subject:000} runs {string.Join(", ", definition.Runs)}");
        output.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{manifest.ModelId} {manifest.ModelVersion}: trained on {trainedOn}; evaluated on {evaluatedOn}: {dataset.Count} trials, one decision each, classes {string.Join(" / ", dataset.ClassNames)}.")));
        foreach (var result in results)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Model}: {BinomialTest.Describe(result.CorrectTrials, result.Metrics.SampleCount, result.Chance, result.ChanceText, BundleEvaluation.Alpha)}; predicted {PredictedCounts(result.Metrics)}"));
            output.WriteLine(result.Metrics.FormatTable());
        }

        if (report is not null)
        {
            EvaluateCommand.WriteFile(report.FullName, path => File.WriteAllText(path, JsonSerializer.Serialize(
                ReportOf(manifest, loaded.Folder, trainedOn, subject, definition.Runs, results, EvaluateCommand.CommandLine(parse)), Json)));
            output.MarkupLine($"Wrote the report as JSON to [bold]{Markup.Escape(report.FullName)}[/].");
        }

        return EdgeBciCommand.Success;
    }

    /// <summary>The runs to cut: all of the task's, or those given, each checked to be one of the task's.</summary>
    internal static int[] SelectedRuns(string? given, int[] taskRuns, string taskName)
    {
        if (given is null)
        {
            return taskRuns;
        }

        var parts = given.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var runs = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out runs[i]) || Array.IndexOf(taskRuns, runs[i]) < 0)
            {
                throw new ArgumentException($"--runs '{given}': '{parts[i]}' is not one of task {taskName}'s runs ({string.Join(", ", taskRuns)}).");
            }
        }

        return runs.Length > 0 ? runs : throw new ArgumentException($"--runs '{given}': name at least one of task {taskName}'s runs ({string.Join(", ", taskRuns)}).");
    }

    /// <summary>"S001 (S001R04.edf, S001R08.edf, S001R12.edf)": the subjects and files the manifest's training recordings name.</summary>
    private static string TrainedOn(ModelManifest manifest)
    {
        var subjects = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var recording in manifest.TrainingRecordings)
        {
            var run = recording.Name.IndexOf('R', StringComparison.Ordinal);
            subjects.Add(recording.Name.StartsWith('S') && run > 1 ? recording.Name[..run] : recording.Name);
        }

        return subjects.Count == 0
            ? "unrecorded data (the manifest names no training recording)"
            : $"{string.Join(", ", subjects)} ({string.Join(", ", manifest.TrainingRecordings.Select(r => r.Name))})";
    }

    private static string PredictedCounts(ClassificationMetrics metrics) =>
        string.Join(", ", metrics.PerClass.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Name} {c.PredictedCount}")));

    private static object ReportOf(ModelManifest manifest, string folder, string trainedOn, int subject, int[] runs,
        IReadOnlyList<BundleModelResult> results, string command) => new
        {
            Bundle = folder,
            manifest.ModelId,
            manifest.ModelVersion,
            TrainedOn = trainedOn,
            Subject = subject,
            Runs = runs,
            manifest.Classes,
            Command = command,
            Models = results.Select(r => new
            {
                r.Model,
                Trials = r.Metrics.SampleCount,
                r.CorrectTrials,
                r.Metrics.Accuracy,
                r.Metrics.BalancedAccuracy,
                Kappa = r.Metrics.CohensKappa,
                r.PValue,
                NeededForPBelow001 = r.SignificantCount,
                Predicted = r.Metrics.PerClass.ToDictionary(c => c.Name, c => c.PredictedCount, StringComparer.Ordinal),
                Confusion = ConfusionRows(r.Metrics),
            }).ToArray(),
        };

    // Rows are the truth, columns the predictions, in the class order above.
    private static int[][] ConfusionRows(ClassificationMetrics metrics)
    {
        var matrix = metrics.ConfusionMatrix();
        var rows = new int[metrics.ClassCount][];
        for (var t = 0; t < rows.Length; t++)
        {
            rows[t] = new int[metrics.ClassCount];
            for (var p = 0; p < rows.Length; p++)
            {
                rows[t][p] = matrix[t, p];
            }
        }

        return rows;
    }
}
