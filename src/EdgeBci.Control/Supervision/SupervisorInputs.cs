namespace EdgeBci.Control.Supervision;

/// <summary>
/// The decoder's latest decision.
/// </summary>
/// <param name="ClassName">Decoded class, mapped to a command by the policy.</param>
/// <param name="Confidence">This window's probability of <paramref name="ClassName"/> (0..1).</param>
/// <param name="Evidence">Evidence accumulated over recent windows for <paramref name="ClassName"/> (0..1).</param>
/// <param name="SampleIndex">Index of the window's last sample; a decision with the same index is not a new one.</param>
/// <param name="DataTime">Control-clock time of the window's last sample: the age of what the decision describes.</param>
/// <param name="ReceivedAt">Control-clock time the decision reached the supervisor's inputs.</param>
public sealed record IntentDecision(string ClassName, double Confidence, double Evidence, long SampleIndex, TimeSpan DataTime, TimeSpan ReceivedAt);

/// <summary>Quality of one EEG channel as the acquisition and signal stages judge it.</summary>
/// <param name="Name">The electrode.</param>
/// <param name="QualityGood">Not bad now (not railed, flat, constant, lead-off).</param>
/// <param name="LeadOff">The chip's lead-off comparator reports it off.</param>
/// <param name="Railing">Its newest raw samples are at the rail.</param>
/// <param name="Settling">
/// The signal stage's quality memory does not count it good yet: it was bad less than Signal:QualityHoldOffSeconds
/// ago, or since switch-on, or it has no verdict yet. Arming needs every required channel good for that whole time.
/// </param>
/// <param name="SettlingReason">Why it is settling, in the signal stage's words ("since switch-on", "after railed"); null if not known.</param>
public readonly record struct ChannelState(string Name, bool QualityGood, bool LeadOff = false, bool Railing = false, bool Settling = false,
    string? SettlingReason = null);

public enum RequestKind
{
    Arm,
    Disarm,
    Stop,

    /// <summary>Asking the platform to move. Never honoured: movement comes only from decoded intent.</summary>
    Move,
}

public enum RequestOrigin
{
    /// <summary>The arm button (a GPIO line) on the unit.</summary>
    LocalButton,

    /// <summary>The CLI on the unit itself (a console attached to it).</summary>
    LocalCli,

    /// <summary>Anything arriving over a network (MQTT, the companion app).</summary>
    Remote,
}

/// <summary>An edge from an operator: a button press, a CLI command, a remote message.</summary>
/// <param name="Kind">What is asked.</param>
/// <param name="Origin">Where it came from.</param>
/// <param name="Caller">
/// Who asked, when the channel knows (the local socket's peer credentials, e.g. "uid 1000 (pi)"); null when it does not.
/// Named in the events the request produces.
/// </param>
public readonly record struct OperatorRequest(RequestKind Kind, RequestOrigin Origin, string? Caller = null)
{
    public bool IsLocal => Origin is RequestOrigin.LocalButton or RequestOrigin.LocalCli;

    /// <summary>"LocalCli" or "uid 1000 (pi) (LocalCli)": who asked, for the event messages.</summary>
    public string Describe() => Caller is { Length: > 0 } caller ? $"{caller} ({Origin})" : Origin.ToString();
}

/// <summary>
/// Everything the supervisor observes at one tick, as plain values. Every default is the unsafe reading (no frame, no
/// decision, no channel, e-stop open, inhibit tripped, model unverified and unidentified, decoder unhealthy, focus
/// unknown, no acknowledgement): an input nobody reports stops, or (the inhibit) forbids the movement it guards.
/// </summary>
public sealed record SupervisorInputs
{
    /// <summary>Control-clock time of the last EEG frame.</summary>
    public TimeSpan? LastFrameTime { get; init; }

    public IntentDecision? LastDecision { get; init; }

    /// <summary>Quality of the channels; <see cref="ControlOptions.RequiredChannels"/> picks the ones that matter.</summary>
    public IReadOnlyList<ChannelState> Channels { get; init; } = [];

    /// <summary>The e-stop loop is closed (true) or open/broken (false).</summary>
    public bool EStopClosed { get; init; }

    /// <summary>The obstacle/inhibit input has tripped; tripped until someone reports it clear.</summary>
    public bool InhibitTripped { get; init; } = true;

    /// <summary>The model bundle was verified (hashes checked) and loaded.</summary>
    public bool ModelVerified { get; init; }

    /// <summary>
    /// The loaded model's id and version (e.g. "eegmmidb-lr v3"); null while unknown, which refuses arming. A change
    /// while armed is a <see cref="SupervisorReason.ModelFault"/> STOP.
    /// </summary>
    public string? ModelIdentity { get; init; }

    /// <summary>The decoder runs without errors.</summary>
    public bool DecoderHealthy { get; init; }

    /// <summary>Focus index 0..1, when the signal stage computes one.</summary>
    public double? Focus { get; init; }

    /// <summary>Control-clock time of the actuator's last acknowledgement.</summary>
    public TimeSpan? ActuatorAcknowledged { get; init; }

    /// <summary>Operator edges since the previous tick, in order.</summary>
    public IReadOnlyList<OperatorRequest> Requests { get; init; } = [];

    /// <summary>Unhandled exceptions anywhere in the pipeline so far (a count: any increase is a STOP).</summary>
    public long PipelineFaults { get; init; }

    public string? LastPipelineFault { get; init; }
}
