using EdgeBci.Control;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware;

/// <summary>
/// For each latching STOP, how long after the last good frame (or after the emulator fault that caused it) the output
/// was neutral, with what the platform was doing. The tick that saw the fault drove the output neutral before this runs,
/// so "neutral by" is an upper bound. The last good frame is the one read before an injected fault was set (emulator),
/// or for a frame timeout the last frame received.
/// </summary>
internal sealed partial class StopReport : IHostedService
{
    private static readonly TimeSpan StopAttribution = TimeSpan.FromSeconds(2);

    private readonly SupervisorService _supervisor;
    private readonly EmulatorFaultService _faults;
    private readonly TimeProvider _time;
    private readonly ILogger<StopReport> _logger;
    private long _attributedInjection;

    public StopReport(SupervisorService supervisor, EmulatorFaultService faults, TimeProvider time, ILogger<StopReport> logger)
    {
        _supervisor = supervisor;
        _faults = faults;
        _time = time;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _supervisor.SupervisorEventRaised += OnEvent;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _supervisor.SupervisorEventRaised -= OnEvent;
        return Task.CompletedTask;
    }

    private void OnEvent(SupervisorEvent stop)
    {
        if (!SupervisorReasons.IsLatching(stop.Reason) || stop.To != SupervisorState.SafeStop)
        {
            return;
        }

        var neutralBy = _time.MonotonicNow();
        var actuator = _supervisor.ActuatorDevice;
        var output = actuator.Output.IsNeutral ? "neutral" : "NOT NEUTRAL: " + actuator.Output;
        var platform = PlatformDescription.AtStop(actuator);
        var injection = _faults.LastInjection;
        if (injection is not null && injection.Sequence != _attributedInjection && stop.Time >= injection.InjectedAt && stop.Time - injection.InjectedAt <= StopAttribution)
        {
            _attributedInjection = injection.Sequence;
            var lastGood = injection.LastCleanFrame ?? injection.InjectedAt;
            LogStopAfterFault(stop.Reason, output, Milliseconds(neutralBy - lastGood), Milliseconds(neutralBy - injection.InjectedAt), injection.Fault,
                stop.Time.TotalMilliseconds, neutralBy.TotalMilliseconds, lastGood.TotalMilliseconds, injection.InjectedAt.TotalMilliseconds, platform);
            return;
        }

        if (stop.Reason == SupervisorReason.FrameTimeout && _supervisor.LastFrameTime is { } lastFrame)
        {
            LogStopAfterFrame(stop.Reason, output, Milliseconds(neutralBy - lastFrame), stop.Time.TotalMilliseconds, neutralBy.TotalMilliseconds, lastFrame.TotalMilliseconds, platform);
            return;
        }

        LogStop(stop.Reason, output, Milliseconds(neutralBy - stop.Time), stop.Time.TotalMilliseconds, neutralBy.TotalMilliseconds, platform);
    }

    private static double Milliseconds(TimeSpan span) => span.TotalMilliseconds;

    [LoggerMessage(Level = LogLevel.Information, Message = "STOP {Reason}: output {Output} {FromLastGood:0.0} ms after the last good frame, {FromFault:0.0} ms after the fault '{Fault}' was injected (STOP tick {Tick:0.0} ms, neutral by {NeutralBy:0.0} ms, last good frame {LastGood:0.0} ms, injected {Injected:0.0} ms) | {Platform}")]
    private partial void LogStopAfterFault(SupervisorReason reason, string output, double fromLastGood, double fromFault, string fault, double tick, double neutralBy, double lastGood, double injected, string platform);

    [LoggerMessage(Level = LogLevel.Information, Message = "STOP {Reason}: output {Output} {FromLastGood:0.0} ms after the last good frame (STOP tick {Tick:0.0} ms, neutral by {NeutralBy:0.0} ms, last good frame {LastGood:0.0} ms) | {Platform}")]
    private partial void LogStopAfterFrame(SupervisorReason reason, string output, double fromLastGood, double tick, double neutralBy, double lastGood, string platform);

    [LoggerMessage(Level = LogLevel.Information, Message = "STOP {Reason}: output {Output} {FromTick:0.0} ms after the tick that saw it (STOP tick {Tick:0.0} ms, neutral by {NeutralBy:0.0} ms) | {Platform}")]
    private partial void LogStop(SupervisorReason reason, string output, double fromTick, double tick, double neutralBy, string platform);
}
