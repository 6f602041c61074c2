using System.Globalization;
using System.Text;

namespace EdgeBci.Release.Slots;

/// <summary>
/// The unit's release files in <c>/var/lib/edgebci/release/</c>: <c>key=value</c> lines, no quotes, LF. The format is
/// this plain because the slot guard that writes most of them is bash (it must not depend on the release it guards);
/// this is the one C# reader and writer of it.
/// </summary>
public static class KeyValueFile
{
    /// <summary>The file's keys and values; null when the file does not exist.</summary>
    /// <exception cref="FormatException">A line is not <c>key=value</c>, or a key repeats; the message names file and line.</exception>
    public static IReadOnlyDictionary<string, string>? ReadIfPresent(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path, Encoding.UTF8);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index];
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !IsKey(line.AsSpan(0, equals)))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path} line {index + 1}: expected key=value, found \"{line}\"."));
            }

            if (!values.TryAdd(line[..equals], line[(equals + 1)..]))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path} line {index + 1}: {line[..equals]} appears twice."));
            }
        }

        return values;
    }

    /// <summary>
    /// Replaces the file in one rename after its bytes are on disk, so a power cut leaves the old file or the new one,
    /// never half of either.
    /// </summary>
    public static void WriteAtomically(string path, IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(values);
        var text = new StringBuilder();
        foreach (var (key, value) in values)
        {
            if (!IsKey(key) || value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{key}' cannot be written as one key=value line.", nameof(values));
            }

            text.Append(key).Append('=').Append(value).Append('\n');
        }

        var full = Path.GetFullPath(path);
        var temporary = full + ".tmp." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, full, overwrite: true);
    }

    private static bool IsKey(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_' && c != '.' && c != '-')
            {
                return false;
            }
        }

        return true;
    }
}
