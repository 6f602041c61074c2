using System.CommandLine;
using System.Globalization;
using EdgeBci.Decoding.Bundle;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci verify-model &lt;bundle&gt; [--trust F] [--require-signature]</c>: the same verification the unit runs
/// before it trusts a model: the signature first (signed by a trusted key, unsigned, signed by a foreign key, or a
/// manifest changed after signing), then every file's size and SHA-256 against the manifest and the manifest's own
/// values; then the manifest as a table. Exits 2 with the one line naming what failed; an unsigned bundle passes with
/// a warning (as on the emulator) unless <c>--require-signature</c> asks what a real board asks.
/// </summary>
internal static class VerifyModelCommand
{
    public static Command Create(IAnsiConsole output)
    {
        var bundle = new Argument<DirectoryInfo>("bundle") { Description = "The model bundle folder (manifest.json, model.onnx, ...)." };
        var trust = new Option<string?>("--trust")
        {
            Description = $"The trusted keys: a folder of *.pub.pem (a unit's trust folder) or one .pub.pem file (default {Signing.TrustStore.DefaultFolder}).",
        };
        var requireSignature = new Option<bool>("--require-signature") { Description = "Refuse an unsigned bundle, as a real board does (default: warn, as the emulator does)." };
        var command = new Command("verify-model",
            "Verifies a model bundle as the unit does (signature by a trusted key first, then the SHA-256 of every file and the manifest values) and prints its manifest.");
        command.Arguments.Add(bundle);
        command.Options.Add(trust);
        command.Options.Add(requireSignature);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var trustStore = ModelSigningOptions.LoadTrust(parse.GetValue(trust), "--trust");
            var policy = parse.GetValue(requireSignature) ? ModelTrustPolicy.Required(trustStore) : ModelTrustPolicy.WarnIfUnsigned(trustStore);
            var loaded = ModelBundle.Load(parse.GetValue(bundle)!.FullName, policy);
            output.MarkupLine(loaded.Warning is { } warning
                ? $"[yellow]signature[/]: {Markup.Escape(warning)}"
                : $"[green]signature[/]: {Markup.Escape(loaded.Signature!.Describe(ModelSignature.Subject(loaded.Folder), ModelManifest.FileName, trustStore))}");
            var manifest = loaded.Manifest;
            var table = new Table().AddColumn("Field").AddColumn("Value");
            void Row(string field, string value) => table.AddRow(Markup.Escape(field), Markup.Escape(value));
            Row("model", $"{manifest.ModelId} {manifest.ModelVersion}");
            Row("created", string.Create(CultureInfo.InvariantCulture, $"{manifest.CreatedUtc:yyyy-MM-dd HH:mm} UTC by {manifest.CreatedBy ?? "unknown"}"));
            Row("channels", string.Join(", ", manifest.Channels));
            Row("rate / window / hop", string.Create(CultureInfo.InvariantCulture,
                $"{manifest.SampleRate} Hz / {manifest.WindowSamples} samples ({manifest.WindowSeconds:0.###} s) / {manifest.HopSeconds:0.###} s"));
            Row("classes", string.Join(", ", manifest.Classes));
            if (manifest.Task is { } task)
            {
                Row("task", string.Create(CultureInfo.InvariantCulture,
                    $"{task.Name}: runs {string.Join(", ", task.Runs)}, {string.Join(", ", task.ClassByAnnotation.Select(p => $"{p.Key} → {p.Value}"))}, window {task.WindowStartSeconds:0.###}-{task.WindowEndSeconds:0.###} s"));
            }

            var chain = manifest.SignalChain;
            Row("signal chain", string.Create(CultureInfo.InvariantCulture,
                $"DC blocker {chain.DcBlockerHz:0.###} Hz, notch {chain.NotchHz:0.###} Hz Q {chain.NotchQ:0.###}, {string.Join(", ", chain.EffectiveFilters.Select(f => f.ToString()))}, reference {chain.Reference}"));
            Row("normalisation", string.Create(CultureInfo.InvariantCulture,
                $"{manifest.Normalization.Kind}, {manifest.Normalization.ScaleMicrovolts:0.###} µV{(manifest.Normalization.InGraph ? ", in the graph" : string.Empty)}"));
            if (manifest.Quantization is { } quantization)
            {
                Row("quantization", string.Create(CultureInfo.InvariantCulture,
                    $"int8, {quantization.Method}{(quantization.Percentile is { } p ? $" {p:0.###}" : string.Empty)}, {quantization.CalibrationWindows} calibration windows, agrees with fp32 on {quantization.Agreement:P1}"));
            }

            foreach (var metric in manifest.Metrics)
            {
                Row($"{metric.Model}, {metric.Protocol}", string.Create(CultureInfo.InvariantCulture,
                    $"accuracy {metric.Accuracy:P1}, balanced {metric.BalancedAccuracy:P1}, kappa {metric.Kappa:0.00} (n = {metric.Trials})"));
            }

            foreach (var recording in manifest.TrainingRecordings)
            {
                Row($"trained on {recording.Name}", $"sha256 {recording.Sha256}");
            }

            foreach (var file in manifest.Files)
            {
                Row(file.Name, string.Create(CultureInfo.InvariantCulture, $"{file.Bytes:N0} bytes, sha256 {file.Sha256} ✓"));
            }

            output.Write(table);
            output.MarkupLine($"[green]verified[/]: {Markup.Escape(loaded.Folder)}");
            return EdgeBciCommand.Success;
        }));
        return command;
    }
}
