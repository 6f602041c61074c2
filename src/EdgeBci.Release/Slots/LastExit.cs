namespace EdgeBci.Release.Slots;

/// <summary>
/// The <c>last-exit</c> file, written by the guard after each stop in a trial: how systemd saw the firmware end
/// (<c>$SERVICE_RESULT</c>, <c>$EXIT_CODE</c>, <c>$EXIT_STATUS</c>).
/// </summary>
public sealed record LastExit(DateTimeOffset At, string Result, string Code, string Status)
{
    /// <summary>The last exit in <paramref name="folder"/>, or null when none was written.</summary>
    /// <exception cref="FormatException">A line or a value is unusable; the message names file, line and key.</exception>
    public static LastExit? ReadIfPresent(string folder)
    {
        var path = Path.Combine(folder, ReleaseFiles.LastExit);
        var values = KeyValueFile.ReadIfPresent(path);
        return values is null
            ? null
            : new LastExit(ReleaseFiles.Time(path, values, "at"), ReleaseFiles.Optional(values, "result"),
                ReleaseFiles.Optional(values, "code"), ReleaseFiles.Optional(values, "status"));
    }

    public string Describe() => $"{Result} ({Code} {Status}) at {ReleaseFiles.FormatTime(At)}";
}
