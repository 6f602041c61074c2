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

        if (_pending && output.State == SupervisorState.Disarmed && (_lastAttempt is not { } previous || output.Time - previous >= Retry) && ArmPreconditions.Visible(_supervisor.LastInputs, _supervisor.Stage.Options, output.Time))
        {
            _lastAttempt = output.Time;
            _supervisor.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalCli));
            LogAutoArm(output.Time.TotalMilliseconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "control: auto-arm (Control:AutoArmOnEmulator): preconditions hold, arm requested as LocalCli at {Time:0.0} ms")]
    private partial void LogAutoArm(double time);
}
