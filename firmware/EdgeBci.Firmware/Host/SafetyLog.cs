namespace EdgeBci.Firmware;

/// <summary>
/// The categories whose lines are the unit's safety record: STOPs and every supervisor transition
/// (<see cref="SupervisorService"/>, <see cref="StopReport"/>), arming and disarming requests and their answers
/// (<see cref="OperatorRequests"/>, <see cref="LocalOperator"/>, <see cref="EmulatorAutoArm"/>), injected faults
/// (<see cref="EmulatorFaultService"/>) and the watchdog (<see cref="SystemdWatchdog"/>; the actuator board's deadman
/// watchdog is a child process that reports through the supervisor). <see cref="SafetyLogFilter"/> keeps them at
/// Information whatever else is configured or set while running.
/// </summary>
internal static class SafetyLog
{
    /// <summary>The level these categories always log at, or a more detailed one where configured.</summary>
    public const LogLevel Level = LogLevel.Information;

    public static readonly IReadOnlyList<string> Categories =
    [
        typeof(SupervisorService).FullName!,
        typeof(StopReport).FullName!,
        typeof(OperatorRequests).FullName!,
        typeof(LocalOperator).FullName!,
        typeof(EmulatorAutoArm).FullName!,
        typeof(EmulatorFaultService).FullName!,
        typeof(SystemdWatchdog).FullName!,
    ];

    public static bool Contains(string category)
    {
        foreach (var safety in Categories)
        {
            if (safety.Equals(category, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
