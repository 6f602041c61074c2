using System.Globalization;
using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Configuration;
using EdgeBci.Training.Camp;
using EdgeBci.Training.Gate;
using EdgeBci.Training.Transfer;
using EdgeBci.Web.Seams;
using EdgeBci.Web.Store;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware;

/// <summary>
/// A calibration driven from the wearer's page, with the same library steps as <c>edgebci calibrate</c>: the cued session
/// (<see cref="CalibrationSession"/>, its cues on the page), then <see cref="CalibrationTraining"/> (align, fine-tune,
/// judge on the held-out last block with the acceptance gate), the report beside the wearer's model, and, when it
/// passed and <c>Camp:InstallPassedModel</c>, <see cref="WearerModelInstaller"/> into Decoding:ModelPath, where the
/// decoder's watcher stages it and swaps it in only while disarmed. The calibration is recorded in the camp's database
/// when its session starts and finished however it ends (a cancelled or failed one as not completed).
/// <para>
/// On the emulator the wearer is <c>Camp:ReplayedWearer</c>: each block plays one annotated recording on a private
/// emulated front-end while the firmware's own acquisition runs on. A real board's front-end belongs to the firmware's
/// acquisition, and the session cannot yet read the live stream: there calibration from the page is refused
/// (<see cref="Refusal"/>) and <c>edgebci calibrate</c> is the way.
/// </para>
/// </summary>
internal sealed partial class CalibrationJob(
    CampOptions options,
    IConfiguration unit,
    AcquisitionSettings settings,
    string contentRoot,
    string? installPath,
    CampDatabase database,
    TimeProvider time,
    ILogger<CalibrationJob> logger)
{
    /// <summary>Why calibration cannot run from the page on this unit, or null when it can.</summary>
    public string? Refusal { get; } = settings.Board != "emulator"
        ? $"calibration from the page needs the emulator with {CampOptions.Section}:ReplayedWearer: on this board ({settings.Board}) the firmware's acquisition owns the front-end and a session cannot read its live stream yet; stop the firmware and run `edgebci calibrate` on the unit"
        : options.ReplayedWearer.Length == 0
            ? $"calibration from the page on the emulator needs {CampOptions.Section}:ReplayedWearer: the annotated recordings (one per block, at least 2) that stand in for the wearer"
            : null;

    public Task<CampRunOutcome> RunAsync(CampJobContext context) =>
        Task.Factory.StartNew(() => Run(context), context.Cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private CampRunOutcome Run(CampJobContext context)
    {
        if (Refusal is { } refusal)
        {
            return new CampRunOutcome("failed", refusal);
        }

        // The protocol and the base model are checked before the wearer spends twenty minutes on cues.
        var protocol = CalibrationProtocol.Load(options.ProtocolPath(contentRoot));
        var baseModel = BaseModel.Load(options.BaseModelPath(contentRoot));
        var folder = WearerFolder.Open(WearerFolder.ResolveRoot(string.IsNullOrWhiteSpace(options.WearersFolder) ? null : options.WearersFolder), context.WearerId);
        var record = new CalibrationRecord(context.RunId, context.WearerId, time.GetUtcNow(), null, false, 0, null, null, null, null, null, null, null, null, false);
        var begun = false;
        var presenter = new WebCuePresenter(context.Publish, context.Cancellation, schedule =>
        {
            // The session's folder was just created: its recording is where the record points from the start.
            var session = folder.Sessions[^1];
            record = record with { Trials = schedule.TrialCount, RecordingPath = Path.Combine(folder.SessionsPath, session, WearerFolder.RecordingFileName) };
            database.Calibrations.Begin(record);
            begun = true;
        });

        try
        {
            var sessionSettings = new CalibrationSessionSettings(protocol, folder, presenter, Seed: 1, options.ReplayedPaths(contentRoot), settings.Emulator.RecordingHints(),
                () => context.Cancellation.IsCancellationRequested);
            var session = CalibrationSession.Run(sessionSettings, OpenEmulator);
            LogRecorded(context.RunId, session.RecordingPath);
            return TrainJudgeAndInstall(context, protocol, baseModel, session, record);
        }
        catch (Exception exception) when (begun)
        {
            var cancelled = exception is OperationCanceledException && context.Cancellation.IsCancellationRequested;
            database.Calibrations.Finish(record with
            {
                Finished = time.GetUtcNow(),
                Completed = false,
                VerdictText = cancelled ? "cancelled before the verdict" : $"failed: {exception.Message}",
            });
            throw;
        }
    }

    private CampRunOutcome TrainJudgeAndInstall(CampJobContext context, CalibrationProtocol protocol, BaseModel baseModel, SessionResult session, CalibrationRecord record)
    {
        context.SetState("training", "adapting the model to the wearer");
        Progress(context, "training", $"adapting {baseModel} to wearer '{session.Wearer.Id}'", 0.55);
        var created = time.GetUtcNow();
        var request = new CalibrationTrainingRequest(session, protocol, baseModel, unit, created.ToString("yyyy.MM.dd.HHmmss", CultureInfo.InvariantCulture),
            $"edgebci-firmware (the wearer's page, run {context.RunId})", created, new GateOptions(), $"edgebci-firmware {ToolVersion}");
        var outcome = CalibrationTraining.Run(request, new TrainingProgress(this, context));

        Progress(context, "gate", "judged on the held-out last block", 0.9);
        var passed = outcome.Gate.Passed;
        var text = CalibrationVerdictWords.Describe(outcome);
        var installed = false;
        if (passed && options.InstallPassedModel && installPath is not null)
        {
            Progress(context, "installing", "installing the wearer's model; the unit takes it up once disarmed", 0.95);
            WearerModelInstaller.Install(outcome.BundleFolder, outcome.Gate, installPath);
            installed = true;
            text += " Installed: the unit takes it up once disarmed.";
        }
        else if (passed)
        {
            text += installPath is null
                ? " Not installed: Decoding:ModelPath is empty, so there is nowhere the decoder would load it from."
                : $" Not installed ({CampOptions.Section}:InstallPassedModel is false).";
        }

        var itr = outcome.Replay.Score.ItrBitsPerMinute;
        var report = Path.Combine(outcome.BundleFolder, CalibrationReportFiles.PageFileName);
        database.Calibrations.Finish(record with
        {
            Finished = time.GetUtcNow(),
            Completed = true,
            Trials = Total(session.TrialsPerClass),
            Accuracy = Finite(outcome.Accuracy),
            Chance = Finite(outcome.Chance),
            ItrBitsPerMinute = Finite(itr),
            Verdict = passed ? "passed" : "refused",
            VerdictText = text,
            RecordingPath = session.RecordingPath,
            ReportPath = report,
            BundlePath = outcome.BundleFolder,
            Installed = installed,
        });
        context.Publish(new CampEvent("verdict", new VerdictEventData(context.RunId, passed, text, Finite(outcome.Accuracy), Finite(outcome.Chance), Finite(itr),
            $"/api/calibration/{context.RunId}/report", installed)));
        Progress(context, "gate", passed ? "passed" : "refused", 1);
        return new CampRunOutcome(passed ? "passed" : "refused", text, context.RunId);
    }

    /// <summary>A private emulated front-end playing <paramref name="source"/> at Camp:ReplayPacing, from the unit's own settings.</summary>
    private FrontEnd OpenEmulator(string? source)
    {
        var overrides = new Dictionary<string, string?>
        {
            [AcquisitionSettings.BoardKey] = "emulator",
            [$"{EmulatorOptions.Section}:Pacing"] = options.ReplayPacing,
        };
        if (source is not null)
        {
            overrides[$"{EmulatorOptions.Section}:Source"] = source;
        }

        var replay = AcquisitionSettings.Bind(new ConfigurationBuilder().AddConfiguration(unit).AddInMemoryCollection(overrides).Build());
        return FrontEnd.Open(replay.Board, replay.Ads1299, replay.Emulator, contentRoot);
    }

    private static void Progress(CampJobContext context, string stage, string text, double fraction) =>
        context.Publish(new CampEvent("progress", new ProgressEventData(stage, text, fraction)));

    private static int Total(IReadOnlyDictionary<string, int> trials)
    {
        var total = 0;
        foreach (var count in trials.Values)
        {
            total += count;
        }

        return total;
    }

    private static double? Finite(double value) => double.IsFinite(value) ? Math.Round(value, 4) : null;

    private static string ToolVersion => typeof(CalibrationJob).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    [LoggerMessage(Level = LogLevel.Information, Message = "camp: calibration run {RunId} recorded {Path}")]
    private partial void LogRecorded(string runId, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "camp: calibration run {RunId}: {Text}")]
    private partial void LogTraining(string runId, string text);

    /// <summary>Training's steps on the page (and in the log); the page's cancel ends training at the next step.</summary>
    private sealed class TrainingProgress(CalibrationJob job, CampJobContext context) : IProgress<string>
    {
        public void Report(string value)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            job.LogTraining(context.RunId, value);
            Progress(context, "training", value, 0.7);
        }
    }
}
