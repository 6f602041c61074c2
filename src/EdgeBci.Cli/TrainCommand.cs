using System.CommandLine;
using System.Globalization;
using EdgeBci.Training.Bundle;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Model;
using EdgeBci.Training.Quantization;
using EdgeBci.Training.Reporting;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci train</c>: builds a task's windows through the unit's signal chain, evaluates CSP+LDA and the decoder
/// (fp32 and int8) under both protocols, trains the final decoder on every trial, and writes the model bundle the unit
/// loads (int8 and fp32 ONNX, manifest with hashes, and the evaluation report).
/// </summary>
internal static class TrainCommand
{
    /// <summary>Signal kept each side of a window for shifted training crops.</summary>
    public const double CropMarginSeconds = 0.5;

    /// <summary>The evaluation report inside the bundle, as JSON and as a page.</summary>
    public const string ReportJsonFile = "report.json";

    public const string ReportPageFile = "report.html";

    public static Command Create(IAnsiConsole output)
    {
        var data = new TaskDataOptions();
        var bundle = new Option<DirectoryInfo>("--out") { Description = "Folder to write the model bundle to (replaced whole if it exists).", Required = true };
        var quantization = new QuantizationCliOptions();
        var seed = new Option<int>("--seed") { Description = "Seed of the model, training and folds.", DefaultValueFactory = _ => 7 };
        var folds = new Option<int>("--folds") { Description = "Folds of the stratified cross-validation.", DefaultValueFactory = _ => 5 };
        var epochs = new Option<int?>("--epochs")
        {
            Description = "Training epochs, for the evaluation's folds and the final model alike (default: the trainer's choice for the dataset, 100 below 200 trials). Fewer is for quick checks, not for a bundle that drives.",
        };
        var skipEvaluation = new Option<bool>("--no-evaluate") { Description = "Train and write the bundle without the cross-validated evaluation (faster; the manifest then has no metrics)." };
        var modelId = new Option<string?>("--model-id") { Description = "Model id in the manifest (default s<subject>-<task>)." };
        var modelVersion = new Option<string?>("--model-version") { Description = "Model version in the manifest (default the UTC date and time, yyyy.MM.dd.HHmm)." };
        var signKey = ModelSigningOptions.SignKey();
        var command = new Command("train", "Trains the attention decoder on a task, quantizes it to int8 and writes a verified model bundle with its evaluation report.");
        data.AddTo(command);
        quantization.AddTo(command);
        foreach (var option in new Option[] { bundle, seed, folds, epochs, skipEvaluation, modelId, modelVersion, signKey })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            // Read before training: a key that cannot be used is found in a second, not after the training.
            using var signer = ModelSigningOptions.LoadKey(parse.GetValue(signKey), "--sign-key");
            var taskData = data.Resolve(parse);
            var quantizationOptions = quantization.Resolve(parse);
            var seedValue = parse.GetValue(seed);
            var foldCount = EvaluateCommand.CheckFolds(parse.GetValue(folds));
            var epochCount = parse.GetValue(epochs) is { } given
                ? (given is >= 1 and <= 1000 ? given : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--epochs {given}: use 1..1000.")))
                : (int?)null;
            var dataset = taskData.Build(output, CropMarginSeconds);
            var trainingOptions = DecoderTrainer.OptionsFor(dataset, seedValue);
            trainingOptions = epochCount is { } count ? trainingOptions with { MaxEpochs = count } : trainingOptions;
            var evaluation = parse.GetValue(skipEvaluation)
                ? new Evaluation([], [], [])
                : EvaluateCommand.Evaluate(output, taskData, dataset, foldCount, seedValue, quantizationOptions, trainingOptions);

            var created = DateTimeOffset.UtcNow;
            var request = new BundleRequest(
                dataset, taskData.Definition, taskData.Signal, taskData.RecordingPaths,
                DecoderTrainer.ShapeFor(dataset, seedValue), trainingOptions, quantizationOptions,
                parse.GetValue(modelId) ?? string.Create(CultureInfo.InvariantCulture, $"s{taskData.Subject:000}-{taskData.Definition.Name}"),
                parse.GetValue(modelVersion) ?? created.ToString("yyyy.MM.dd.HHmm", CultureInfo.InvariantCulture),
                EvaluateCommand.CommandLine(parse),
                created,
                evaluation.Results,
                evaluation.Agreements.Count > 0 ? QuantizationAgreement.Pool(evaluation.Agreements).Share : null);

            // The report travels inside the bundle, so whoever deploys it can see how it was judged.
            var report = EvaluateCommand.Report(parse, taskData, dataset, evaluation);
            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
            {
                [ReportJsonFile] = System.Text.Encoding.UTF8.GetBytes(EvaluationReportJson.Serialize(report)),
                [ReportPageFile] = System.Text.Encoding.UTF8.GetBytes(EvaluationReportPage.Render(report)),
            };
            var folder = parse.GetValue(bundle)!.FullName;
            var built = DecoderBundleBuilder.Build(folder, request, files, new ConsoleProgress(output), signer);

            if (evaluation.Results.Count > 0)
            {
                EvaluateCommand.WriteResults(output, evaluation.Results);
            }

            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote bundle [bold]{Markup.Escape(folder)}[/]: {built.Manifest.ModelId} {built.Manifest.ModelVersion}, {built.Decoder.ParameterCount:N0} parameters, " +
                $"int8 {built.Quantization.QuantizedModelBytes:N0} bytes / fp32 {built.Quantization.Float32ModelBytes:N0} bytes, export parity {built.ExportParity:E1}."));
            ModelSigningOptions.ReportSigned(output, folder, signer);
            return EdgeBciCommand.Success;
        }));
        return command;
    }
}

