using System.Globalization;

namespace EdgeBci.Release.Slots;

/// <summary>
/// The names of the unit's release files in the state folder, and the checks on their values that every reader shares,
/// so a bad value is reported the same way (file, line, key) whichever file it is in.
/// </summary>
public static class ReleaseFiles
{
    /// <summary>The state folder on a unit (root:edgebci, 0770).</summary>
    public const string DefaultStateFolder = "/var/lib/edgebci/release";

    public const string State = "state";
    public const string Good = "good";
    public const string Health = "health";
    public const string LastExit = "last-exit";
    public const string Rollback = "rollback";
    public const string RollbackPublished = "rollback.published";

    /// <summary>The slots a unit has (<c>/opt/edgebci/slots/a</c> and <c>b</c>).</summary>
    public static IReadOnlyList<string> Slots { get; } = ["a", "b"];

    internal static string Required(string path, IReadOnlyDictionary<string, string> values, string key)
    {
        if (!values.TryGetValue(key, out var value))
        {
            throw new FormatException($"{path}: no {key}= line.");
        }

        if (value.Length == 0)
        {
            throw Bad(path, key, "is empty");
        }

        return value;
    }

    internal static string Optional(IReadOnlyDictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var value) ? value : string.Empty;

    internal static string Slot(string path, IReadOnlyDictionary<string, string> values, string key)
    {
        var slot = Required(path, values, key);
        return IsSlot(slot) ? slot : throw Bad(path, key, $"is not a slot ({string.Join(" or ", Slots)})");
    }

    internal static bool IsSlot(string value) => value is "a" or "b";

    internal static DateTimeOffset Time(string path, IReadOnlyDictionary<string, string> values, string key)
    {
        var text = Required(path, values, key);
        return DateTimeOffset.TryParseExact(text, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : throw Bad(path, key, "is not a UTC time like 2026-12-06T16:00:00Z");
    }

    internal static int Count(string path, IReadOnlyDictionary<string, string> values, string key)
    {
        var text = Required(path, values, key);
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : throw Bad(path, key, "is not a whole number");
    }

    /// <summary>The UTC second the files carry: written and read in one format, so the bash guard compares them as text.</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A value the reader cannot use, named by file, line and key. The line is looked up only for the message: the
    /// values themselves come from <see cref="KeyValueFile"/>, the one reader of the format.
    /// </summary>
    internal static FormatException Bad(string path, string key, string problem)
    {
        var line = 0;
        var value = string.Empty;
        try
        {
            var number = 0;
            foreach (var text in File.ReadLines(path))
            {
                number++;
                if (text.StartsWith(key + "=", StringComparison.Ordinal))
                {
                    line = number;
                    value = text[(key.Length + 1)..];
                    break;
                }
            }
        }
        catch (IOException)
        {
            // The file changed under us: the message names file and key without the line.
        }

        var where = line > 0 ? string.Create(CultureInfo.InvariantCulture, $"{path} line {line}") : path;
        return new FormatException($"{where}: {key}={value} {problem}.");
    }
}
