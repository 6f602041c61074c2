namespace EdgeBci.Firmware;

/// <summary>
/// The focus sessions the <see cref="NeurofeedbackJob"/> reads its threshold from and saves into: the camp database's
/// FocusSessions store (<c>LatestForWearer</c>, <c>Save</c>). A seam of its own because the store was written in
/// parallel; the adapter over <c>CampDatabase.FocusSessions</c> maps <see cref="FocusSessionSummary"/> field by field to
/// <c>FocusSessionRecord</c>.
/// </summary>
internal interface IFocusSessionHistory
{
    /// <summary>The wearer's most recently started session, or null.</summary>
    FocusSessionSummary? LatestForWearer(string wearerId);

    /// <summary>Saves an ended session, committed before it returns.</summary>
    void Save(FocusSessionSummary session);
}

/// <summary>One neurofeedback session as stored: the fields of the store's FocusSessionRecord, in its order.</summary>
/// <param name="Seconds">Seconds of the session with a ready focus index (the score's denominator).</param>
/// <param name="Score">SecondsInZone / Seconds.</param>
/// <param name="NextTargetLow">
/// The next session's threshold as a focus score in this session's baseline range (baseline low + t·(high − low)):
/// the next session reads t back from it and places it in its own, freshly measured range.
/// </param>
internal sealed record FocusSessionSummary(
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
