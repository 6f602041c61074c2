namespace EdgeBci.Release.Slots;

/// <summary>The <c>health</c> file: the firmware's last verdict on the trial it runs, with its one-line reason.</summary>
public sealed record HealthRecord(DateTimeOffset At, bool Healthy, string Reason)
{
    /// <summary>The verdict in <paramref name="folder"/>, or null when the firmware has written none.</summary>
    /// <exception cref="FormatException">A line or a value is unusable; the message names file, line and key.</exception>
    public static HealthRecord? ReadIfPresent(string folder)
    {
        var path = Path.Combine(folder, ReleaseFiles.Health);
        var values = KeyValueFile.ReadIfPresent(path);
        if (values is null)
        {
            return null;
        }

        var healthy = ReleaseFiles.Required(path, values, "healthy") switch
        {
            "yes" => true,
            "no" => false,
            _ => throw ReleaseFiles.Bad(path, "healthy", "is not yes or no"),
        };
        return new HealthRecord(ReleaseFiles.Time(path, values, "at"), healthy, ReleaseFiles.Optional(values, "reason"));
    }

    public void Write(string folder) =>
        KeyValueFile.WriteAtomically(Path.Combine(folder, ReleaseFiles.Health),
            [new("at", ReleaseFiles.FormatTime(At)), new("healthy", Healthy ? "yes" : "no"), new("reason", OneLine(Reason))]);

    /// <summary>A reason is shown on one line (journal, status); a stray line break must not split the file's record.</summary>
    private static string OneLine(string reason) => reason.ReplaceLineEndings(" ");
}
