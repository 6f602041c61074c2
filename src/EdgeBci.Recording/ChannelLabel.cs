namespace EdgeBci.Recording;

/// <summary>
/// Electrode names as people type them. Recordings spell the same site many ways ("Fc3." in eegmmidb,
/// "EEG FC3" in BDF+ files we write, "FC3-REF" elsewhere); matching on the normalized form maps them by name.
/// </summary>
public static class ChannelLabel
{
    public static string Normalize(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var span = label.AsSpan().Trim();
        if (span.StartsWith("EEG ", StringComparison.OrdinalIgnoreCase))
        {
            span = span[4..].TrimStart();
        }

        if (span.EndsWith("-REF", StringComparison.OrdinalIgnoreCase))
        {
            span = span[..^4];
        }

        span = span.TrimEnd('.').TrimEnd();
        return span.ToString().ToUpperInvariant();
    }

    /// <summary>Index of <paramref name="wanted"/> in <paramref name="labels"/>: exact (trimmed) first, then normalized; -1 if absent.</summary>
    public static int Find(IReadOnlyList<string> labels, string wanted)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(wanted);
        var trimmed = wanted.Trim();
        for (var i = 0; i < labels.Count; i++)
        {
            if (string.Equals(labels[i].Trim(), trimmed, StringComparison.Ordinal))
            {
                return i;
            }
        }

        var normalized = Normalize(wanted);
        for (var i = 0; i < labels.Count; i++)
        {
            if (string.Equals(Normalize(labels[i]), normalized, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
