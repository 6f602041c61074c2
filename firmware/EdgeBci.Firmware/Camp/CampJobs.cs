using EdgeBci.Training.Camp;
using EdgeBci.Web.Seams;

namespace EdgeBci.Firmware;

/// <summary>What a camp run's job gets: its identity, how to tell the page, how to change its state, when to stop.</summary>
internal sealed class CampJobContext(string runId, string wearerId, Action<CampEvent> publish, Action<string, string?> setState, CancellationToken cancellation)
{
    public string RunId { get; } = runId;

    public string WearerId { get; } = wearerId;

    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Sends an event to the page's stream (quick; never throws).</summary>
    public void Publish(CampEvent campEvent) => publish(campEvent);

    /// <summary>Moves the run to a running state ("baseline", "running", "training") with what it does, in words.</summary>
    public void SetState(string state, string? detail) => setState(state, detail);
}

/// <summary>
/// The camp's runs on the unit, one at a time, each on a background task: a second start while one runs is refused
/// (<see cref="CampBusyException"/>); <see cref="CancelCurrent"/> ends it early. A job that throws ends its run "failed"
/// with the message and never reaches the host: the firmware, the stages and the chair go on as before. Every run ends
/// with an "ended" event (the job's own, or one said here).
/// </summary>
internal sealed partial class CampJobs : ICampJobs, IDisposable
{
    public const string Calibration = "calibration";
    public const string Neurofeedback = "neurofeedback";

    private readonly Func<CampJobContext, Task<CampRunOutcome>> _calibration;
    private readonly Func<CampJobContext, NeurofeedbackRequest, Task<CampRunOutcome>> _neurofeedback;
    private readonly TimeProvider _time;
    private readonly ILogger<CampJobs> _logger;
    private readonly Lock _gate = new();
    private CampRun? _current;
    private CancellationTokenSource? _cancel;
    private Task? _running;

    /// <param name="calibration">The calibration job (<see cref="CalibrationJob.RunAsync"/>).</param>
    /// <param name="neurofeedback">The neurofeedback job: <c>(context, request) => job.RunAsync(context.RunId, context.WearerId, request, context.Publish, context.Cancellation)</c>.</param>
    /// <param name="calibrationRefusal">Why calibration cannot run on this unit (<see cref="CalibrationJob.Refusal"/>), or null when it can.</param>
    public CampJobs(Func<CampJobContext, Task<CampRunOutcome>> calibration, Func<CampJobContext, NeurofeedbackRequest, Task<CampRunOutcome>> neurofeedback,
        TimeProvider time, ILogger<CampJobs> logger, string? calibrationRefusal = null)
    {
        _calibration = calibration;
        _neurofeedback = neurofeedback;
        _time = time;
        _logger = logger;
        CalibrationRefusal = calibrationRefusal;
    }

    public event Action<CampEvent>? Event;

    public CampRun? Current => Volatile.Read(ref _current);

    /// <summary>Why calibration cannot be started here (a real board), or null.</summary>
    public string? CalibrationRefusal { get; }

    public CampRun StartCalibration(string wearerId)
    {
        WearerFolder.ValidateId(wearerId);
        if (CalibrationRefusal is { } refusal)
        {
            throw new ArgumentException(refusal);
        }

        return Start(Calibration, wearerId, "running", "recording the calibration session", _calibration);
    }

    public CampRun StartNeurofeedback(string wearerId, NeurofeedbackRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        WearerFolder.ValidateId(wearerId);
        if (!double.IsFinite(request.BaselineSeconds) || request.BaselineSeconds <= 0)
        {
            throw new ArgumentException($"baselineSeconds = {request.BaselineSeconds}: give a positive number of seconds.");
        }

        if (!double.IsFinite(request.SessionSeconds) || request.SessionSeconds <= 0)
        {
            throw new ArgumentException($"sessionSeconds = {request.SessionSeconds}: give a positive number of seconds.");
        }

        return Start(Neurofeedback, wearerId, "baseline", "measuring the baseline", context => _neurofeedback(context, request));
    }

