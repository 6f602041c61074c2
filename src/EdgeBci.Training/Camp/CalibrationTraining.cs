using System.Diagnostics;
using System.Globalization;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Gate;
using EdgeBci.Training.LiveReplay;
using EdgeBci.Training.Model;
using EdgeBci.Training.Transfer;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Training.Camp;

/// <summary>What the steps after a calibration session start from.</summary>
/// <param name="Session">The recorded session (its last block is held out for the gate).</param>
/// <param name="Protocol">The session's protocol: which annotation code is which class, which code is rest.</param>
/// <param name="Base">The base model to adapt.</param>
/// <param name="Unit">The unit's configuration (Ads1299, Signal, Decoding, Control), as the firmware binds it.</param>
/// <param name="ModelVersion">Version of the wearer's model.</param>
/// <param name="CreatedBy">Tool and command line, for the manifest.</param>
/// <param name="Created">Creation time.</param>
/// <param name="Gate">The gate's thresholds.</param>
/// <param name="ToolVersion">The tool and its version, for the report.</param>
/// <param name="Seed">Seed of fine-tuning.</param>
public sealed record CalibrationTrainingRequest(
    SessionResult Session,
    CalibrationProtocol Protocol,
    BaseModel Base,
    IConfiguration Unit,
    string ModelVersion,
    string CreatedBy,
    DateTimeOffset Created,
    GateOptions Gate,
    string ToolVersion,
    int Seed = 1);

/// <summary>What calibration produced: the wearer's bundle (kept whatever the verdict), the gate's report and the figures behind it.</summary>
/// <param name="BundleFolder">The wearer's bundle, with gate.json, gate.txt, report.json and report.html beside its files.</param>
/// <param name="CalibrationTrials">Trials the model was tuned on (every block but the last).</param>
/// <param name="HeldOutTrials">Trials of the last block, never seen in training.</param>
/// <param name="TrainingTime">Alignment, fine-tuning, export and quantization, wall clock.</param>
/// <param name="Accuracy">The int8 model's per-trial accuracy on the held-out block (what the unit runs).</param>
/// <param name="Chance">Chance level of that block (its class balance), the accuracy to beat.</param>
public sealed record CalibrationOutcome(
    string BundleFolder,
    ModelManifest Manifest,
    GateReport Gate,
    ReplayScoreReport Replay,
    TrainingSummary FineTuning,
    int CalibrationTrials,
    int HeldOutTrials,
    TimeSpan TrainingTime,
    double Accuracy,
    double Chance);

/// <summary>
/// The steps after a calibration session, on the unit: cut the session like the base model's task, hold out its last
/// block, compute the wearer's alignment and fine-tune the base on the other blocks, export and quantize the wearer's
/// bundle into their folder, then judge it on the held-out block (per-trial accuracy against chance and CSP+LDA,
/// int8 against fp32, and a live replay of the block through the unit's chain, decoder and supervisor) with the
/// acceptance gate. Installing a passed model is the caller's decision; a refused one stays in the wearer's folder.
/// </summary>
public static class CalibrationTraining
{
    /// <summary>Signal kept each side of every window for shifted training crops and the gate's sliding windows.</summary>
    public const double CropMarginSeconds = 0.5;