/// <summary>How the int8 model is calibrated: shared by <c>train</c>, <c>evaluate</c> and <c>quantize</c>.</summary>
internal sealed class QuantizationCliOptions
{
    public Option<string> Calibration { get; } = new("--calibration")
    {
        Description = "Activation calibration: percentile (default) or min-max.",
        DefaultValueFactory = _ => DecoderBundleBuilder.DefaultQuantization.Method == CalibrationMethod.Percentile ? "percentile" : "min-max",
    };

    public Option<double> Percentile { get; } = new("--percentile")
    {
        Description = "With --calibration percentile: share of calibration values the range holds, in percent.",
        DefaultValueFactory = _ => DecoderBundleBuilder.DefaultQuantization.Percentile,
    };

    public Option<bool> FullWeightRange { get; } = new("--full-weight-range")
    {
        Description = "Quantize weights to ±127 instead of ±64. Only for units whose CPU never saturates int8 dot products (Arm64, x86 with VNNI); x86 without VNNI would then compute wrong results.",
    };

    public Option<bool> AllInt8 { get; } = new("--all-int8")
    {
        Description = "Quantize every Conv/MatMul/Gemm, also those the default keeps float because int8 is slower for them on x86 " +
            "(convolutions with one input channel per group, MatMul/Gemm over at most 64 values); the alignment always stays float.",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Calibration);
        command.Options.Add(Percentile);
        command.Options.Add(FullWeightRange);
        command.Options.Add(AllInt8);
    }

    /// <exception cref="ArgumentException">An unknown method or a percentile outside (0, 100].</exception>
    public StaticQuantizationOptions Resolve(ParseResult parse)
    {
        var given = parse.GetValue(Calibration);
        var method = given?.Trim().ToUpperInvariant() switch
        {
            "PERCENTILE" => CalibrationMethod.Percentile,
            "MIN-MAX" or "MINMAX" => CalibrationMethod.MinMax,
            _ => throw new ArgumentException($"--calibration '{given}': use percentile or min-max."),
        };
        var percentile = parse.GetValue(Percentile);
        if (!(percentile > 0 && percentile <= 100))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--percentile {percentile}: use a value in (0, 100]."));
        }

        // From the bundles' default, so the float-node rule applies to re-quantized bundles too.
        return DecoderBundleBuilder.DefaultQuantization with
        {
            Method = method,
            Percentile = percentile,
            ReduceWeightRange = !parse.GetValue(FullWeightRange),
            FloatNodes = parse.GetValue(AllInt8) ? FloatNodeRule.InputTransformsOnly : DecoderBundleBuilder.DefaultQuantization.FloatNodes,
        };
    }
}
