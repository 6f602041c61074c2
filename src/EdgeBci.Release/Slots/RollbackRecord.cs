namespace EdgeBci.Release.Slots;

/// <summary>
/// The <c>rollback</c> file, written by the guard when it switched back to the previous slot, and its companion
/// <c>rollback.published</c>, written by the firmware once the rollback's event is in the uplink's journal.
/// </summary>
public sealed record RollbackRecord(DateTimeOffset At, string Release, string From, string To, string FromVersion, string ToVersion, string Reason)
{
    /// <summary>The last rollback in <paramref name="folder"/>, or null when the unit never rolled back.</summary>
    /// <exception cref="FormatException">A line or a value is unusable; the message names file, line and key.</exception>
    public static RollbackRecord? ReadIfPresent(string folder)
    {
        var path = Path.Combine(folder, ReleaseFiles.Rollback);
        var values = KeyValueFile.ReadIfPresent(path);
        return values is null
            ? null
            : new RollbackRecord(ReleaseFiles.Time(path, values, "at"), ReleaseFiles.Required(path, values, "release"),
                ReleaseFiles.Slot(path, values, "from"), ReleaseFiles.Slot(path, values, "to"),
                ReleaseFiles.Optional(values, "from_version"), ReleaseFiles.Optional(values, "to_version"),
                ReleaseFiles.Optional(values, "reason"));
    }

    /// <summary>True when the firmware already published this rollback (its <c>at</c> is in <c>rollback.published</c>).</summary>
    /// <exception cref="FormatException">rollback.published is unusable; the message names file, line and key.</exception>
    public bool IsPublished(string folder)
    {
        var path = Path.Combine(folder, ReleaseFiles.RollbackPublished);
        var values = KeyValueFile.ReadIfPresent(path);
        return values is not null && ReleaseFiles.Time(path, values, "at") == At;
    }

    public void MarkPublished(string folder) =>
        KeyValueFile.WriteAtomically(Path.Combine(folder, ReleaseFiles.RollbackPublished), [new("at", ReleaseFiles.FormatTime(At))]);

    public string Describe() => $"release {Release} rolled back from slot {From} to {To}: {Reason}";
}
