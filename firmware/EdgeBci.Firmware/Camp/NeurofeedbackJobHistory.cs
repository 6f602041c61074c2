using EdgeBci.Web.Store;

namespace EdgeBci.Firmware;

/// <summary>
/// The focus sessions the <see cref="NeurofeedbackJob"/> reads its threshold from and saves into: the camp database's
/// FocusSessions store (<see cref="CampFocusHistory"/>), or a test's. A session's <c>Seconds</c> are those with a ready
/// focus index (the score's denominator); its <c>NextTargetLow</c> is the next threshold as a focus score in this
/// session's baseline range, which the next session reads back as a place in its own, freshly measured range.
/// </summary>
internal interface IFocusSessionHistory
{
    /// <summary>The wearer's most recently started session, or null.</summary>
    FocusSessionRecord? LatestForWearer(string wearerId);

    /// <summary>Saves an ended session, committed before it returns.</summary>
    void Save(FocusSessionRecord session);
}

/// <summary>The job's focus sessions in the unit's camp database.</summary>
internal sealed class CampFocusHistory(CampDatabase database) : IFocusSessionHistory
{
    public FocusSessionRecord? LatestForWearer(string wearerId) => database.FocusSessions.LatestForWearer(wearerId);

    public void Save(FocusSessionRecord session) => database.FocusSessions.Save(session);
}
