namespace EdgeBci.Control.Supervision;

/// <summary>
/// Where the rest of the firmware reports what the supervisor observes, from any thread: the acquisition stage its
/// frames and channel quality, the decoder its decisions and health, GPIO callbacks the e-stop, inhibit and arm button,
/// the MQTT client remote requests. <see cref="Snapshot"/> turns it into the plain values of one tick and takes the
/// operator requests that arrived since the previous one. Until a value is reported it reads unsafe (see
/// <see cref="SupervisorInputs"/>): e-stop open, inhibit tripped, model unverified and unknown, and so on.
/// </summary>
public sealed class ControlInputs
{
    private readonly Lock _gate = new();
    private readonly List<OperatorRequest> _requests = [];
    private SupervisorInputs _current = new();

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

    public void Request(OperatorRequest request)
    {
        lock (_gate)
        {
            _requests.Add(request);
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
            return snapshot;
        }
    }

    private void Update(Func<SupervisorInputs, SupervisorInputs> change)
    {
        lock (_gate)
        {
            _current = change(_current);
        }
    }
}
