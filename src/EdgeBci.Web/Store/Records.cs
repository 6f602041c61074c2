namespace EdgeBci.Web.Store;

/// <summary>A wearer known to the camp; <paramref name="Id"/> is the same id as the wearer's folder on the unit.</summary>
public sealed record WearerRecord(string Id, string DisplayName, DateTimeOffset Created);

/// <summary>
/// One cued calibration session. Begun when the session starts and finished when the gate's verdict is known: a record
/// with <paramref name="Finished"/> null is a session the firmware was stopped or killed during.
/// </summary>
/// <param name="Verdict">"passed", "refused" or null (not finished, or ended before the gate).</param>
/// <param name="RecordingPath">The session's BDF+ recording (the EEG stays in files, the database only points at it).</param>
/// <param name="ReportPath">The gate's report.html.</param>
/// <param name="BundlePath">The trained model bundle, when one was written.</param>
/// <param name="Installed">The passed model was written where the decoder loads it from.</param>
public sealed record CalibrationRecord(
    string Id,
    string WearerId,
    DateTimeOffset Started,
    DateTimeOffset? Finished,
    bool Completed,
    int Trials,
    double? Accuracy,
    double? Chance,
    double? ItrBitsPerMinute,
    string? Verdict,
    string? VerdictText,
    string? RecordingPath,
    string? ReportPath,
    string? BundlePath,
    bool Installed);

/// <summary>One neurofeedback session, saved whole when it ends.</summary>
/// <param name="Seconds">Seconds of the session with a ready focus index (time without signal counts neither in nor out).</param>
/// <param name="Score">Time in the target zone over the usable time (SecondsInZone / Seconds).</param>
/// <param name="NextTargetLow">The adapted threshold for the wearer's next session, as a focus score in this session's baseline range.</param>
public sealed record FocusSessionRecord(
    string Id,
    string WearerId,
    DateTimeOffset Started,
    DateTimeOffset? Finished,
    bool Completed,
    double BaselineLow,
    double BaselineHigh,
    double TargetLow,
    double TargetHigh,
    double Seconds,
    double SecondsInZone,
    double Score,
    double NextTargetLow);
