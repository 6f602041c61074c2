namespace EdgeBci.Web.Api;

/// <summary>
/// The camp's records as the page's API reads and writes them. The unit implements it over the SQLite store
/// (<c>EdgeBci.Web.Store.CampDatabase</c>); the views carry the store records' fields one to one.
/// </summary>
public interface ICampHistory
{
    IReadOnlyList<WearerView> Wearers();

    /// <summary>Null when no wearer has that id.</summary>
    WearerView? Wearer(string id);

    /// <summary>Creates the wearer, or returns the existing one with that id.</summary>
    /// <exception cref="ArgumentException">The id is not a valid wearer id (WearerFolder.ValidateId's rule); the message names it.</exception>
    WearerView EnsureWearer(string id, string displayName);

    /// <summary>The wearer's calibrations, oldest first.</summary>
    IReadOnlyList<CalibrationView> Calibrations(string wearerId);

    /// <summary>The wearer's focus sessions, oldest first.</summary>
    IReadOnlyList<FocusSessionView> FocusSessions(string wearerId);

    /// <summary>The report.html of that calibration; null when the calibration is unknown or has no report.</summary>
    string? ReportPath(string calibrationId);
}

public sealed record WearerView(string Id, string DisplayName, DateTimeOffset Created);

public sealed record CalibrationView(
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

public sealed record FocusSessionView(
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