    public void CancelCurrent()
    {
        lock (_gate)
        {
            _cancel?.Cancel();
        }
    }

    /// <summary>Cancels the run in progress and waits (a few seconds at most) for it to end, so its record is finished.</summary>
    public void Dispose()
    {
        Task? running;
        lock (_gate)
        {
            _cancel?.Cancel();
            running = _running;
        }

        running?.Wait(TimeSpan.FromSeconds(10));
    }

    /// <summary>The run in progress, for tests: completes when it has ended.</summary>
    internal Task Running => Volatile.Read(ref _running) ?? Task.CompletedTask;

    private CampRun Start(string kind, string wearerId, string state, string detail, Func<CampJobContext, Task<CampRunOutcome>> job)
    {
        lock (_gate)
        {
            if (_running is { IsCompleted: false } && _current is { } busy)
            {
                throw new CampBusyException($"a {busy.Kind} run for wearer '{busy.WearerId}' is in progress ({busy.State}); cancel it or wait for it to end.");
            }

            _cancel?.Dispose();
            var cancel = new CancellationTokenSource();
            _cancel = cancel;
            var run = new CampRun(Guid.NewGuid().ToString("N")[..16], kind, wearerId, state, _time.GetUtcNow(), detail);
            Volatile.Write(ref _current, run);
            LogStarted(kind, run.RunId, wearerId);
            _running = Task.Run(() => RunAsync(run, job, cancel.Token), CancellationToken.None);
            return run;
        }
    }

    private async Task RunAsync(CampRun run, Func<CampJobContext, Task<CampRunOutcome>> job, CancellationToken cancellation)
    {
        var endedSaid = false;
        void Publish(CampEvent campEvent)
        {
            endedSaid |= campEvent.Type == "ended";
            Raise(campEvent);
        }

        void SetState(string state, string? detail) => Update(run.RunId, state, detail);

        CampRunOutcome outcome;
        try
        {
            outcome = await job(new CampJobContext(run.RunId, run.WearerId, Publish, SetState, cancellation)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            outcome = new CampRunOutcome("cancelled", "cancelled before it ended");
        }
        catch (Exception exception)
        {
            // Whatever a job does wrong, it is this run that failed, never the firmware.
            LogFailed(run.Kind, run.RunId, exception.GetType().Name, exception.Message);
            outcome = new CampRunOutcome("failed", exception.Message);
        }

        Update(run.RunId, outcome.State, outcome.Detail);
        LogEnded(run.Kind, run.RunId, outcome.State, outcome.Detail);
        if (!endedSaid)
        {
            Raise(new CampEvent("ended", new EndedEventData(run.Kind, outcome.State, outcome.Detail)));
        }
    }

    private void Update(string runId, string state, string? detail)
    {
        lock (_gate)
        {
            if (_current is { } current && current.RunId == runId)
            {
                Volatile.Write(ref _current, current with { State = state, Detail = detail });
            }
        }
    }

    private void Raise(CampEvent campEvent)
    {
        foreach (var handler in Delegate.EnumerateInvocationList(Event))
        {
            try
            {
                handler(campEvent);
            }
            catch (Exception exception)
            {
                LogHandlerFailed(campEvent.Type, exception.GetType().Name, exception.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "camp: {Kind} run {RunId} started for wearer '{Wearer}'")]
    private partial void LogStarted(string kind, string runId, string wearer);

    [LoggerMessage(Level = LogLevel.Information, Message = "camp: {Kind} run {RunId} ended {State}: {Detail}")]
    private partial void LogEnded(string kind, string runId, string state, string? detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "camp: {Kind} run {RunId} failed: {Type}: {Message}")]
    private partial void LogFailed(string kind, string runId, string type, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "camp: a listener of the {Type} event threw {Exception}: {Message}")]
    private partial void LogHandlerFailed(string type, string exception, string message);
}
