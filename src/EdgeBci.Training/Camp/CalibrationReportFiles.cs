using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Gate;
using EdgeBci.Training.LiveReplay;
using EdgeBci.Training.Reporting;

namespace EdgeBci.Training.Camp;

/// <summary>
/// The calibration's evaluation report beside the wearer's model (report.json and report.html): the held-out block's
/// per-trial accuracy of the int8 and fp32 models and of CSP+LDA, the live replay of the block beside them, and the
/// gate's verdict, through the one report writer.
/// </summary>
public static class CalibrationReportFiles
{
    public const string JsonFileName = "report.json";
    public const string PageFileName = "report.html";

    /// <summary>The protocol name the held-out results carry in the report.</summary>
    public const string HeldOutProtocol = "held-out last block";

    public static (string Json, string Html) Write(string folder, ModelManifest manifest, TaskDefinition task, EpochDataset heldOut, GateInputs inputs,
        ReplayScoreReport replay, GateReport gate, string command, string toolVersion, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(heldOut);
        ArgumentNullException.ThrowIfNull(inputs);
        var description = $"trained on every block but the last, tested on the last ({heldOut.Count} trials)";
        ProtocolResult Result(string model, IReadOnlyList<int> predictions) =>
            new(model, HeldOutProtocol, description, ClassificationMetrics.Compute(inputs.Labels, predictions, heldOut.ClassNames));

        var report = new EvaluationReport
        {
            Task = task.Name,
            Subject = 0,
            Runs = [],
            WindowStartSeconds = task.WindowStartSeconds,
            WindowEndSeconds = task.WindowEndSeconds,
            Channels = manifest.Channels,
            SampleRate = (int)manifest.SampleRate,
            Classes = heldOut.ClassNames,
            Trials = heldOut.Count,
            Command = command,
            ToolVersion = toolVersion,
            Created = created,
            Results = [Result("CSP+LDA", inputs.BaselinePredictions), Result("decoder fp32", inputs.Fp32Predictions), Result("decoder int8", inputs.Int8Predictions)],
            LiveReplays = [LiveReplaySummary.From(replay)],
            Gate = gate,
        };
        var json = Path.Combine(folder, JsonFileName);
        var html = Path.Combine(folder, PageFileName);
        EvaluationReportJson.Write(report, json);
        EvaluationReportPage.Write(report, html);
        return (json, html);
    }
}
