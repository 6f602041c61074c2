namespace EdgeBci.Control.Supervision;

/// <summary>
/// Where the rest of the firmware reports what the supervisor observes, from any thread: the acquisition stage its
/// frames and channel quality, the decoder its decisions and health, GPIO callbacks the e-stop, inhibit and arm button,
/// the MQTT client remote requests. <see cref="Snapshot"/> turns it into the plain values of one tick and takes the
/// operator requests that arrived since the previous one. Until a value is reported it reads unsafe (see
/// <see cref="SupervisorInputs"/>): e-stop open, inhibit tripped, model unverified and unknown, and so on.
/// <para>
/// The requests waiting for the next tick are bounded, so a flood cannot grow them (6,000 remote stops once became
/// 6,000 requests): a stop behind a waiting stop, or a disarm behind a waiting disarm, changes nothing the supervisor
/// does and is collapsed into it; a stop after a disarm after a stop moves the waiting stop behind the disarm (and a
/// disarm likewise), which ends in the same state with the same latched reason. So at most one stop and one disarm
/// wait, with at most <see cref="MaxArmsPerTick"/> local arms and <see cref="MaxRefusedPerTick"/> remote arms or moves
/// (which the supervisor refuses anyway); beyond those a request is refused and counted.
/// </para>
/// </summary>
public sealed class ControlInputs
{
    /// <summary>Local arm requests (button, CLI) one tick takes; the supervisor acts on the last one or on a CLI-button pair.</summary>
    public const int MaxArmsPerTick = 4;

    /// <summary>Remote arms and moves one tick takes: each is only recorded as refused.</summary>
    public const int MaxRefusedPerTick = 4;

    private readonly Lock _gate = new();
    private readonly List<OperatorRequest> _requests = new(2 + MaxArmsPerTick + MaxRefusedPerTick);
    private SupervisorInputs _current = new();
    private int _waitingArms;
    private int _waitingRefused;
    private long _collapsedStops;
    private long _collapsedDisarms;
    private long _refusedRequests;

    /// <summary>Stops collapsed into a stop already waiting for the next tick, since start.</summary>
    public long CollapsedStops
    {
        get { lock (_gate) { return _collapsedStops; } }
    }

    /// <summary>Disarms collapsed into a disarm already waiting for the next tick, since start.</summary>
    public long CollapsedDisarms
    {
        get { lock (_gate) { return _collapsedDisarms; } }
    }

    /// <summary>Arms and moves refused because the next tick already had as many as it takes, since start.</summary>
    public long RefusedRequests
    {
        get { lock (_gate) { return _refusedRequests; } }
    }

    public void ReportFrame(TimeSpan time)
    {
        lock (_gate)
        {
            _current = _current with { LastFrameTime = time };
        }
    }

    public void ReportDecision(IntentDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        lock (_gate)
        {
            _current = _current with { LastDecision = decision };
        }
    }

    public void ReportChannels(IEnumerable<ChannelState> channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ChannelState[] copy = [.. channels];
        lock (_gate)
        {
            _current = _current with { Channels = copy };
        }
    }

    public void SetEStopClosed(bool closed) => Update(inputs => inputs with { EStopClosed = closed });

    public void SetInhibit(bool tripped) => Update(inputs => inputs with { InhibitTripped = tripped });

    public void SetModelVerified(bool verified) => Update(inputs => inputs with { ModelVerified = verified });

    /// <summary>The loaded model's id and version (e.g. "eegmmidb-lr v3"), or null when none is loaded.</summary>
    public void SetModel(string? identity) => Update(inputs => inputs with { ModelIdentity = string.IsNullOrWhiteSpace(identity) ? null : identity.Trim() });

    public void SetDecoderHealthy(bool healthy) => Update(inputs => inputs with { DecoderHealthy = healthy });

    public void SetFocus(double? focus) => Update(inputs => inputs with { Focus = focus });

    /// <summary>Queues <paramref name="request"/> for the next tick, collapsed into an equivalent one or refused (see the class).</summary>
    public RequestIntake Request(OperatorRequest request)
    {
        lock (_gate)
        {
            switch (request.Kind)
            {
                case RequestKind.Stop:
                    return QueueStopOrDisarm(request, RequestKind.Disarm, ref _collapsedStops);
                case RequestKind.Disarm:
                    return QueueStopOrDisarm(request, RequestKind.Stop, ref _collapsedDisarms);
                case RequestKind.Arm when request.IsLocal:
                    return QueueBounded(request, ref _waitingArms, MaxArmsPerTick);
                default:
                    return QueueBounded(request, ref _waitingRefused, MaxRefusedPerTick);
            }
        }
    }

    /// <summary>An unhandled exception anywhere in the pipeline: the next tick latches SafeStop.</summary>
    public void ReportPipelineFault(string message) =>
        Update(inputs => inputs with { PipelineFaults = inputs.PipelineFaults + 1, LastPipelineFault = message });

    /// <summary>The current values, and the requests since the previous snapshot.</summary>
    public SupervisorInputs Snapshot()
    {
        lock (_gate)
        {
            if (_requests.Count == 0)
            {
                return _current;
            }

            var snapshot = _current with { Requests = [.. _requests] };
            _requests.Clear();
            _waitingArms = 0;
            _waitingRefused = 0;
            return snapshot;
        }
    }

    /// <summary>
    /// The supervisor latches on a stop unless already latched and disarms unless already disarmed, so a request of the
    /// same kind as the last stop or disarm waiting changes nothing; one of the same kind further back is moved here.
    /// </summary>
    private RequestIntake QueueStopOrDisarm(OperatorRequest request, RequestKind other, ref long collapsed)
    {
        var same = LastIndexOf(request.Kind);
        if (same < 0)
        {
            _requests.Add(request);
            return RequestIntake.Queued;
        }

        collapsed++;
        if (LastIndexOf(other) > same)
        {
            _requests.RemoveAt(same);
            _requests.Add(request);
        }

        return RequestIntake.Collapsed;
    }

    private RequestIntake QueueBounded(OperatorRequest request, ref int waiting, int limit)
    {
        if (waiting >= limit)
        {
            _refusedRequests++;
            return RequestIntake.Refused;
        }

        waiting++;
        _requests.Add(request);
        return RequestIntake.Queued;
    }

    private int LastIndexOf(RequestKind kind)
    {
        for (var i = _requests.Count - 1; i >= 0; i--)
        {
            if (_requests[i].Kind == kind)
            {
                return i;
            }
        }

        return -1;
    }

    private void Update(Func<SupervisorInputs, SupervisorInputs> change)
    {
        lock (_gate)
        {
            _current = change(_current);
        }
    }
}

/// <summary>What <see cref="ControlInputs.Request"/> did with a request.</summary>
public enum RequestIntake
{
    /// <summary>Waiting for the next tick.</summary>
    Queued,

    /// <summary>
    /// A stop or disarm merged into the one of its kind already waiting for the next tick: the supervisor does the same
    /// with one as with both, and that tick's events answer it.
    /// </summary>
    Collapsed,

    /// <summary>The next tick already has as many arms (or remote arms and moves) as it takes; nothing is queued.</summary>
    Refused,
}
