using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware;

/// <summary>What the supervisor did with a remote request, and when the actuator output was neutral under a stop.</summary>
/// <param name="Reply">The answer, as a local request gets it.</param>
/// <param name="State">The supervisor's state when the answer was made.</param>
/// <param name="NeutralTimestamp">
/// For a stop: the <see cref="TimeProvider.GetTimestamp"/> of the first tick that had SafeStop latched and the output
/// neutral, taken after that tick's actuator write (so a figure derived from it is an upper bound); null otherwise.
/// </param>
internal sealed record RemoteAnswer(LocalReply Reply, SupervisorState? State, long? NeutralTimestamp);

/// <summary>
/// Operator requests answered with what the supervisor did: arm, disarm and stop from the unit (LocalCli) or stop and
/// disarm from the network (Remote). A request is consumed at the first or second tick after it was made; the reply is
/// built from the events of those ticks (armed, or the refusal's reason). Nothing here blocks: the request is queued
/// for the next tick at once and the answer is a task. Remote requests of one kind made while one is waiting for its
/// ticks share it: one request reaches the supervisor, every requester gets its answer (a flood of stops is one stop).
/// </summary>
internal sealed partial class OperatorRequests
{
    private static readonly TimeSpan TickWait = TimeSpan.FromSeconds(1);

    private readonly SupervisorService _supervisor;
    private readonly TimeProvider _time;
    private readonly ILogger<OperatorRequests> _logger;
    private readonly Lock _pendingGate = new();
    private readonly List<PendingOutcome> _pending = [];
    private readonly Dictionary<RequestKind, Task<RemoteAnswer>> _sharedRemote = [];
    private long _observedTicks;

    public OperatorRequests(SupervisorService supervisor, TimeProvider time, ILogger<OperatorRequests> logger)
    {
        _supervisor = supervisor;
        _time = time;
        _logger = logger;
        supervisor.Ticked += CompletePendingOutcomes;
    }

    /// <summary>Raised before a request from the unit itself is queued (the emulator's automatic arm then stands down).</summary>
    public event Action? LocalRequestMade;

    /// <summary>A local arm, disarm or stop, answered with what the supervisor did.</summary>
    public async Task<LocalReply> LocalRequestAsync(RequestKind kind, string channel, string? caller, CancellationToken cancellationToken)
    {
        LocalRequestMade?.Invoke();
        var pending = Queue(kind, RequestOrigin.LocalCli, caller);
        LogRequest("local", kind, channel, RequestOrigin.LocalCli);
        return (await AwaitAnswerAsync(pending, cancellationToken).ConfigureAwait(false)).Reply;
    }

    /// <summary>
    /// A stop or disarm from the network (the MQTT commands): queued for the supervisor's next tick before this returns,
    /// or joined to the same kind's request that is still waiting for its ticks. The supervisor refuses anything else
    /// from a remote origin; this refuses it first.
    /// </summary>
    public Task<RemoteAnswer> RemoteRequestAsync(RequestKind kind, string channel)
    {
        if (kind is not (RequestKind.Stop or RequestKind.Disarm))
        {
            return Task.FromResult(new RemoteAnswer(LocalReply.Refused($"a remote {kind} is refused: the network may stop or disarm, never arm or move"), null, null));
        }

        Task<RemoteAnswer> answer;
        lock (_pendingGate)
        {
            if (_sharedRemote.TryGetValue(kind, out var shared) && !shared.IsCompleted)
            {
                return shared;
            }

            answer = AwaitAnswerAsync(Queue(kind, RequestOrigin.Remote, channel), CancellationToken.None);
            _sharedRemote[kind] = answer;
        }

        LogRequest("remote", kind, channel, RequestOrigin.Remote);
        return answer;
    }

    /// <summary>The supervisor's state, intent, latched reason, the actuator's output and the decoder's health, in one line.</summary>
    public string DescribeState(SupervisorOutput last, string decoder)
    {
        var intent = last.Intent is { } current ? $" ({IntentCommands.Name(current)})" : string.Empty;
        var latched = last.State == SupervisorState.SafeStop && _supervisor.LatchedReason is { } reason ? $" latched by {reason}" : string.Empty;
        var actuator = _supervisor.Actuator;
        return $"supervisor {last.State}{intent}{latched}; {actuator.Kind} output {actuator.Output}; {decoder}";
    }

    /// <summary>
    /// Registers and queues under the gate the tick observer counts under: a stall of this thread between the two cannot
    /// let the two ticks that answer it pass before the request is even queued (the reply then said "already Disarmed"
    /// of an arm the supervisor went on to perform).
    /// </summary>
    private PendingOutcome Queue(RequestKind kind, RequestOrigin origin, string? caller)
    {
        lock (_pendingGate)
        {
            var pending = new PendingOutcome(kind, Interlocked.Read(ref _observedTicks));
            _pending.Add(pending);
            _supervisor.Request(new OperatorRequest(kind, origin, caller));
            return pending;
        }
    }

