namespace EdgeBci.Release.Slots;

/// <summary>
/// The <c>good</c> file: the firmware's word that the trial release held healthy (or an engineer's commit). It commits
/// the trial only when it names the slot and version the state is trying; the guard folds it into the state at the
/// next start.
/// </summary>
public sealed record GoodMark(string Slot, string Version, DateTimeOffset At)
{
    /// <summary>The mark in <paramref name="folder"/>, or null when there is none.</summary>
    /// <exception cref="FormatException">A line or a value is unusable; the message names file, line and key.</exception>
    public static GoodMark? ReadIfPresent(string folder)
    {
        var path = Path.Combine(folder, ReleaseFiles.Good);
        var values = KeyValueFile.ReadIfPresent(path);
        return values is null
            ? null
            : new GoodMark(ReleaseFiles.Slot(path, values, "slot"), ReleaseFiles.Required(path, values, "version"), ReleaseFiles.Time(path, values, "at"));
    }

    public bool Commits(SlotState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return string.Equals(Slot, state.Slot, StringComparison.Ordinal) && string.Equals(Version, state.Version, StringComparison.Ordinal);
    }

    public void Write(string folder) =>
        KeyValueFile.WriteAtomically(Path.Combine(folder, ReleaseFiles.Good),
            [new("slot", Slot), new("version", Version), new("at", ReleaseFiles.FormatTime(At))]);
}
