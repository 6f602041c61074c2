using EdgeBci.Control.Actuators;

namespace EdgeBci.Control.Supervision;

/// <summary>
/// Boot → Disarmed (outputs neutral) → Armed (preconditions hold, waiting for intent) → Active (moving); SafeStop is
/// latched and needs a local re-arm once the cause has cleared.
/// </summary>
public enum SupervisorState
{
    Boot,
    Disarmed,
    Armed,
    Active,
    SafeStop,
}

/// <summary>Why the supervisor did what it did. Each STOP rule has its own code (see <see cref="SupervisorReasons.IsLatching"/>).</summary>
public enum SupervisorReason
{
    /// <summary>Switch-on: Boot → Disarmed, outputs neutral whatever intent is present.</summary>
    SwitchOn,

    /// <summary>A local action armed the supervisor.</summary>
    Armed,

    /// <summary>A local arm request while a precondition fails; nothing changes.</summary>
    ArmRefused,

    /// <summary>A remote (or non-intent) request to arm or move; refused and recorded.</summary>
    RequestRefused,

    /// <summary>Armed → Active: a move intent held its evidence for the dwell time.</summary>
    MoveStarted,

    LocalDisarm,
    RemoteDisarm,

    /// <summary>The control loop was shut down (switch-off): outputs neutral.</summary>
    Shutdown,

    // Intent stops: neutral at once, back to Armed (not latched).

    /// <summary>The decoded class maps to stop (rest), or to no policy entry.</summary>
    IntentStop,

    /// <summary>Evidence or confidence of the moving intent fell below its threshold.</summary>
    ConfidenceDrop,

    /// <summary>The held intent was released: the decoded class changed.</summary>
    IntentReleased,

    /// <summary>Shared control: the obstacle/inhibit input forbids this movement.</summary>
    Inhibited,

    /// <summary>Focus fell below its threshold (when required).</summary>
    FocusLow,

    // STOP rules: neutral at once, SafeStop latched.

    FrameTimeout,
    DecisionTimeout,
    DecisionStale,
    ChannelQuality,
    LeadOff,
    Railing,
    EStopOpen,
    DecoderFault,
    ModelFault,
    ActuatorNoAck,

    /// <summary>The actuator threw while applying a command.</summary>
    ActuatorFault,

    /// <summary>The actuator's own heartbeat watchdog went neutral (the loop stalled).</summary>
    ActuatorWatchdog,

    /// <summary>An unhandled exception anywhere in the pipeline (including the supervisor's own loop).</summary>
    PipelineException,

    RemoteStop,
    LocalStop,
}

public static class SupervisorReasons
{
    /// <summary>STOP rules that latch SafeStop.</summary>
    public static bool IsLatching(SupervisorReason reason) => reason >= SupervisorReason.FrameTimeout;

    /// <summary>Intent stops: neutral at once, back to Armed.</summary>
    public static bool IsIntentStop(SupervisorReason reason) => reason is >= SupervisorReason.IntentStop and <= SupervisorReason.FocusLow;
}

/// <summary>A transition (or a refused request, where <see cref="From"/> equals <see cref="To"/>) with its reason.</summary>
public sealed record SupervisorEvent(TimeSpan Time, SupervisorState From, SupervisorState To, SupervisorReason Reason, string Message)
{
    public override string ToString() =>
        FormattableString.Invariant($"[{Time.TotalMilliseconds:0.0} ms] {From} -> {To} {Reason}: {Message}");
}

/// <summary>What one tick decided: the shaped command (already within limits), the state and the events of this tick.</summary>
public sealed record SupervisorOutput(TimeSpan Time, SupervisorState State, ActuatorCommand Command, IntentCommand? Intent, IReadOnlyList<SupervisorEvent> Events);
