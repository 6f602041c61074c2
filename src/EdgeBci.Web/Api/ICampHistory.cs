using EdgeBci.Web.Store;

namespace EdgeBci.Web.Api;

/// <summary>
/// The camp's records as the page's API reads and writes them. The unit implements it over the SQLite store
/// (<c>EdgeBci.Web.Store.CampDatabase</c>) and answers with the store's own records.
/// </summary>
public interface ICampHistory
{
    IReadOnlyList<WearerRecord> Wearers();

    /// <summary>Null when no wearer has that id.</summary>
    WearerRecord? Wearer(string id);

    /// <summary>Creates the wearer, or returns the existing one with that id.</summary>
    /// <exception cref="ArgumentException">The id is not a valid wearer id (WearerFolder.ValidateId's rule); the message names it.</exception>
    WearerRecord EnsureWearer(string id, string displayName);

    /// <summary>The wearer's calibrations, oldest first.</summary>
    IReadOnlyList<CalibrationRecord> Calibrations(string wearerId);

    /// <summary>The wearer's focus sessions, oldest first.</summary>
    IReadOnlyList<FocusSessionRecord> FocusSessions(string wearerId);

    /// <summary>The report.html of that calibration; null when the calibration is unknown or has no report.</summary>
    string? ReportPath(string calibrationId);
}
