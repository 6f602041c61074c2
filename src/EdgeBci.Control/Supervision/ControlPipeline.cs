using EdgeBci.Control.Actuators;

namespace EdgeBci.Control.Supervision;

/// <summary>
/// One control step: the supervisor's tick, then its command through the one <see cref="ApplyOutput"/> (clamped to the
/// limits) to the actuator, then the actuator's heartbeat. The actuator's own acknowledgement time replaces whatever
/// the caller observed, and a tripped actuator watchdog latches SafeStop. Any exception (the supervisor's, the
/// actuator's) drives the actuator neutral and latches SafeStop in the same step. Not thread-safe: one thread steps it.
/// </summary>
public sealed class ControlPipeline
{
    public ControlPipeline(SafetySupervisor supervisor, IActuator actuator)
    {
        ArgumentNullException.ThrowIfNull(supervisor);
        ArgumentNullException.ThrowIfNull(actuator);
        Supervisor = supervisor;
        Actuator = actuator;
    }

    public SafetySupervisor Supervisor { get; }

    public IActuator Actuator { get; }

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
#pragma warning restore CA1031

        return Last = before.Count == 0 ? output : output with { Events = Concat(before, output.Events) };
    }

    /// <summary>The only way a command reaches the actuator: clamped to the configured limits first.</summary>
    public void ApplyOutput(ActuatorCommand command) => Actuator.Apply(Supervisor.Limits.Clamp(command));

    /// <summary>
    /// Neutral and SafeStop for a fault found outside a step (an exception on another thread of the pipeline).
    /// The actuator is driven neutral first, whatever the supervisor then does.
    /// </summary>
    public SupervisorOutput FailSafe(TimeSpan now, SupervisorReason reason, string message) => FailSafe(now, reason, message, []);

    /// <summary>Switch-off: neutral outputs and Disarmed.</summary>
    public SupervisorOutput Shutdown(TimeSpan now)
    {
        TryNeutral();
        return Last = Supervisor.Shutdown(now);
    }

    private SupervisorOutput FailSafe(TimeSpan now, SupervisorReason reason, string message, IReadOnlyList<SupervisorEvent> earlier)
    {
        Faults++;
        TryNeutral();
        var output = Supervisor.ReportFault(now, reason, message);
        return Last = output with { Events = Concat(earlier, output.Events) };
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
