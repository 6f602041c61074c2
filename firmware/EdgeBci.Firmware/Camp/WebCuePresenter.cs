using EdgeBci.Training.Camp;
using EdgeBci.Web.Seams;

namespace EdgeBci.Firmware;

/// <summary>
/// Shows the session's cues on the wearer's page: each period becomes a "cue" event, and the trials a "progress" event
/// (recording is the first half of a calibration). It is called on the session's acquisition thread, so it only hands
/// events on; and it is where the page's cancel reaches the session: the next period throws
/// <see cref="OperationCanceledException"/>, which ends the session with what was recorded kept.
/// </summary>
internal sealed class WebCuePresenter(Action<CampEvent> publish, CancellationToken cancellation, Action<CueSchedule>? started = null) : ICuePresenter
{
    /// <summary>Share of the whole calibration the recording takes on the page's progress bar.</summary>
    public const double RecordingShare = 0.5;

    public void SessionStarted(CueSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        cancellation.ThrowIfCancellationRequested();
        started?.Invoke(schedule);
        publish(new CampEvent("cue", new CueEventData("started", null, null, 0, 0, schedule.TrialCount, 1, schedule.Blocks.Count)));
        Progress(0, schedule.TrialCount, $"{schedule.TrialCount} trials in {schedule.Blocks.Count} blocks");
    }

    public void Fixation(TrialPosition position, double seconds) => Period("fixation", null, position, seconds);

    public void Cue(TrialPosition position, CueClass cueClass, double seconds)
    {
        ArgumentNullException.ThrowIfNull(cueClass);
        Period("cue", cueClass, position, seconds);
        Progress(position.Trial, position.Trials, $"trial {position.Trial} of {position.Trials} · block {position.Block} of {position.Blocks}");
    }

    public void Rest(TrialPosition position, double seconds) => Period("rest", null, position, seconds);

    public void BlockBreak(int block, int blocks, double seconds)
    {
        cancellation.ThrowIfCancellationRequested();
        publish(new CampEvent("cue", new CueEventData("break", null, null, seconds, 0, 0, block, blocks)));
    }

    /// <summary>Called from the session's finally block: never throws, cancelled or not.</summary>
    public void SessionEnded(SessionSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        publish(new CampEvent("cue", new CueEventData("ended", null, null, summary.Seconds, summary.Trials, summary.Trials, summary.Blocks, summary.Blocks)));
    }

    private void Period(string phase, CueClass? cueClass, TrialPosition position, double seconds)
    {
        cancellation.ThrowIfCancellationRequested();
        publish(new CampEvent("cue", new CueEventData(phase, cueClass?.Name, cueClass?.Word, seconds, position.Trial, position.Trials, position.Block, position.Blocks)));
    }

    private void Progress(int trial, int trials, string text) =>
        publish(new CampEvent("progress", new ProgressEventData("recording", text, trials == 0 ? 0 : RecordingShare * trial / trials)));
}
