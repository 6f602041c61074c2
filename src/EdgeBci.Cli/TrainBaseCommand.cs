using System.CommandLine;
using System.Globalization;
using EdgeBci.Training.Alignment;
using EdgeBci.Training.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Model;
using EdgeBci.Training.Transfer;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci train-base</c>: a cross-subject base model. Each subject's trials (and, with
/// <c>--auxiliary-task</c>, their trials of an auxiliary task with the same classes) are aligned with that subject's
/// own Euclidean alignment, pooled, and one decoder is trained on them. The bundle carries the engine's checkpoint so
/// a unit can fine-tune it on its wearer, and no alignment of its own: each wearer brings theirs.
/// </summary>
internal static class TrainBaseCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var data = new TaskDataOptions();
        var subjects = new Option<string>("--subjects") { Description = "Comma-separated subject numbers to pool, e.g. 1,2,3.", Required = true };
        var auxiliary = new Option<string?>("--auxiliary-task") { Description = "A task with the same classes whose trials are added per subject (e.g. rest-left-right-executed)." };
        var bundle = new Option<DirectoryInfo>("--out") { Description = "Folder to write the base bundle to (replaced whole if it exists).", Required = true };
        var quantization = new QuantizationCliOptions();
        var seed = new Option<int>("--seed") { Description = "Seed of the model and training.", DefaultValueFactory = _ => 7 };
        var epochs = new Option<int?>("--epochs") { Description = "Train exactly this many epochs on every trial (default: as `train` chooses for the pooled trial count)." };
        var modelId = new Option<string?>("--model-id") { Description = "Model id in the manifest (default base-<task>)." };
        var modelVersion = new Option<string?>("--model-version") { Description = "Model version in the manifest (default the UTC date and time, yyyy.MM.dd.HHmm)." };
        var signKey = ModelSigningOptions.SignKey();
        var command = new Command("train-base", "Trains a cross-subject base model on several subjects' aligned data and writes a bundle that a unit can fine-tune on its wearer.");
        foreach (var option in new Option[] { data.Task, data.Tasks, data.Data, data.Config, subjects, auxiliary, bundle, seed, epochs, modelId, modelVersion, signKey })
        {
            command.Options.Add(option);
        }

        quantization.AddTo(command);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            // Read before training: a key that cannot be used is found in a second, not after the training.
            using var signer = ModelSigningOptions.LoadKey(parse.GetValue(signKey), "--sign-key");
            var taskData = data.ResolveSettings(parse);
            var subjectList = ParseSubjects(parse.GetValue(subjects)!);
            var definitions = parse.GetValue(data.Tasks) is { } file ? TaskDefinition.Load(file.FullName) : TaskDefinition.BuiltIn;
            var auxiliaryTask = parse.GetValue(auxiliary) is { } auxiliaryName ? TaskDefinition.Find(definitions, auxiliaryName) : null;
            var quantizationOptions = quantization.Resolve(parse);
            var seedValue = parse.GetValue(seed);

            var pooled = PooledDataset.Build(taskData.Folder, subjectList, taskData.Definition, auxiliaryTask, taskData.Montage,
                taskData.Device, taskData.Signal, TrainCommand.CropMarginSeconds);
            foreach (var part in pooled.Parts)
            {
                output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"subject {part.Subject}, {Markup.Escape(part.Task)}: {part.Trials} windows, aligned with their own R ({part.Alignment.WindowCount} windows)"));
            }

            var dataset = pooled.Dataset;
            var training = parse.GetValue(epochs) is { } epochCount
                ? new TrainingOptions(MaxEpochs: CheckEpochs(epochCount), PeakLearningRate: 3e-3, ValidationFraction: 0, Seed: seedValue)
                : DecoderTrainer.OptionsFor(dataset, seedValue);
            var created = DateTimeOffset.UtcNow;
            var request = new BundleRequest(
                dataset, taskData.Definition, taskData.Signal, pooled.RecordingPaths,
                DecoderTrainer.ShapeFor(dataset, seedValue) with { InputScaleMicrovolts = EuclideanAlignment.AlignedInputScale },
                training, quantizationOptions,
                parse.GetValue(modelId) ?? $"base-{taskData.Definition.Name}",
                parse.GetValue(modelVersion) ?? created.ToString("yyyy.MM.dd.HHmm", CultureInfo.InvariantCulture),
                EvaluateCommand.CommandLine(parse),
                created,
                [],
                IncludeCheckpoint: true);
            var folder = parse.GetValue(bundle)!.FullName;
            var built = DecoderBundleBuilder.Build(folder, request, log: new ConsoleProgress(output), signer: signer);

            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Wrote base bundle [bold]{Markup.Escape(folder)}[/]: {built.Manifest.ModelId} {built.Manifest.ModelVersion}, subjects {string.Join(", ", subjectList)}, " +
                $"{dataset.Count} aligned windows, {built.Decoder.ParameterCount:N0} parameters, checkpoint {ModelCheckpointFile(built)}."));
            ModelSigningOptions.ReportSigned(output, folder, signer);
            return EdgeBciCommand.Success;
        }));
        return command;
    }

    /// <summary>"1,2,3" as subject numbers.</summary>
    /// <exception cref="ArgumentException">An entry is not a positive whole number (named), or none is given.</exception>
    public static int[] ParseSubjects(string text)
    {
        var subjects = new List<int>();
        foreach (var entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out var subject) || subject < 1)
            {
                throw new ArgumentException($"--subjects '{text}': '{entry}' is not a subject number (a whole number from 1).");
            }

            subjects.Add(subject);
        }

        return subjects.Count > 0 ? [.. subjects] : throw new ArgumentException($"--subjects '{text}': name at least one subject, e.g. 1,2,3.");
    }

    private static int CheckEpochs(int epochs) =>
        epochs >= 1 ? epochs : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--epochs {epochs}: train at least one epoch."));

    private static string ModelCheckpointFile(BundleResult built) => built.Manifest.Checkpoint?.File ?? "(none)";
}
