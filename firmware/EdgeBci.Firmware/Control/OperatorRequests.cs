using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware;

/// <summary>
/// Operator requests answered with what the supervisor did: arm, disarm and stop from the unit (LocalCli) or stop and
/// disarm from the network (Remote). A request is consumed at the first or second tick after it was made; the reply is
/// built from the events of those ticks (armed, or the refusal's reason).
/// </summary>
internal sealed partial class OperatorRequests
{
    private readonly SupervisorService _supervisor;
    private readonly ILogger<OperatorRequests> _logger;
    private readonly Lock _pendingGate = new();
    private readonly List<PendingOutcome> _pending = [];
    private long _observedTicks;

    public OperatorRequests(SupervisorService supervisor, ILogger<OperatorRequests> logger)
    {
        _supervisor = supervisor;
        _logger = logger;
        supervisor.Ticked += CompletePendingOutcomes;
    }

    /// <summary>Raised before a request from the unit itself is queued (the emulator's automatic arm then stands down).</summary>
    public event Action? LocalRequestMade;

    /// <summary>A local arm, disarm or stop, answered with what the supervisor did.</summary>
    public Task<LocalReply> LocalRequestAsync(RequestKind kind, string channel, string? caller, CancellationToken cancellationToken) =>
        RequestAsync(kind, RequestOrigin.LocalCli, channel, caller, cancellationToken);

    /// <summary>
    /// A stop or disarm from the network (the MQTT commands): a Remote request, answered like a local one with what the
    /// supervisor did. The supervisor refuses anything else from a remote origin; this refuses it first.
    /// </summary>
    public Task<LocalReply> RemoteRequestAsync(RequestKind kind, string channel, CancellationToken cancellationToken) =>
        kind is RequestKind.Stop or RequestKind.Disarm
            ? RequestAsync(kind, RequestOrigin.Remote, channel, channel, cancellationToken)
            : Task.FromResult(LocalReply.Refused($"a remote {kind} is refused: the network may stop or disarm, never arm or move"));

    /// <summary>The supervisor's state, intent, latched reason, the actuator's output and the decoder's health, in one line.</summary>
    public string DescribeState(SupervisorOutput last, string decoder)
    {
        var intent = last.Intent is { } current ? $" ({IntentCommands.Name(current)})" : string.Empty;
        var latched = last.State == SupervisorState.SafeStop && _supervisor.LatchedReason is { } reason ? $" latched by {reason}" : string.Empty;
        var actuator = _supervisor.Actuator;
        return $"supervisor {last.State}{intent}{latched}; {actuator.Kind} output {actuator.Output}; {decoder}";
    }

    private async Task<LocalReply> RequestAsync(RequestKind kind, RequestOrigin origin, string channel, string? caller, CancellationToken cancellationToken)
    {
        if (origin != RequestOrigin.Remote)
        {
            LocalRequestMade?.Invoke();
        }

        // Registered and queued under the gate the tick observer counts under: a stall of this thread between the two
        // cannot let the two ticks that answer it pass before the request is even queued (the reply then said
        // "already Disarmed" of an arm the supervisor went on to perform).
        PendingOutcome pending;
        lock (_pendingGate)
        {
            pending = new PendingOutcome(Interlocked.Read(ref _observedTicks));
            _pending.Add(pending);
            _supervisor.Request(new OperatorRequest(kind, origin, caller));
        }

        LogRequest(origin == RequestOrigin.Remote ? "remote" : "local", kind, channel, origin);
        SupervisorOutput output;
        try
        {
            output = await pending.Done.Task.WaitAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_pendingGate)
            {
                _pending.Remove(pending);
            }

            return LocalReply.Error($"{kind} requested, but the supervisor did not tick within 1 s");
        }

        return Answer(kind, pending.Events, output);
    }

    /// <summary>What the supervisor did with a request, from the events of the ticks that consumed it.</summary>
    private static LocalReply Answer(RequestKind kind, List<SupervisorEvent> events, SupervisorOutput output)
    {
        foreach (var supervisorEvent in events)
        {
            switch (supervisorEvent.Reason)
            {
                case SupervisorReason.ArmRefused or SupervisorReason.RequestRefused:
                    return LocalReply.Refused(supervisorEvent.Message);
                case SupervisorReason.Armed when kind == RequestKind.Arm:
                case SupervisorReason.LocalDisarm or SupervisorReason.RemoteDisarm when kind == RequestKind.Disarm:
                case SupervisorReason.LocalStop or SupervisorReason.RemoteStop when kind == RequestKind.Stop:
                    return LocalReply.Ok($"{supervisorEvent.From} -> {supervisorEvent.To}: {supervisorEvent.Message}");
            }
        }

        return LocalReply.Ok($"supervisor already {output.State}; nothing to do");
    }

    /// <summary>Answers the requests waiting for this tick (on the supervisor's thread).</summary>
    private void CompletePendingOutcomes(SupervisorOutput output)
    {
        lock (_pendingGate)
        {
            var tick = Interlocked.Increment(ref _observedTicks);
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var pending = _pending[i];
                if (tick > pending.AfterTick)
                {
                    pending.Events.AddRange(output.Events);
                }

                if (tick >= pending.AfterTick + 2)
                {
                    _pending.RemoveAt(i);
                    pending.Done.TrySetResult(output);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Scope}: {Kind} requested on the {Channel} ({Origin})")]
    private partial void LogRequest(string scope, RequestKind kind, string channel, RequestOrigin origin);

    /// <summary>A request waiting for the ticks that consume it.</summary>
    private sealed class PendingOutcome(long afterTick)
    {
        public long AfterTick { get; } = afterTick;

        public List<SupervisorEvent> Events { get; } = [];

        public TaskCompletionSource<SupervisorOutput> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
