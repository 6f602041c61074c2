namespace EdgeBci.Firmware;

/// <summary>How a camp run ended, for its <see cref="EdgeBci.Web.Seams.CampRun"/>.</summary>
/// <param name="State">"completed", "passed", "refused", "cancelled" or "failed".</param>
/// <param name="Detail">Plain words: what the run achieved, or why it ended as it did.</param>
/// <param name="RecordId">The record the run saved (a calibration or a focus session), null when it saved none.</param>
internal sealed record CampRunOutcome(string State, string Detail, string? RecordId = null);
