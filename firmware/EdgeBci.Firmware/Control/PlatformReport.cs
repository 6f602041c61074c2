using System.Globalization;
using EdgeBci.Control.Actuators.Simulated;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware;

/// <summary>Once a second: where the platform is and what it does, beside the supervisor's state.</summary>
internal sealed partial class PlatformReport(SupervisorService supervisor, TimeProvider time, ILogger<PlatformReport> logger) : BackgroundService
{
    private readonly ILogger<PlatformReport> _logger = logger;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var last = supervisor.Last;
            var state = last is null ? "starting" : last.Intent is { } intent ? $"{last.State} ({IntentCommands.Name(intent)})" : last.State.ToString();
            var ticks = supervisor.Ticks;
            var maxInterval = supervisor.LongestTickInterval.TotalMilliseconds;
            var platform = PlatformDescription.Platform(supervisor.ActuatorDevice);
            switch (platform)
            {
                case SimulatedWheelchair chair:
                    var chairState = chair.State;
                    LogWheelchair(chairState.X, chairState.Y, Degrees(chairState.Heading), chairState.Speed, chairState.TurnRate, chair.Command.ToString(), state, ticks, maxInterval);
                    break;
                case SimulatedHand hand:
                    var joints = string.Join(" ", hand.JointNames.Zip(hand.Positions, (name, position) => string.Create(CultureInfo.InvariantCulture, $"{name} {position:0.00}")));
                    LogHand(joints, hand.Grip?.ToString() ?? "holding", state, ticks, maxInterval);
                    break;
                default:
                    LogActuator(platform.Kind, platform.Output.ToString(), state, ticks, maxInterval);
                    break;
            }
        }
    }

    /// <summary>A heading in degrees within (-180, 180].</summary>
    private static double Degrees(double radians)
    {
        var degrees = Math.IEEERemainder(radians * 180 / Math.PI, 360);
        return degrees <= -180 ? degrees + 360 : degrees;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "platform: simulated-wheelchair x {X:0.00} m y {Y:0.00} m heading {Heading:0.0} deg speed {Speed:0.00} m/s turn {Turn:0.00} rad/s | command {Command} | supervisor {Supervisor} | {Ticks} ticks, longest interval {MaxInterval:0.0} ms")]
    private partial void LogWheelchair(double x, double y, double heading, double speed, double turn, string command, string supervisor, long ticks, double maxInterval);

    [LoggerMessage(Level = LogLevel.Information, Message = "platform: simulated-hand {Joints} | grip {Grip} | supervisor {Supervisor} | {Ticks} ticks, longest interval {MaxInterval:0.0} ms")]
    private partial void LogHand(string joints, string grip, string supervisor, long ticks, double maxInterval);

    [LoggerMessage(Level = LogLevel.Information, Message = "platform: {Actuator} output {Output} | supervisor {Supervisor} | {Ticks} ticks, longest interval {MaxInterval:0.0} ms")]
    private partial void LogActuator(string actuator, string output, string supervisor, long ticks, double maxInterval);
}
