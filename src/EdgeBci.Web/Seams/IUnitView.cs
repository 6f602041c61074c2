namespace EdgeBci.Web.Seams;

/// <summary>
/// What the unit is now, for the page's API and its once-a-second status event. The firmware implements it over its
/// stages; any thread, quick, never throws (a stage that has nothing yet answers with what it knows).
/// </summary>
public interface IUnitView
{
    string DeviceId { get; }

    /// <summary>The front-end's channels in order, as 10-20 labels (FC3, C3, Cz, ...).</summary>
    IReadOnlyList<string> ChannelNames { get; }

    /// <summary>The front-end's sample rate (samples per second per channel).</summary>
    int SampleRate { get; }

    ElectrodeSnapshot Electrodes();

    UnitStatus Status();
}

/// <summary>One electrode as the wearer's carer needs it to fix it.</summary>
/// <param name="Quality">"good", "noisy", "bad" or "settling".</param>
/// <param name="Reason">Empty when good; else plain words (lead-off, railed, flat line, line noise ...).</param>
/// <param name="ImpedanceKiloohms">The last impedance measured, null when never measured.</param>
/// <param name="ImpedanceQuality">"good", "fair", "poor" or "open" with the impedance; null without.</param>
public sealed record ElectrodeState(string Channel, string Quality, string Reason, double RmsMicrovolts, double? ImpedanceKiloohms, string? ImpedanceQuality);

/// <param name="ImpedanceMeasured">When the impedances were measured; null when they never were.</param>
public sealed record ElectrodeSnapshot(IReadOnlyList<ElectrodeState> Channels, DateTimeOffset? ImpedanceMeasured);

/// <param name="Supervisor">The supervisor's state (Disarmed, Armed, SafeStop, ...).</param>
/// <param name="Output">The actuator's output in words ("neutral", "turn-left 0.40").</param>
/// <param name="Intent">The decoder's last decision, null before the first.</param>
/// <param name="Focus">The focus index 0..1, null before it is ready.</param>
/// <param name="Model">The decoder's model (name and version) or why there is none.</param>
public sealed record UnitStatus(string Supervisor, bool Armed, string Output, string? Intent, double? Confidence, double? Focus, bool FocusReady, string Model);