    /// <exception cref="ArgumentException">
    /// The session has one block (nothing to hold out), lacks trials of a class in the calibration or held-out blocks,
    /// or its classes or channels do not match the base model's (named).
    /// </exception>
    public static CalibrationOutcome Run(CalibrationTrainingRequest request, IProgress<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var session = request.Session;
        if (session.Blocks.Count < 2)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The session has {session.Blocks.Count} block; the gate tests on the last block, which must never be seen in training, so a session needs at least 2 (the protocol's \"blocks\", or one --source per block on the emulator)."));
        }

        var baseManifest = request.Base.Bundle.Manifest;
        var task = SessionTask(request.Protocol, baseManifest);
        var settings = AcquisitionSettings.Bind(request.Unit);
        var signal = AcquisitionSettings.BindSection<SignalOptions>(request.Unit, SignalOptions.Section);
        var all = DatasetBuilder.Build([session.RecordingPath], task, baseManifest.Channels, ReplaySettings.From(settings.Ads1299), signal, CropMarginSeconds);
        var heldOutPath = HeldOutBlock.Write(session);
        var (calibration, heldOut) = Split(all, HeldOutBlock.StartSeconds(session));
        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"calibration: {Describe(calibration)} from blocks 1-{session.Blocks.Count - 1}; held out: {Describe(heldOut)} from block {session.Blocks.Count}"));

        var clock = Stopwatch.StartNew();
        var adapted = WearerAdaptation.FineTune(request.Base, calibration, WearerAdaptation.FineTuningOptions(request.Seed));
        log?.Report(string.Create(CultureInfo.InvariantCulture,
            $"aligned ({adapted.Alignment.WindowCount} windows) and fine-tuned: {adapted.Summary.EpochsRun} epochs, {adapted.Summary.Elapsed.TotalSeconds:0.0} s"));
        var folder = Path.Combine(session.Wearer.BundlesPath, request.ModelVersion);
        if (Directory.Exists(folder))
        {
            throw new ArgumentException($"{folder} already holds a model of version {request.ModelVersion}; a wearer's models are never overwritten.");
        }

        var bundleRequest = new BundleRequest(
            calibration, task, signal, [session.RecordingPath], BaseModel.ShapeOf(baseManifest), WearerAdaptation.FineTuningOptions(request.Seed),
            DecoderBundleBuilder.DefaultQuantization, $"{session.Wearer.Id}-{task.Name}", request.ModelVersion, request.CreatedBy, request.Created, [],
            Alignment: adapted.Alignment, StartFrom: adapted.Decoder, SkipTraining: true);
        var built = DecoderBundleBuilder.Build(folder, bundleRequest, log: log);
        clock.Stop();

        var bundle = ModelBundle.Load(folder, ModelTrustPolicy.None);
        var replayConfiguration = ReplayConfiguration.Bind(request.Unit, bundle.Manifest);
        // The block replayed on its own, armed at its start as a wearer would be: replaying the whole session would carry
        // a stop latched in a training block (an electrode at a block's end) into the block being judged.
        var replay = ReplayScoring.Run(folder, heldOutPath, replayConfiguration, ModelPrecision.Int8);
        var inputs = GateEvidence.Collect(calibration, heldOut, bundle.Manifest, File.ReadAllBytes(bundle.Fp32ModelPath), File.ReadAllBytes(bundle.Int8ModelPath),
            replay.Score);
        var report = AcceptanceGate.Evaluate(inputs, request.Gate);
        GateReportWriter.Write(report, folder);
        CalibrationReportFiles.Write(folder, bundle.Manifest, task, heldOut, inputs, replay, report, request.CreatedBy, request.ToolVersion, request.Created);
        var (chance, _) = BinomialTest.ChanceLevel(inputs.Labels, inputs.ClassCount);
        return new CalibrationOutcome(folder, built.Manifest, report, replay, adapted.Summary, calibration.Count, heldOut.Count, clock.Elapsed,
            Accuracy(inputs.Int8Predictions, inputs.Labels), chance);
    }

    /// <summary>
    /// The base model's task as the session annotated it: the protocol's codes for its cued classes, its rest code for
    /// "rest" when the base model has a rest class, and the base's window, so the wearer's windows are the base's.
    /// </summary>
    public static TaskDefinition SessionTask(CalibrationProtocol protocol, ModelManifest baseManifest)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(baseManifest);
        var baseTask = baseManifest.Task ?? throw new ArgumentException(
            $"The base model {baseManifest.ModelId} does not record its task, so a session cannot be cut like its training data; use a base bundle from edgebci train-base.");
        var classes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var cue in protocol.Classes)
        {
            classes[cue.Code] = cue.Name;
        }

        if (Contains(baseManifest.Classes, RestClass) && !classes.ContainsValue(RestClass))
        {
            classes[protocol.RestCode] = RestClass;
        }

        var task = new TaskDefinition($"{protocol.Name}", [1], classes, baseTask.WindowStartSeconds, baseTask.WindowEndSeconds);
        if (!task.ClassNames.SequenceEqual(baseManifest.Classes, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"The protocol '{protocol.Name}' gives classes [{string.Join(", ", task.ClassNames)}]; the base model {baseManifest.ModelId} decodes [{string.Join(", ", baseManifest.Classes)}]: calibrate with a protocol for the base model's classes.");
        }

        return task;
    }

    /// <summary>The class a session's uncued rest periods become.</summary>
    public const string RestClass = "rest";

    private static double Accuracy(IReadOnlyList<int> predictions, IReadOnlyList<int> labels)
    {
        var right = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            right += predictions[i] == labels[i] ? 1 : 0;
        }

        return labels.Count == 0 ? double.NaN : (double)right / labels.Count;
    }

    private static (EpochDataset Calibration, EpochDataset HeldOut) Split(EpochDataset all, double heldOutStartSeconds)
    {
        var before = new List<int>(all.Count);
        var inside = new List<int>(all.Count);
        for (var i = 0; i < all.Count; i++)
        {
            (all.OnsetSeconds[i] >= heldOutStartSeconds ? inside : before).Add(i);
        }

        var calibration = all.Subset(before);
        var held = all.Subset(inside);
        RequireEveryClass(calibration, "the calibration blocks");
        RequireEveryClass(held, "the held-out last block");
        return (calibration, held);
    }

    private static void RequireEveryClass(EpochDataset dataset, string where)
    {
        var counts = dataset.CountPerClass();
        for (var k = 0; k < counts.Length; k++)
        {
            if (counts[k] == 0)
            {
                throw new ArgumentException($"{where} hold no '{dataset.ClassNames[k]}' trial ({Describe(dataset)}); record a longer session.");
            }
        }
    }

    private static string Describe(EpochDataset dataset)
    {
        var counts = dataset.CountPerClass();
        var parts = new string[counts.Length];
        for (var k = 0; k < counts.Length; k++)
        {
            parts[k] = string.Create(CultureInfo.InvariantCulture, $"{counts[k]} {dataset.ClassNames[k]}");
        }

        return string.Join(", ", parts);
    }

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        foreach (var candidate in names)
        {
            if (string.Equals(candidate, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
