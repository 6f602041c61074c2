namespace EdgeBci.Firmware;

/// <summary>A "focus" event's data, four times a second (camelCase on the page's stream).</summary>
/// <param name="Phase">"baseline" or "session".</param>
/// <param name="Score">The focus index, 0..1; null while it is not ready.</param>
/// <param name="TargetLow">The zone's low edge; null during the baseline.</param>
/// <param name="Elapsed">Seconds into the phase.</param>
/// <param name="Duration">The phase's length in seconds.</param>
/// <param name="SecondsInZone">The session's seconds in the zone so far (0 during the baseline).</param>
/// <param name="BaselineLow">The wearer's range from the baseline (the page scales the bar to it); null during the baseline.</param>
internal sealed record FocusEventData(
    string Phase, double? Score, bool Ready, double? TargetLow, double? TargetHigh, bool InZone, double Elapsed, double Duration, double SecondsInZone,
    double? BaselineLow = null, double? BaselineHigh = null);

/// <summary>The "ended" event's data of a neurofeedback run.</summary>
/// <param name="Score">Time in zone over usable time, when the session got that far.</param>
internal sealed record FocusEndedData(string Kind, string State, string Detail, string? FocusSessionId, double? Score);
