using EdgeBci.Web.Store;

namespace EdgeBci.Web.Api;

/// <summary>The page's history over the unit's camp database.</summary>
/// <param name="validateWearerId">The wearer-id rule of the wearers' folders (throws <see cref="ArgumentException"/> naming the id), so an id the page creates is one a calibration can record into.</param>
public sealed class StoredCampHistory(CampDatabase database, Action<string> validateWearerId) : ICampHistory
{
    public IReadOnlyList<WearerRecord> Wearers() => database.Wearers.List();

    public WearerRecord? Wearer(string id) => database.Wearers.Get(id);

    public WearerRecord EnsureWearer(string id, string displayName)
    {
        validateWearerId(id);
        return database.Wearers.Ensure(id, displayName);
    }

    public IReadOnlyList<CalibrationRecord> Calibrations(string wearerId) => database.Calibrations.ListForWearer(wearerId);

    public IReadOnlyList<FocusSessionRecord> FocusSessions(string wearerId) => database.FocusSessions.ListForWearer(wearerId);

    public string? ReportPath(string calibrationId) => database.Calibrations.Get(calibrationId)?.ReportPath;
}
