using EdgeBci.Control.Actuators;
using EdgeBci.Control.Deadman;

namespace EdgeBci.Control.Supervision;

/// <summary>
/// One control step: the supervisor's tick, then its command through the one <see cref="ApplyOutput"/> (clamped to the
/// limits) to the actuator, then the actuator's heartbeat, then its deadman line when it has one
/// (<see cref="IDeadmanGuarded"/>): toggled while motion is permitted (<see cref="MotionPermitted"/>), dropped otherwise.
/// The actuator's own acknowledgement time replaces whatever the caller observed, and a tripped actuator watchdog, or a
/// deadman line without a rising edge for its circuit's timeout, latches SafeStop. Any exception (the supervisor's, the
/// actuator's, the line's) drives the actuator neutral, drops the deadman and latches SafeStop in the same step. Not
/// thread-safe: one thread steps it (the deadman's <see cref="DeadmanLine.Drop"/> may come from any thread).
/// </summary>
public sealed class ControlPipeline
{
    public ControlPipeline(SafetySupervisor supervisor, IActuator actuator)
    {
        ArgumentNullException.ThrowIfNull(supervisor);
        ArgumentNullException.ThrowIfNull(actuator);
        Supervisor = supervisor;
        Actuator = actuator;
        Deadman = (actuator as IDeadmanGuarded)?.Deadman;
    }

    public SafetySupervisor Supervisor { get; }

    public IActuator Actuator { get; }

    /// <summary>The line holding the actuator's enable, or null when it has none (simulated platforms).</summary>
    public DeadmanLine? Deadman { get; }

    /// <summary>The last step's output.</summary>
    public SupervisorOutput? Last { get; private set; }

    /// <summary>Exceptions caught in steps (the supervisor's or the actuator's).</summary>
    public long Faults { get; private set; }

    public SupervisorOutput Step(TimeSpan now, SupervisorInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        IReadOnlyList<SupervisorEvent> before = [];
        SupervisorOutput output;
        try
        {
            if (Actuator.WatchdogTripped && Supervisor.State is SupervisorState.Armed or SupervisorState.Active)
            {
                before = Supervisor.ReportFault(now, SupervisorReason.ActuatorWatchdog,
                    "the actuator's heartbeat watchdog went neutral: the control loop stalled").Events;
            }
            else if (Deadman is { LastRisingEdge: { } lastRising } deadman && now - lastRising > deadman.Timeout)
            {
                // The circuit dropped the enable while the loop was away; the next toggle would bring it back mid-move.
                before = Supervisor.ReportFault(now, SupervisorReason.ActuatorWatchdog, ControlOptions.Invariant(
                    $"the deadman line had no rising edge for {(now - lastRising).TotalMilliseconds:0} ms and its circuit dropped the enable after {deadman.Timeout.TotalMilliseconds:0} ms: the control loop stalled")).Events;
            }

            output = Supervisor.Tick(now, inputs with { ActuatorAcknowledged = Actuator.Acknowledged });
        }
#pragma warning disable CA1031 // Any exception at all is a STOP; it is recorded in the SafeStop event.
        catch (Exception error)
        {
            return FailSafe(now, SupervisorReason.PipelineException, $"the supervisor threw {error.GetType().Name}: {error.Message}", before);
        }

        try
        {
            ApplyOutput(output.Command);
            Actuator.Heartbeat();
        }
        catch (Exception error)
        {
            return FailSafe(now, SupervisorReason.ActuatorFault, $"the actuator threw {error.GetType().Name}: {error.Message}", Concat(before, output.Events));
        }

        try
        {
            if (DriveDeadman(output) == DeadmanToggle.Lapsed)
            {
                return FailSafe(now, SupervisorReason.ActuatorWatchdog,
                    "the deadman circuit's timeout ran out while the step was under way (the loop stalled mid-step): its enable was left off", Concat(before, output.Events));
            }
        }
        catch (Exception error)
        {
            return FailSafe(now, SupervisorReason.ActuatorFault, $"the deadman line threw {error.GetType().Name}: {error.Message}", Concat(before, output.Events));
        }
#pragma warning restore CA1031

        return Last = before.Count == 0 ? output : output with { Events = Concat(before, output.Events) };
    }

    /// <summary>
    /// Whether a step's output lets the platform move, so the deadman may hold the enable: Armed or Active, or a
    /// non-neutral command still ramping down; never in SafeStop and never in a step whose events latch a STOP.
    /// </summary>
    public static bool MotionPermitted(SupervisorOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.State == SupervisorState.SafeStop || !(output.State is SupervisorState.Armed or SupervisorState.Active || !output.Command.IsNeutral))
        {
            return false;
        }

        var events = output.Events;
        for (var i = 0; i < events.Count; i++)
        {
            if (SupervisorReasons.IsLatching(events[i].Reason))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The only way a command reaches the actuator: clamped to the configured limits first.</summary>
    public void ApplyOutput(ActuatorCommand command) => Actuator.Apply(Supervisor.Limits.Clamp(command));

    /// <summary>
    /// Neutral, the deadman dropped and SafeStop for a fault found outside a step (an exception on another thread of the
    /// pipeline). The actuator is driven neutral first, whatever the supervisor then does.
    /// </summary>
    public SupervisorOutput FailSafe(TimeSpan now, SupervisorReason reason, string message) => FailSafe(now, reason, message, []);

    /// <summary>Switch-off: neutral outputs, the deadman dropped, and Disarmed.</summary>
    public SupervisorOutput Shutdown(TimeSpan now)
    {
        TryNeutral();
        TryDropDeadman();
        return Last = Supervisor.Shutdown(now);
    }

    /// <summary>Toggles the line while motion is permitted, disables it otherwise; what the toggle did, or null.</summary>
    private DeadmanToggle? DriveDeadman(SupervisorOutput output)
    {
        if (Deadman is not { } deadman)
        {
            return null;
        }

        if (MotionPermitted(output))
        {
            return deadman.Toggle();
        }

        deadman.Disable();
        return null;
    }

    private SupervisorOutput FailSafe(TimeSpan now, SupervisorReason reason, string message, IReadOnlyList<SupervisorEvent> earlier)
    {
        Faults++;
        TryNeutral();
        TryDropDeadman();
        var output = Supervisor.ReportFault(now, reason, message);
        return Last = output with { Events = Concat(earlier, output.Events) };
    }

    private void TryDropDeadman()
    {
        try
        {
            Deadman?.Drop();
        }
#pragma warning disable CA1031 // A line that cannot be driven low still lets the circuit drop the enable by its timeout.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private void TryNeutral()
    {
        try
        {
            Actuator.Neutral();
        }
#pragma warning disable CA1031 // Neutral is attempted whatever happens; its failure shows as a missing acknowledgement.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static IReadOnlyList<SupervisorEvent> Concat(IReadOnlyList<SupervisorEvent> first, IReadOnlyList<SupervisorEvent> second) =>
        first.Count == 0 ? second : second.Count == 0 ? first : [.. first, .. second];
}
