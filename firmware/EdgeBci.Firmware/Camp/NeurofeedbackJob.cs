using EdgeBci.Web.Store;
using System.Globalization;
using EdgeBci.Training.Neurofeedback;
using EdgeBci.Web.Seams;

namespace EdgeBci.Firmware;

/// <summary>
/// One neurofeedback session (OpenBCI's Focus widget, BCI2000's feedback paradigm): a baseline sets the wearer's own
/// focus range, then the session rewards time with the focus index in the target zone, which starts at the wearer's
/// adaptive threshold in that range. Samples the focus index every 0.25 s (its hop) on <see cref="TimeProvider"/>,
/// publishes each sample as a "focus" event, saves the session when it ends and moves the threshold for the next one
/// (<see cref="AdaptiveThreshold"/>).
/// <para>
/// What is saved: a session that got past the baseline, whether it ran to its end (Completed) or was cancelled or lost
/// its signal (not completed, threshold unchanged). A baseline that was cancelled or refused saves nothing: without a
/// range there is no zone and no score.
/// </para>
/// </summary>
/// <param name="readFocus">The focus index (0..1), null (or NaN) while it is not ready. Quick, any thread.</param>
/// <param name="history">The wearer's focus sessions.</param>
/// <param name="time">The clock the session runs on.</param>
internal sealed partial class NeurofeedbackJob(
    Func<double?> readFocus, IFocusSessionHistory history, TimeProvider time, ILogger<NeurofeedbackJob> logger,
    BaselineRules? baselineRules = null, AdaptiveThreshold? thresholdRule = null)
{
    /// <summary>The focus index's hop: one sample per update.</summary>
    public static readonly TimeSpan SamplePeriod = TimeSpan.FromSeconds(0.25);

    /// <summary>The longest baseline or session accepted (a day: longer is a typo, not a session).</summary>
    public const double MaximumSeconds = 86_400;

    private readonly BaselineRules _baselineRules = baselineRules ?? new BaselineRules();
    private readonly AdaptiveThreshold _thresholdRule = Validated(thresholdRule ?? new AdaptiveThreshold());

    /// <summary>Runs the session to its end, or until <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="runId">The run's id, also the saved session's id.</param>
    /// <param name="publish">Receives the "focus" events and the "ended" event; quick, never throws.</param>
    /// <exception cref="ArgumentException">The wearer id is empty, or a duration is not a positive number of seconds up to a day (named).</exception>
    public Task<CampRunOutcome> RunAsync(string runId, string wearerId, NeurofeedbackRequest request, Action<CampEvent> publish, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        ArgumentException.ThrowIfNullOrWhiteSpace(wearerId);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(publish);
        CheckDuration(request.BaselineSeconds, "baselineSeconds");
        CheckDuration(request.SessionSeconds, "sessionSeconds");
        // The recorder checks its rules before the first tick, so a bad rule is an error at the start, not a failed run.
        var baseline = new BaselineRecorder(0, request.BaselineSeconds, _baselineRules, 1 / SamplePeriod.TotalSeconds);
        return RunSessionAsync(runId, wearerId, request, baseline, publish, cancellationToken);
    }

    private async Task<CampRunOutcome> RunSessionAsync(
        string runId, string wearerId, NeurofeedbackRequest request, BaselineRecorder baseline, Action<CampEvent> publish, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        double threshold;
        try
        {
            threshold = PreviousThreshold(wearerId);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogHistoryFailed(exception, runId, wearerId);
            return Ended(publish, new CampRunOutcome("failed", $"could not read the wearer's last session: {exception.Message}"), null);
        }

        LogStarted(runId, wearerId, threshold, request.BaselineSeconds, request.SessionSeconds);
        using var timer = new PeriodicTimer(SamplePeriod, time);
        var origin = time.GetTimestamp();
        try
        {
            while (baseline.Seconds < request.BaselineSeconds)
            {
                await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
                var now = time.GetElapsedTime(origin).TotalSeconds;
                var score = Read();
                baseline.Add(now, score);
                publish(new CampEvent("focus", new FocusEventData("baseline", Round(score), score is not null, null, null, false,
                    Round(baseline.Seconds), request.BaselineSeconds, 0)));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Ended(publish, new CampRunOutcome("cancelled", "cancelled during the baseline: nothing saved"), null);
        }

        var result = baseline.Finish();
        if (result.Range is not { } range)
        {
            LogBaselineRefused(runId, result.Refusal!);
            return Ended(publish, new CampRunOutcome("failed", result.Refusal!), null);
        }

        var session = new TimeInZoneScore(TargetZone.From(range, threshold), baseline.Seconds);
        var completed = false;
        try
        {
            while (session.Seconds < request.SessionSeconds)
            {
                await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
                var now = time.GetElapsedTime(origin).TotalSeconds;
                var score = Read();
                var inZone = session.Add(now, score);
                publish(new CampEvent("focus", new FocusEventData("session", Round(score), score is not null, Round(session.Zone.Low), Round(session.Zone.High),
                    inZone, Round(session.Seconds), request.SessionSeconds, Round(session.SecondsInZone), Round(range.Low), Round(range.High))));
            }

            completed = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Past the baseline: saved as not completed, and the threshold stays where it was.
        }

        return Ended(publish, Save(runId, wearerId, started, range, threshold, session, completed), session.Score);
    }

    /// <summary>Saves the session and says how it went; a session without any usable signal is a failed one.</summary>
    private CampRunOutcome Save(string runId, string wearerId, DateTimeOffset started, BaselineRange range, double threshold, TimeInZoneScore session, bool completed)
    {
        var score = session.Score;
        var counts = _thresholdRule.Counts(completed, session.UsableSeconds, session.Seconds);
        var next = counts ? _thresholdRule.Next(threshold, score!.Value) : threshold;
        var record = new FocusSessionRecord(runId, wearerId, started, time.GetUtcNow(), completed && score is not null,
            range.Low, range.High, session.Zone.Low, session.Zone.High, session.UsableSeconds, session.SecondsInZone, score ?? 0, range.ScoreAt(next));
        try
        {
            history.Save(record);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogSaveFailed(exception, runId, wearerId);
            return new CampRunOutcome("failed", $"the session ran but could not be saved: {exception.Message}");
        }

        LogSaved(runId, wearerId, score ?? double.NaN, session.UsableSeconds, session.NotReadySeconds, session.NotReadyPeriods, completed, threshold, next);
        var gaps = session.NotReadyPeriods == 0 ? string.Empty : Invariant($"; {session.NotReadySeconds:0} s without a usable signal left out");
        if (score is not { } timeInZone)
        {
            return new CampRunOutcome("failed", Invariant($"no usable focus signal during the session ({session.Seconds:0} s): check the electrodes; the threshold stays at {threshold:0.00}"), runId);
        }

        var achieved = Invariant($"{timeInZone:P0} of the time in the target zone ({session.SecondsInZone:0} s of {session.UsableSeconds:0} s){gaps}");
        if (!completed)
        {
            return new CampRunOutcome("cancelled", $"cancelled after {Invariant($"{session.Seconds:0}")} s: {achieved}; the threshold stays at {Invariant($"{threshold:0.00}")}", runId);
        }

        var move = !counts ? "stays (too little usable signal to judge)" : next > threshold ? "goes up" : next < threshold ? "goes down" : "stays";
        return new CampRunOutcome("completed", $"{achieved}; the next session's threshold {move}: {Invariant($"{next:0.00}")} of the wearer's range", runId);
    }

    /// <summary>
    /// The threshold the wearer's last saved session left for this one, read back as a position in that session's range;
    /// the first session's, or one after an unreadable record, is <see cref="AdaptiveThreshold.Initial"/>.
    /// </summary>
    private double PreviousThreshold(string wearerId)
    {
        var last = history.LatestForWearer(wearerId);
        if (last is null)
        {
            return _thresholdRule.Initial;
        }

        if (!(last.BaselineLow >= 0 && last.BaselineLow < last.BaselineHigh && last.BaselineHigh <= 1 && double.IsFinite(last.NextTargetLow)))
        {
            LogUnreadablePrevious(last.Id, wearerId, last.BaselineLow, last.BaselineHigh, last.NextTargetLow, _thresholdRule.Initial);
            return _thresholdRule.Initial;
        }

        return _thresholdRule.Clamp(new BaselineRange(last.BaselineLow, last.BaselineHigh).PositionOf(last.NextTargetLow));
    }

    private double? Read()
    {
        var score = readFocus();
        return score is { } value && double.IsFinite(value) ? value : null;
    }

    private static CampRunOutcome Ended(Action<CampEvent> publish, CampRunOutcome outcome, double? score)
    {
        publish(new CampEvent("ended", new FocusEndedData("neurofeedback", outcome.State, outcome.Detail, outcome.RecordId, outcome.RecordId is null ? null : Round(score))));
        return outcome;
    }

    private static void CheckDuration(double seconds, string name)
    {
        if (!(seconds > 0 && seconds <= MaximumSeconds))
        {
            throw new ArgumentException(Invariant($"{name} is {seconds}: a baseline or session lasts more than 0 and at most {MaximumSeconds} seconds."), name);
        }
    }

    private static AdaptiveThreshold Validated(AdaptiveThreshold rule)
    {
        var problems = rule.Validate();
        return problems.Count == 0 ? rule : throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(rule));
    }

    // Four decimals are finer than the bar can show and keep the page's stream small.
    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;

    private static double Round(double value) => Math.Round(value, 4);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "neurofeedback {RunId}: wearer {Wearer}, threshold {Threshold:0.00} of the range, baseline {Baseline} s, session {Session} s")]
    private partial void LogStarted(string runId, string wearer, double threshold, double baseline, double session);

    [LoggerMessage(Level = LogLevel.Warning, Message = "neurofeedback {RunId}: baseline refused: {Reason}")]
    private partial void LogBaselineRefused(string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "neurofeedback {RunId}: wearer {Wearer} saved: time in zone {Score:0.00} over {Usable:0.0} s usable ({NotReady:0.0} s in {Gaps} gaps not ready), completed {Completed}, threshold {Threshold:0.00} -> {Next:0.00}")]
    private partial void LogSaved(string runId, string wearer, double score, double usable, double notReady, int gaps, bool completed, double threshold, double next);

    [LoggerMessage(Level = LogLevel.Error, Message = "neurofeedback {RunId}: wearer {Wearer}: the session could not be saved")]
    private partial void LogSaveFailed(Exception exception, string runId, string wearer);

    [LoggerMessage(Level = LogLevel.Error, Message = "neurofeedback {RunId}: wearer {Wearer}: the last session could not be read")]
    private partial void LogHistoryFailed(Exception exception, string runId, string wearer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "neurofeedback: the last session {Id} of wearer {Wearer} holds no readable threshold (baseline {Low} to {High}, next target {Next}); starting from {Initial:0.00}")]
    private partial void LogUnreadablePrevious(string id, string wearer, double low, double high, double next, double initial);
}
