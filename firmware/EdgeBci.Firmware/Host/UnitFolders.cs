namespace EdgeBci.Firmware;

/// <summary>Where the firmware keeps its data: the unit's folder under /var/lib/edgebci when it can write there, else the temp folder.</summary>
internal static class UnitFolders
{
    /// <summary>
    /// <paramref name="configured"/> when set; otherwise /var/lib/edgebci/<paramref name="name"/> on a unit (the
    /// firmware's StateDirectory), else &lt;temp&gt;/<paramref name="fallbackName"/> for a developer's run without root.
    /// </summary>
    public static string Resolve(string configured, string name, string fallbackName)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        var unit = Path.Combine("/var/lib/edgebci", name);
        try
        {
            Directory.CreateDirectory(unit);
            return unit;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Path.Combine(Path.GetTempPath(), fallbackName);
        }
    }
}
