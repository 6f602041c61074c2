using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware;

/// <summary>
/// A calibration asks the wearer to imagine moving left and right, and focus training to concentrate on a screen: with
/// the chair armed, the decoder would drive it while they do. Every camp run therefore starts by disarming it (a
/// remote disarm, the same request MQTT's disarm makes; the supervisor's rules are unchanged) and does not start
/// unless the supervisor answers that it is no longer armed. Arming again stays a local action on the unit.
/// </summary>
internal sealed class DisarmBeforeRun(Func<RequestKind, string, Task<RemoteAnswer>> request)
{
    public const string Channel = "web:camp";

    public DisarmBeforeRun(OperatorRequests requests)
        : this(requests.RemoteRequestAsync)
    {
    }

    /// <summary>Runs <paramref name="job"/> once the chair is disarmed; a run the supervisor would not disarm for fails without starting.</summary>
    public async Task<CampRunOutcome> RunAsync(Func<Task<CampRunOutcome>> job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var answer = await request(RequestKind.Disarm, Channel).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (answer.State is null or SupervisorState.Armed or SupervisorState.Active)
        {
            return new CampRunOutcome("failed", $"not started: the chair could not be disarmed first ({answer.Reply.Text})");
        }

        return await job().ConfigureAwait(false);
    }
}
