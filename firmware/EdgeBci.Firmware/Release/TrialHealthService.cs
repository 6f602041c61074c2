using System.Globalization;
using EdgeBci.Release.Slots;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Firmware;

/// <summary>What one second of a watched trial came to.</summary>
internal enum TrialProgress
{
    Watching,
    Committed,
    Unhealthy,
}

/// <summary>
/// Watches the trial of the release this firmware runs, when the guard's state says trial and names this firmware's
/// slot: each second it judges the measurements (<see cref="TrialHealthCheck"/>); held healthy for HealthHoldSeconds it
/// writes <c>good</c> and publishes the commit; not held by HealthDeadlineSeconds after start it writes <c>health</c>
/// with the reason and stops the firmware with exit code 7, so systemd starts it again and the guard counts the start.
/// The self-test runs at most every <see cref="SelfTestInterval"/>, off the loop's thread. Only reads the stages: the
/// supervisor and the actuator path never see it.
/// </summary>
internal sealed partial class TrialHealthService(
    FirmwareRelease release,
    ITrialMeasurements measurements,
    IReleaseEvents events,
    IFirmwareStop stop,
    TimeProvider time,
    ILogger<TrialHealthService> logger) : BackgroundService
{
    internal static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan SelfTestInterval = TimeSpan.FromSeconds(5);

    private SlotState? _trial;
    private TrialHealthCheck? _check;
    private long _startedAt;
    private long _lastSampleAt;
    private long _lastFrames;
    private long _lastDecisions;
    private long _selfTestStartedAt;
    private Task<TrialSelfTest>? _selfTest;
    private TrialSelfTest? _lastSelfTest;
    private string _lastProblem = "never measured";
    private CancellationToken _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Begin(stoppingToken))
        {
            return;
        }

        using var timer = new PeriodicTimer(SampleInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (Tick() != TrialProgress.Watching)
            {
                return;
            }
        }
    }

    /// <summary>Reads the state and starts watching when this firmware runs the trial; false (said at Debug) otherwise.</summary>
    internal bool Begin(CancellationToken stoppingToken)
    {
        var folder = release.Options.StateFolder;
        if (release.Slot is not { } slot)
        {
            LogNotInSlot(AppContext.BaseDirectory);
            return false;
        }

        SlotState? state;
        GoodMark? good;
        try
        {
            state = SlotState.ReadIfPresent(folder);
            good = GoodMark.ReadIfPresent(folder);
        }
        catch (Exception exception) when (exception is FormatException or IOException or UnauthorizedAccessException)
        {
            // The guard decides what a broken state means at the next start; the firmware runs on without judging.
            LogStateUnreadable(exception.Message);
            return false;
        }

        if (state is not { State: TrialState.Trial } || state.Slot != slot.Name || (good is not null && good.Commits(state)))
        {
            LogNoTrial(slot.Name, state is null ? "no state" : $"{state.State.ToString().ToLowerInvariant()} {state.Version} in slot {state.Slot}",
                good is not null && state is not null && good.Commits(state));
            return false;
        }

        _trial = state;
        _stopping = stoppingToken;
        _check = new TrialHealthCheck(TimeSpan.FromSeconds(release.Options.HealthHoldSeconds), time);
        _startedAt = _lastSampleAt = _selfTestStartedAt = time.GetTimestamp();
        _lastFrames = measurements.Frames;
        _lastDecisions = measurements.Decisions;
        _selfTest = measurements.RunSelfTestAsync(stoppingToken);
        LogWatching(state.Version, slot.Name, state.Starts, state.MaxStarts, release.Options.HealthHoldSeconds, release.Options.HealthDeadlineSeconds);
        return true;
    }

    /// <summary>Judges the second since the last tick; commits, fails the start, or watches on.</summary>
    internal TrialProgress Tick()
    {
        var trial = _trial ?? throw new InvalidOperationException("Tick before a trial was begun");
        var second = Measure();
        var verdict = _check!.Observe(second);
        if (verdict.Held)
        {
            return Commit(trial, verdict);
        }

        if (!verdict.Healthy)
        {
            _lastProblem = verdict.Reason;
        }

        var elapsed = time.GetElapsedTime(_startedAt);
        if (elapsed < TimeSpan.FromSeconds(release.Options.HealthDeadlineSeconds))
        {
            return TrialProgress.Watching;
        }

        var reason = verdict.Healthy
            ? string.Create(CultureInfo.InvariantCulture, $"not healthy for {release.Options.HealthHoldSeconds} s within {release.Options.HealthDeadlineSeconds} s of start ({verdict.Reason}; before that: {_lastProblem})")
            : verdict.Reason;
        WriteHealth(new HealthRecord(time.GetUtcNow(), false, reason));
        LogUnhealthy(trial.Version, trial.Slot, release.Options.HealthDeadlineSeconds, reason, trial.Starts, trial.MaxStarts);
        stop.Stop(ExitCodes.TrialUnhealthy);
        return TrialProgress.Unhealthy;
    }

    private TrialSecond Measure()
    {
        if (_selfTest is { IsCompleted: true } finished)
        {
            _lastSelfTest = finished.IsCompletedSuccessfully ? finished.Result : new TrialSelfTest(false, $"self-test did not finish: {finished.Exception?.GetBaseException().Message ?? "cancelled"}");
            _selfTest = null;
        }

        if (_selfTest is null && time.GetElapsedTime(_selfTestStartedAt) >= SelfTestInterval)
        {
            _selfTestStartedAt = time.GetTimestamp();
            _selfTest = measurements.RunSelfTestAsync(_stopping);
        }

        var now = time.GetTimestamp();
        var seconds = Math.Max(time.GetElapsedTime(_lastSampleAt, now).TotalSeconds, 1e-3);
        var frames = measurements.Frames;
        var decisions = measurements.Decisions;
        var second = new TrialSecond(_lastSelfTest?.Passed, _lastSelfTest?.Summary ?? string.Empty, (frames - _lastFrames) / seconds,
            measurements.ConfiguredFrameRate, measurements.ModelConfigured, decisions - _lastDecisions, measurements.BrokerConfigured, measurements.UplinkConnected);
        (_lastSampleAt, _lastFrames, _lastDecisions) = (now, frames, decisions);
        return second;
    }

    private TrialProgress Commit(SlotState trial, TrialVerdict verdict)
    {
        var at = time.GetUtcNow();
        try
        {
            new GoodMark(trial.Slot, trial.Version, at).Write(release.Options.StateFolder);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Without the mark the guard keeps counting starts; this start ends as an unhealthy one would, saying why.
            var reason = $"healthy, but the good mark cannot be written in {release.Options.StateFolder}: {exception.Message}";
            LogUnhealthy(trial.Version, trial.Slot, release.Options.HealthDeadlineSeconds, reason, trial.Starts, trial.MaxStarts);
            stop.Stop(ExitCodes.TrialUnhealthy);
            return TrialProgress.Unhealthy;
        }

        WriteHealth(new HealthRecord(at, true, verdict.Reason));
        var message = $"release committed: {trial.Version} in slot {trial.Slot}";
        LogCommitted(message, release.Options.HealthHoldSeconds);
        events.Publish(EventSeverities.Info, message, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["release"] = trial.Version,
            ["slot"] = trial.Slot,
            ["starts"] = trial.Starts.ToString(CultureInfo.InvariantCulture),
            ["holdSeconds"] = release.Options.HealthHoldSeconds.ToString(CultureInfo.InvariantCulture),
        });
        return TrialProgress.Committed;
    }

    private void WriteHealth(HealthRecord record)
    {
        try
        {
            record.Write(release.Options.StateFolder);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            LogHealthNotWritten(release.Options.StateFolder, exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "release: not running from a slot ({Folder}); no trial to watch")]
    private partial void LogNotInSlot(string folder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "release: no trial of slot {Slot} to watch ({State}; good mark commits it: {Good})")]
    private partial void LogNoTrial(string slot, string state, bool good);

    [LoggerMessage(Level = LogLevel.Error, Message = "release: the slot guard's files cannot be read: {Reason}; the trial is not watched (the guard decides at the next start)")]
    private partial void LogStateUnreadable(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "release: trial of {Version} in slot {Slot}, start {Starts} of {MaxStarts}: committed once healthy for {Hold} s, exit 7 if not within {Deadline} s")]
    private partial void LogWatching(string version, string slot, int starts, int maxStarts, int hold, int deadline);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Message} (healthy for {Hold} s)")]
    private partial void LogCommitted(string message, int hold);

    [LoggerMessage(Level = LogLevel.Error, Message = "release: trial of {Version} in slot {Slot} not healthy within {Deadline} s: {Reason}; stopping with exit code 7 (start {Starts} of {MaxStarts})")]
    private partial void LogUnhealthy(string version, string slot, int deadline, string reason, int starts, int maxStarts);

    [LoggerMessage(Level = LogLevel.Error, Message = "release: the health verdict cannot be written in {Folder}: {Reason}")]
    private partial void LogHealthNotWritten(string folder, string reason);
}
