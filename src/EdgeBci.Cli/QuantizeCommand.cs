using System.CommandLine;
using System.Globalization;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Onnx.Protos;
using EdgeBci.Training.Quantization;
using Google.Protobuf;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci quantize &lt;bundle&gt;</c>: re-quantizes a bundle's fp32 model with other calibration settings. The
/// calibration windows are cut again from the very recordings the model was trained on (their names and SHA-256 must
/// be exactly the manifest's; anything else is refused and the bundle left as it was), through the signal chain the manifest records; the int8 model is compared with the fp32 model on them,
/// and the bundle is rewritten with the new <c>model.onnx</c> and manifest.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var bundle = new Argument<DirectoryInfo>("bundle") { Description = "The model bundle (as written by edgebci train)." };
        var quantization = new QuantizationCliOptions();
        var data = DataFolder.CreateOption("Folder with S<subject>/S<subject>R<run>.edf: the training recordings named in the manifest.");
        var subject = new Option<int?>("--subject") { Description = "Subject number of the recordings (default: the subject the manifest's training recordings name)." };
        var config = new Option<FileInfo?>("--config") { Description = "A JSON configuration file for the chip's rate and gain (Ads1299 section)." };
        var command = new Command("quantize", "Re-quantizes a bundle's fp32 model to int8 (min-max or percentile calibration) on its own training windows and rewrites the bundle.");
        command.Arguments.Add(bundle);
        quantization.AddTo(command);
        command.Options.Add(data);
        command.Options.Add(subject);
        command.Options.Add(config);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var folder = parse.GetValue(bundle)!.FullName;
            var loaded = ModelBundle.Load(folder, ModelTrustPolicy.None);
            var manifest = loaded.Manifest;
            var options = quantization.Resolve(parse);
            var task = manifest.Task ?? throw new ArgumentException(
                $"{Path.Combine(folder, ModelManifest.FileName)} does not record the task, so its training windows cannot be cut again; retrain with edgebci train.");
            var definition = new TaskDefinition(task.Name, [.. task.Runs], task.ClassByAnnotation, task.WindowStartSeconds, task.WindowEndSeconds);
            var folderOfData = DataFolder.Resolve(parse.GetValue(data));
            var subjectNumber = parse.GetValue(subject) ?? TrainingRecordingCheck.SubjectOf(manifest, folder);
            var paths = new string[definition.Runs.Length];
            for (var i = 0; i < paths.Length; i++)
            {
                paths[i] = DatasetBuilder.RunPath(folderOfData, subjectNumber, definition.Runs[i]);
            }

            TrainingRecordingCheck.Require(manifest, folder, paths);
            var configuration = DeviceOptions.BuildConfiguration(parse.GetValue(config), new Dictionary<string, string?>());
            var device = ReplaySettings.From(AcquisitionSettings.Bind(configuration).Ads1299);
            var dataset = DatasetBuilder.Build(paths, definition, manifest.Channels, device, manifest.SignalChain);
            if (dataset.SamplesPerWindow != manifest.WindowSamples)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"The recordings give windows of {dataset.SamplesPerWindow} samples; the model takes {manifest.WindowSamples}. Check --config (the chip's rate)."));
            }

            var fp32Bytes = File.ReadAllBytes(loaded.Fp32ModelPath);
            var fp32 = ModelProto.Parser.ParseFrom(fp32Bytes);
            var quantized = OnnxStaticQuantizer.Quantize(fp32, DecoderEvaluation.CalibrationWindows(dataset), options);
            var int8Bytes = quantized.Model.ToByteArray();
            var agreement = Agreement(fp32Bytes, int8Bytes, manifest, dataset);
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"{dataset.Count} training windows: int8 agrees with fp32 on {agreement.Agreeing}/{agreement.Windows} ({agreement.Share:P1}), largest probability difference {agreement.MaxProbabilityDifference:F3}."));

            var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var file in manifest.Files)
            {
                files[file.Name] = File.ReadAllBytes(Path.Combine(loaded.Folder, file.Name));
            }

            files[ModelManifest.Int8ModelFile] = int8Bytes;
            var updated = manifest with
            {
                Quantization = new ModelQuantization(
                    options.Method == CalibrationMethod.Percentile ? "percentile" : "min-max",
                    options.Method == CalibrationMethod.Percentile ? options.Percentile : null,
                    Math.Min(dataset.Count, DecoderEvaluation.MaximumCalibrationWindows),
                    agreement.Share,
                    DecoderBundleBuilder.FloatNodeNames(quantized.Report)),
            };
            ModelBundle.Write(loaded.Folder, updated, files);
            output.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"Rewrote [bold]{Markup.Escape(loaded.Folder)}[/]: int8 {int8Bytes.Length:N0} bytes (fp32 {fp32Bytes.Length:N0}), {quantized.Report.QuantizedNodeCount} operators quantized, {quantized.Report.Activations.Count} activations calibrated."));
            ModelSigningOptions.ReportSigned(output, loaded.Folder, null);
            return EdgeBciCommand.Success;
        }));
        return command;
    }

    private static QuantizationAgreement Agreement(byte[] fp32Model, byte[] int8Model, ModelManifest manifest, EpochDataset dataset)
    {
        var channels = manifest.Channels.Count;
        using var fp32 = new OnnxClassifier(fp32Model, channels, manifest.WindowSamples, manifest.Tensors.Input, manifest.Tensors.Probabilities);
        using var int8 = new OnnxClassifier(int8Model, channels, manifest.WindowSamples, manifest.Tensors.Input, manifest.Tensors.Probabilities);
        var p32 = fp32.Probabilities(dataset.Windows, out var classes);
        var p8 = int8.Probabilities(dataset.Windows, out _);
        return QuantizationAgreement.Compare("training windows", p32, p8, classes, fp32Model.Length, int8Model.Length, out _);
    }
}
