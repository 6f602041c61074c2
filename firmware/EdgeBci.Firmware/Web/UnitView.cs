using EdgeBci.Acquisition;
using EdgeBci.Control.Supervision;
using EdgeBci.Web.Seams;

namespace EdgeBci.Firmware;

/// <summary>
/// What the unit is now, for the wearer's page, read from the values the stages publish for other threads (the signal
/// stage's once-a-second channel report, the decoder's status and last decision, the focus meter's score, the
/// supervisor's last tick): never a stage's own state, never a wait on a stage's thread.
/// </summary>
internal sealed class UnitView(
    FrontEnd frontEnd,
    TelemetryStage telemetry,
    SignalService signal,
    DecodingStage decodingStage,
    DecodingService decoding,
    SupervisorService supervisor,
    StartupImpedance impedance) : IUnitView
{
    public string DeviceId => telemetry.DeviceId;

    public IReadOnlyList<string> ChannelNames => frontEnd.ChannelNames;

    public int SampleRate => frontEnd.SampleRate;

    public ElectrodeSnapshot Electrodes()
    {
        var measured = impedance.Last;
        return new ElectrodeSnapshot(ElectrodeWords.Describe(frontEnd.ChannelNames, signal.Channels, measured?.Electrodes), measured?.Measured);
    }

    public UnitStatus Status()
    {
        var last = supervisor.Last;
        var actuator = supervisor.Actuator;
        string? intent = null;
        double? confidence = null;
        if (decoding.Decisions > 0 && decoding.LastDecision is { EvidenceClassName: { } evidenceClass } decision)
        {
            // A window rejected for a dead channel says why ("rejected: C3 railed") rather than the decaying evidence's class.
            intent = decision.Rejection ?? evidenceClass;
            confidence = double.IsFinite(decision.Evidence) ? Math.Round(decision.Evidence, 3) : null;
        }

        var focus = decodingStage.Focus.Score;
        var focusReady = double.IsFinite(focus);
        return new UnitStatus(
            last?.State.ToString() ?? "Boot",
            last?.State is SupervisorState.Armed or SupervisorState.Active,
            StatusWords.Output(actuator.Neutral, actuator.Output, last?.Intent is { } command ? IntentCommands.Name(command) : null),
            intent,
            confidence,
            focusReady ? Math.Round(focus, 3) : null,
            focusReady,
            StatusWords.Model(decoding.Status));
    }
}

/// <summary>The supervisor's output and the decoder's model in the page's words.</summary>
internal static class StatusWords
{
    /// <summary>"neutral", or the intent with the command ("turn-left: v 0 m/s, ω 0.4 rad/s").</summary>
    public static string Output(bool neutral, string command, string? intent) =>
        neutral ? "neutral" : intent is null ? command : $"{intent}: {command}";

    /// <summary>The model running ("s001-rest-left-right 2026.11.25") or why none may be acted on, and what waits to take over.</summary>
    public static string Model(DecoderStatus status) => status switch
    {
        { ModelVerified: true, Healthy: true, ModelId: { } id } => status.Staged is null ? $"{id} {status.ModelVersion}" : $"{id} {status.ModelVersion}; {status.Staged} staged, takes effect when disarmed",
        _ => status.Describe(),
    };
}
