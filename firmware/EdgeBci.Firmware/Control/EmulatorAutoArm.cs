using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware;

/// <summary>
/// Control:AutoArmOnEmulator: once after switch-on, when every precondition the firmware can see holds, an arm is
/// requested as if "arm" had been typed on the unit's console (a LocalCli request); the supervisor checks every
/// precondition itself. Stands down after the first arm, or as soon as anyone on the unit asks for anything.
/// </summary>
internal sealed partial class EmulatorAutoArm : IHostedService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);

    private readonly SupervisorService _supervisor;
    private readonly OperatorRequests _requests;
    private readonly ILogger<EmulatorAutoArm> _logger;
    private volatile bool _pending;
    private TimeSpan? _lastAttempt;

    public EmulatorAutoArm(SupervisorService supervisor, OperatorRequests requests, ILogger<EmulatorAutoArm> logger)
    {
        _supervisor = supervisor;
        _requests = requests;
        _logger = logger;
        _pending = supervisor.Stage.AutoArm;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_pending)
        {
            _supervisor.Ticked += OnTick;
            _requests.LocalRequestMade += StandDown;
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _supervisor.Ticked -= OnTick;
        _requests.LocalRequestMade -= StandDown;
        return Task.CompletedTask;
    }

    private void StandDown() => _pending = false;

    private void OnTick(SupervisorOutput output)
    {
        foreach (var supervisorEvent in output.Events)
        {
            if (supervisorEvent.Reason == SupervisorReason.Armed)
            {
                _pending = false;
            }
        }

        if (_pending && output.State == SupervisorState.Disarmed && (_lastAttempt is not { } previous || output.Time - previous >= Retry) && PreconditionsVisible(output.Time))
        {
            _lastAttempt = output.Time;
            _supervisor.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalCli));
            LogAutoArm(output.Time.TotalMilliseconds);
        }
    }

    /// <summary>What the firmware can see is ready before it asks.</summary>
    private bool PreconditionsVisible(TimeSpan now)
    {
        var inputs = _supervisor.LastInputs;
        var options = _supervisor.Stage.Options;
        return inputs.EStopClosed && inputs.ModelVerified && inputs.DecoderHealthy
            && inputs.LastFrameTime is { } frame && now - frame <= options.FrameTimeout
            && inputs.LastDecision is { } decision && now - decision.ReceivedAt <= options.DecisionTimeout
            && RequiredChannelsSettled(inputs.Channels, options.RequiredChannels);
    }

    /// <summary>
    /// Every required channel (all, when none is named) reported good and past its quality hold-off: the automatic arm
    /// waits for that instead of asking once a second while the channels settle after switch-on.
    /// </summary>
    private static bool RequiredChannelsSettled(IReadOnlyList<ChannelState> channels, string[] required)
    {
        if (channels.Count == 0)
        {
            return false;
        }

        var usable = 0;
        foreach (var channel in channels)
        {
            if (required.Length > 0 && !Names(required, channel.Name))
            {
                continue;
            }

            if (!channel.QualityGood || channel.LeadOff || channel.Railing || channel.Settling)
            {
                return false;
            }

            usable++;
        }

        return usable >= required.Length;

        static bool Names(string[] names, string name)
        {
            foreach (var candidate in names)
            {
                if (string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "control: auto-arm (Control:AutoArmOnEmulator): preconditions hold, arm requested as LocalCli at {Time:0.0} ms")]
    private partial void LogAutoArm(double time);
}
