using EdgeBci.Training.Evaluation;

namespace EdgeBci.Training.Reporting;

/// <summary>The size of one model artefact (an ONNX file, a checkpoint), as deployed.</summary>
/// <param name="Name">What the file is, e.g. "decoder fp32 (ONNX)".</param>
public sealed record ModelArtifactSize(string Name, long Bytes);

/// <summary>
/// Everything one run of <c>edgebci evaluate</c> produced, in one value: the data it used, every model × protocol
/// result, the decoder's learning curves and the artefact sizes. It is written as JSON
/// (<see cref="EvaluationReportJson"/>) and as an HTML page (<see cref="EvaluationReportPage"/>), and read back from
/// JSON, so a page can be rendered again without retraining.
/// <para>
/// The creation time and command are given, never read here, so the same evaluation always renders the same files.
/// Equality is the record default: lists compare by reference, not by content.
/// </para>
/// </summary>
public sealed record EvaluationReport
{
    /// <summary>The task's name, e.g. "hands-vs-feet".</summary>
    public required string Task { get; init; }

    public required int Subject { get; init; }

    /// <summary>The recording runs the task's windows came from, in the order the task lists them.</summary>
    public required IReadOnlyList<int> Runs { get; init; }

    /// <summary>Start of each window, seconds after its annotation's onset.</summary>
    public required double WindowStartSeconds { get; init; }

    /// <summary>End of each window, seconds after its annotation's onset.</summary>
    public required double WindowEndSeconds { get; init; }

    public required IReadOnlyList<string> Channels { get; init; }

    /// <summary>Samples per second of the windows the models saw (after the signal chain).</summary>
    public required int SampleRate { get; init; }

    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>Windows in the whole dataset (each protocol tests on all or some of them).</summary>
    public required int Trials { get; init; }

    /// <summary>The command line that produced the report, as the user would retype it.</summary>
    public required string Command { get; init; }

    /// <summary>The tool and its version, e.g. "edgebci 0.1.0".</summary>
    public required string ToolVersion { get; init; }

    public required DateTimeOffset Created { get; init; }

    /// <summary>One entry per model × protocol, in the order they ran.</summary>
    public required IReadOnlyList<ProtocolResult> Results { get; init; }

    /// <summary>One per decoder training run (each fold, then the chronological split); empty without a decoder.</summary>
    public IReadOnlyList<LearningCurve> LearningCurves { get; init; } = [];

    /// <summary>Model artefact sizes, when the artefacts were exported; empty otherwise.</summary>
    public IReadOnlyList<ModelArtifactSize> ModelSizes { get; init; } = [];

    /// <summary>Per fold, how often the int8 model picked the same class as its fp32 model; empty without int8.</summary>
    public IReadOnlyList<QuantizationAgreement> QuantizationAgreements { get; init; } = [];

    /// <summary>Live replays of held-out runs through the unit's chain, decoder and supervisor (edgebci replay-score); empty when none was run.</summary>
    public IReadOnlyList<LiveReplaySummary> LiveReplays { get; init; } = [];

    /// <summary>The acceptance gate's verdict on the model, when it was gated (a calibration); null otherwise.</summary>
    public Gate.GateReport? Gate { get; init; }

    /// <summary>
    /// The results arranged as a table, protocols down and models across, each in the order it first appears in
    /// <see cref="Results"/>; a model not run under a protocol leaves that cell empty.
    /// </summary>
    public ComparisonTable Comparison()
    {
        var models = new List<string>();
        var protocols = new List<string>();
        foreach (var result in Results)
        {
            if (!models.Contains(result.Model))
            {
                models.Add(result.Model);
            }

            if (!protocols.Contains(result.Protocol))
            {
                protocols.Add(result.Protocol);
            }
        }

        var rows = new List<ComparisonRow>(protocols.Count);
        foreach (var protocol in protocols)
        {
            var cells = new ProtocolResult?[models.Count];
            foreach (var result in Results)
            {
                // A model evaluated twice under one protocol would be a caller's mistake; the first result stands,
                // as it does everywhere else in the report's order.
                var column = models.IndexOf(result.Model);
                if (result.Protocol == protocol && cells[column] is null)
                {
                    cells[column] = result;
                }
            }

            rows.Add(new ComparisonRow(protocol, cells));
        }

        return new ComparisonTable(models, rows);
    }
}

/// <summary>Every model's result under each protocol, side by side.</summary>
/// <param name="Models">Column order.</param>
public sealed record ComparisonTable(IReadOnlyList<string> Models, IReadOnlyList<ComparisonRow> Rows);

/// <summary>One protocol's results, one cell per model of the table (null where the model was not run).</summary>
public sealed record ComparisonRow(string Protocol, IReadOnlyList<ProtocolResult?> Cells);
