namespace EdgeBci.Release.Tests.Deploy;

/// <summary>One <c>Key=Value</c> line of a systemd unit: where it is, for the failure message.</summary>
internal sealed record UnitDirective(string Section, string Key, string Value, int Line);

/// <summary>
/// The assignments of a systemd unit file in file order, as systemd reads them: <c>[Section]</c> headers,
/// <c>Key=Value</c> lines, <c>#</c> and <c>;</c> comments. A key may repeat (DeviceAllow=, ReadWritePaths=), and an
/// empty assignment is kept, because for list settings it means "reset" and for CapabilityBoundingSet= "none".
/// </summary>
internal sealed class UnitFile
{
    private readonly List<UnitDirective> _directives;

    private UnitFile(string path, List<UnitDirective> directives)
    {
        Path = path;
        _directives = directives;
    }

    public string Path { get; }

    public static UnitFile Load(string path)
    {
        var directives = new List<UnitDirective>();
        string? section = null;
        var lines = File.ReadAllLines(path);
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index].Trim();
            var number = index + 1;
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                // Not needed by our units, and a reader that half-understood continuations would test the wrong text.
                throw new FormatException($"{path} line {number}: line continuations are not supported by this reader; write one line per value.");
            }

            if (line[0] == '[')
            {
                section = line.EndsWith(']') ? line[1..^1] : throw new FormatException($"{path} line {number}: section header without ']': {line}");
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || section is null)
            {
                throw new FormatException($"{path} line {number}: expected Key=Value inside a [Section], found: {line}");
            }

            directives.Add(new UnitDirective(section, line[..equals].Trim(), line[(equals + 1)..].Trim(), number));
        }

        return new UnitFile(path, directives);
    }

    /// <summary>Every assignment of <paramref name="key"/> in [Service], in file order.</summary>
    public IReadOnlyList<UnitDirective> All(string key) => _directives.FindAll(d => d.Section == "Service" && d.Key == key);

    /// <summary>The single value of <paramref name="key"/> in [Service]; fails naming the file when it is missing or repeated.</summary>
    public string Single(string key)
    {
        var all = All(key);
        return all.Count == 1
            ? all[0].Value
            : throw new FormatException($"{Path}: expected exactly one {key}= in [Service], found {all.Count}{(all.Count > 1 ? $" (lines {string.Join(", ", all.Select(d => d.Line))})" : "")}.");
    }

    public bool Has(string key) => All(key).Count > 0;

    /// <summary>The space-separated words of every assignment of a list setting, after the last empty (resetting) one.</summary>
    public IReadOnlyList<string> Words(string key)
    {
        var words = new List<string>();
        foreach (var directive in All(key))
        {
            if (directive.Value.Length == 0)
            {
                words.Clear();
                continue;
            }

            words.AddRange(directive.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        return words;
    }

    /// <summary>systemd's boolean: absent is <paramref name="absent"/>; anything but a boolean word is an error naming the line.</summary>
    public bool Boolean(string key, bool absent = false)
    {
        var all = All(key);
        if (all.Count == 0)
        {
            return absent;
        }

        var last = all[^1];
        return last.Value.ToLowerInvariant() switch
        {
            "yes" or "true" or "on" or "1" => true,
            "no" or "false" or "off" or "0" => false,
            _ => throw new FormatException($"{Path} line {last.Line}: {key}={last.Value} is not a boolean."),
        };
    }
}
