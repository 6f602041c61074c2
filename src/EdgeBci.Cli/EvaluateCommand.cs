using System.CommandLine;
using System.Globalization;
using System.Reflection;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Model;
using EdgeBci.Training.Reporting;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci evaluate</c>: builds a task's windows from annotated recordings through the unit's own signal chain and
/// reports the classical CSP+LDA baseline under both protocols (stratified k-fold and chronological), as a table,
/// as JSON and as an HTML page with plots; with --decoder the attention decoder is trained per fold and tested on the
/// same folds beside it, both as the engine's fp32 model and as the int8 ONNX model the unit runs, and its learning
/// curves go into the page.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var data = new TaskDataOptions(taskRequired: false);
        var bundleOptions = new EvaluateBundle();
        var quantization = new QuantizationCliOptions();
        var folds = new Option<int>("--folds") { Description = "Folds of the stratified cross-validation.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the fold assignment and the decoder.", DefaultValueFactory = _ => 7 };
        var report = new Option<FileInfo?>("--out")
        {
            Description = "Write the report as JSON here. Unless --html is given, the HTML page is written beside it too (same name, .html).",
        };
        var page = new Option<FileInfo?>("--html") { Description = "Write the report as a self-contained HTML page with plots here." };
        var decoder = new Option<bool>("--decoder") { Description = "Also train the attention decoder per fold and evaluate it fp32 and int8 on the same folds (takes a minute or two)." };
        var command = new Command("evaluate",
            "Reports CSP+LDA (and with --decoder the attention decoder, fp32 and int8) on a task's windows, 5-fold and chronological; with --bundle, an existing bundle's models on a subject's trials.");
        data.AddTo(command);
        bundleOptions.AddTo(command);
        quantization.AddTo(command);
        foreach (var option in new Option[] { folds, seed, report, page, decoder })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            if (bundleOptions.IsGiven(parse))
            {
                if (parse.GetValue(decoder) || parse.GetValue(page) is not null)
                {
                    throw new ArgumentException("--bundle evaluates the bundle's own models and writes JSON only: drop --decoder and --html.");
                }

                return bundleOptions.Run(parse, data, parse.GetValue(report), output);
            }

            // Checked before the data and the evaluation, which can take a minute, rather than failing after them.
            var (jsonPath, htmlPath) = OutputPaths(parse.GetValue(report), parse.GetValue(page));
            var taskData = data.Resolve(parse);
            var quantizationOptions = quantization.Resolve(parse);
            var foldCount = CheckFolds(parse.GetValue(folds));
            var seedValue = parse.GetValue(seed);
            var withDecoder = parse.GetValue(decoder);
            var dataset = taskData.Build(output, withDecoder ? TrainCommand.CropMarginSeconds : 0);
            var evaluation = Evaluate(output, taskData, dataset, foldCount, seedValue, withDecoder ? quantizationOptions : null);
            WriteResults(output, evaluation.Results);
            if (jsonPath is not null || htmlPath is not null)
            {
                var evaluationReport = Report(parse, taskData, dataset, evaluation);
                if (jsonPath is not null)
                {
                    WriteFile(jsonPath, path => EvaluationReportJson.Write(evaluationReport, path));
                    output.MarkupLine($"Wrote the report as JSON to [bold]{Markup.Escape(jsonPath)}[/].");
                }

                if (htmlPath is not null)
                {
                    WriteFile(htmlPath, path => EvaluationReportPage.Write(evaluationReport, path));
                    output.MarkupLine($"Wrote the report page to [bold]{Markup.Escape(htmlPath)}[/].");
                }
            }

            return EdgeBciCommand.Success;
        }));
        return command;
    }

    /// <summary>
    /// CSP+LDA under both protocols and, with <paramref name="quantization"/>, the decoder's fp32 and int8 models on the
    /// same folds, trained as <c>edgebci train</c> trains them (with <paramref name="training"/> when given).
    /// </summary>
    internal static Evaluation Evaluate(IAnsiConsole output, TaskData taskData, EpochDataset dataset, int folds, int seed,
        Training.Quantization.StaticQuantizationOptions? quantization, TrainingOptions? training = null)
    {
        var results = new List<ProtocolResult>(BaselineEvaluation.Run(dataset, taskData.Definition, folds, seed));
        var curves = new List<LearningCurve>();
        var agreements = new List<QuantizationAgreement>();
        if (quantization is not null)
        {
            results.AddRange(DecoderEvaluation.Run(dataset, taskData.Definition, folds, seed, DecoderTrainer.ShapeFor(dataset, seed),
                training ?? DecoderTrainer.OptionsFor(dataset, seed), new ConsoleProgress(output), curves, quantization, agreements));
            var pooled = QuantizationAgreement.Pool(agreements);
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"int8 agrees with fp32 on {pooled.Agreeing}/{pooled.Windows} test windows ({pooled.Share:P1}); largest probability difference {pooled.MaxProbabilityDifference:F3}; int8 {pooled.Int8Bytes:N0} bytes, fp32 {pooled.Fp32Bytes:N0} bytes."));
        }

        return new Evaluation(results, curves, agreements);
    }

    internal static int CheckFolds(int folds) =>
        folds is < 2 or > 20 ? throw new ArgumentException($"--folds {folds}: use 2..20.") : folds;

    /// <summary>The results as a table, then each one's per-class figures.</summary>
    internal static void WriteResults(IAnsiConsole output, IReadOnlyList<ProtocolResult> results)
    {
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
    }

    /// <summary>The report of an evaluation, as JSON and the page show it.</summary>
    internal static EvaluationReport Report(ParseResult parse, TaskData taskData, EpochDataset dataset, Evaluation evaluation)
    {
        var sizes = new List<ModelArtifactSize>();
        if (evaluation.Agreements.Count > 0)
        {
            var pooled = QuantizationAgreement.Pool(evaluation.Agreements);
            sizes.Add(new ModelArtifactSize("decoder fp32 (ONNX)", pooled.Fp32Bytes));
            sizes.Add(new ModelArtifactSize("decoder int8 (ONNX, QDQ)", pooled.Int8Bytes));
        }

        var definition = taskData.Definition;
        return new EvaluationReport
        {
            Task = definition.Name,
            Subject = taskData.Subject,
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
            Results = evaluation.Results,
            LearningCurves = evaluation.Curves,
            ModelSizes = sizes,
            QuantizationAgreements = evaluation.Agreements,
        };
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

    internal static void WriteFile(string path, Action<string> write)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        write(path);
    }

    /// <summary>The command as the user would retype it, quoted for a POSIX shell where a token needs it.</summary>
    internal static string CommandLine(ParseResult parse)
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

    internal static string ToolVersion()
    {
        var assembly = typeof(EvaluateCommand).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
        return $"edgebci {version}";
    }
}

/// <summary>What an evaluation produced: every model's results, the decoder's learning curves, and int8 agreement per fold.</summary>
internal sealed record Evaluation(IReadOnlyList<ProtocolResult> Results, IReadOnlyList<LearningCurve> Curves, IReadOnlyList<QuantizationAgreement> Agreements);

/// <summary>Writes each progress line as it comes, on the calling thread.</summary>
internal sealed class ConsoleProgress(IAnsiConsole output) : IProgress<string>
{
    public void Report(string value) => output.MarkupLine($"  [grey]{Markup.Escape(value)}[/]");
}
