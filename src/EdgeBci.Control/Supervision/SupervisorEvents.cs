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

    /// <summary>
    /// A local arm request while a precondition fails, one that lost to a stop or disarm in the same tick, or an arm
    /// button press with no request to confirm; nothing changes.
    /// </summary>
    ArmRefused,

    /// <summary>
    /// An arm request from the unit's CLI where the arm button is wired: it arms only when the button confirms it within
    /// <see cref="ArmConfirmation.Window"/>.
    /// </summary>
    ArmPending,

    /// <summary>A pending arm request was not confirmed by the arm button in time; nothing changes.</summary>
    ArmExpired,

    /// <summary>A remote (or non-intent) request to arm or move; refused and recorded.</summary>
    RequestRefused,

    /// <summary>Armed → Active: a move intent held its evidence for the dwell time.</summary>
    MoveStarted,

    /// <summary>Disarmed on the unit: a controlled stop (the command ramps down), then nothing moves until re-armed.</summary>
    LocalDisarm,

    /// <summary>Disarmed from the network: a controlled stop like <see cref="LocalDisarm"/>.</summary>
    RemoteDisarm,

    /// <summary>The control loop was shut down (switch-off): outputs neutral at once.</summary>
    Shutdown,

    // Intent stops: back to Armed (not latched); controlled (the command ramps down) except Inhibited (neutral at once).

    /// <summary>The decoded class maps to stop (rest), or to no policy entry.</summary>
    IntentStop,

    /// <summary>Evidence or confidence of the moving intent fell below its threshold.</summary>
    ConfidenceDrop,

    /// <summary>The held intent was released: the decoded class changed.</summary>
    IntentReleased,

    /// <summary>Shared control: the obstacle/inhibit input forbids this movement. Neutral at once (an obstacle ahead), not latched.</summary>
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

    /// <summary>Intent stops: back to Armed, not latched.</summary>
    public static bool IsIntentStop(SupervisorReason reason) => reason is >= SupervisorReason.IntentStop and <= SupervisorReason.FocusLow;

    /// <summary>
    /// How a stop for <paramref name="reason"/> brings the command to neutral: every STOP rule, switch-off and the
    /// obstacle input at once; the intent stops and a disarm on the deceleration ramps. None for a reason that is not a stop.
    /// </summary>
    public static StopKind StopKindOf(SupervisorReason reason) => reason switch
    {
        _ when IsLatching(reason) => StopKind.Emergency,
        SupervisorReason.Shutdown or SupervisorReason.Inhibited => StopKind.Emergency,
        SupervisorReason.LocalDisarm or SupervisorReason.RemoteDisarm => StopKind.Controlled,
        _ when IsIntentStop(reason) => StopKind.Controlled,
        _ => StopKind.None,
    };
}

/// <summary>How a stop brings the command to neutral.</summary>
public enum StopKind
{
    /// <summary>Not a stop.</summary>
    None,

    /// <summary>
    /// The command ramps down at <see cref="ControlOptions.Deceleration"/> / <see cref="ControlOptions.AngularDeceleration"/>
    /// while every precondition holds; any fault during the ramp cuts it to neutral at once.
    /// </summary>
    Controlled,

    /// <summary>Neutral in the tick the cause is seen; the platform brakes at its fastest.</summary>
    Emergency,
}

/// <summary>A transition (or a refused request, where <see cref="From"/> equals <see cref="To"/>) with its reason.</summary>
public sealed record SupervisorEvent(TimeSpan Time, SupervisorState From, SupervisorState To, SupervisorReason Reason, string Message)
{
    /// <summary>How this event's stop brings the command to neutral (<see cref="StopKind.None"/> when it is not a stop).</summary>
    public StopKind StopKind => SupervisorReasons.StopKindOf(Reason);

    public override string ToString() =>
        FormattableString.Invariant($"[{Time.TotalMilliseconds:0.0} ms] {From} -> {To} {Reason}: {Message}");
}

/// <summary>What one tick decided: the shaped command (already within limits), the state and the events of this tick.</summary>
/// <param name="Time">The tick's control-clock time.</param>
/// <param name="State">The state after the tick.</param>
/// <param name="Command">The one command for the actuator.</param>
/// <param name="Intent">The intent being executed while Active.</param>
/// <param name="Events">This tick's transitions and refusals, in order.</param>
/// <param name="Ramping">
/// A controlled stop is under way: <paramref name="Command"/> is not neutral but only decreasing toward it (the state is
/// Armed, or Disarmed after a disarm). False once it reaches neutral, or when a fault cuts it.
/// </param>
public sealed record SupervisorOutput(TimeSpan Time, SupervisorState State, ActuatorCommand Command, IntentCommand? Intent, IReadOnlyList<SupervisorEvent> Events,
    bool Ramping = false);