    private async Task<RemoteAnswer> AwaitAnswerAsync(PendingOutcome pending, CancellationToken cancellationToken)
    {
        SupervisorOutput output;
        try
        {
            output = await pending.Done.Task.WaitAsync(TickWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_pendingGate)
            {
                _pending.Remove(pending);
            }

            return new RemoteAnswer(LocalReply.Error($"{pending.Kind} requested, but the supervisor did not tick within {TickWait.TotalSeconds:0} s"), _supervisor.Last?.State, null);
        }

        return new RemoteAnswer(Answer(pending.Kind, pending.Events, output, _supervisor.LatchedReason), output.State, pending.NeutralTimestamp);
    }

    /// <summary>What the supervisor did with a request, from the events of the ticks that consumed it.</summary>
    internal static LocalReply Answer(RequestKind kind, IReadOnlyList<SupervisorEvent> events, SupervisorOutput output, SupervisorReason? latched)
    {
        if (kind == RequestKind.Arm)
        {
            return AnswerArm(events, output, latched);
        }

        // A stop or disarm is never refused: an ArmRefused or RequestRefused in the same ticks answers someone else's arm or move.
        foreach (var supervisorEvent in events)
        {
            switch (supervisorEvent.Reason)
            {
                case SupervisorReason.LocalDisarm or SupervisorReason.RemoteDisarm when kind == RequestKind.Disarm:
                case SupervisorReason.LocalStop or SupervisorReason.RemoteStop when kind == RequestKind.Stop:
                    return LocalReply.Ok($"{supervisorEvent.From} -> {supervisorEvent.To}: {supervisorEvent.Message}");
            }
        }

        return LocalReply.Ok($"supervisor already {output.State}; nothing to do");
    }

    /// <summary>
    /// An arm is Ok only when the supervisor is Armed or Active after the ticks that consumed it; an Armed event that a
    /// stop in the same tick undid, or no change at all, is a refusal that says why.
    /// </summary>
    private static LocalReply AnswerArm(IReadOnlyList<SupervisorEvent> events, SupervisorOutput output, SupervisorReason? latched)
    {
        SupervisorEvent? armed = null;
        string? refusal = null;
        foreach (var supervisorEvent in events)
        {
            switch (supervisorEvent.Reason)
            {
                case SupervisorReason.Armed:
                    armed = supervisorEvent;
                    break;
                case SupervisorReason.ArmRefused or SupervisorReason.RequestRefused:
                    refusal ??= supervisorEvent.Message;
                    break;
            }
        }

        if (output.State is SupervisorState.Armed or SupervisorState.Active)
        {
            return armed is { } done
                ? LocalReply.Ok($"{done.From} -> {done.To}: {done.Message}")
                : LocalReply.Ok($"supervisor already {output.State}; nothing to do");
        }

        var why = latched is { } reason && output.State == SupervisorState.SafeStop ? $" ({reason} latched)" : string.Empty;
        return LocalReply.Refused(refusal ?? (armed is not null
            ? $"not armed: supervisor is {output.State}{why}: it armed, and a stop in the same ticks took it back"
            : $"not armed: supervisor is {output.State}{why}"));
    }

    /// <summary>Answers the requests waiting for this tick (on the supervisor's thread, after the tick's actuator write).</summary>
    private void CompletePendingOutcomes(SupervisorOutput output)
    {
        lock (_pendingGate)
        {
            var tick = Interlocked.Increment(ref _observedTicks);
            if (_pending.Count == 0)
            {
                return;
            }

            var neutralInSafeStop = output.State == SupervisorState.SafeStop && _supervisor.ActuatorDevice.Output.IsNeutral;
            var now = _time.GetTimestamp();
            for (var i = _pending.Count - 1; i >= 0; i--)
            {
                var pending = _pending[i];
                if (tick <= pending.AfterTick)
                {
                    continue;
                }

                pending.Events.AddRange(output.Events);
                if (pending.Kind == RequestKind.Stop && neutralInSafeStop)
                {
                    pending.NeutralTimestamp ??= now;
                }

                // A stop is answered at the first tick that has it latched with the output neutral; anything else (and
                // a stop that found the output still moving) after the second tick, when the request was surely consumed.
                if (tick >= pending.AfterTick + 2 || pending.NeutralTimestamp is not null)
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
    private sealed class PendingOutcome(RequestKind kind, long afterTick)
    {
        public RequestKind Kind { get; } = kind;

        public long AfterTick { get; } = afterTick;

        public List<SupervisorEvent> Events { get; } = [];

        public long? NeutralTimestamp { get; set; }

        public TaskCompletionSource<SupervisorOutput> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
