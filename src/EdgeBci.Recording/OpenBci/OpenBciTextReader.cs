using System.Globalization;

namespace EdgeBci.Recording;

/// <summary>
/// Reads OpenBCI text recordings of every kind in circulation, all of which put a packet counter in the first column
/// and the EXG channels in microvolts right after it:
/// <list type="bullet">
/// <item>OpenBCI GUI v4–v6: '%' header lines, a column header naming "EXG Channel n", then comma-separated rows.</item>
/// <item>OpenBCI GUI v1–v3: '%' header lines and comma-separated rows with no column header; v3 declares
/// "%Number of channels", v1/v2 do not.</item>
/// <item>BrainFlow <c>write_file</c>/file streamer CSV: tab-separated rows of the board's data (package number,
/// EEG channels, then accelerometer, analog, timestamp and marker rows), no header at all.</item>
/// </list>
/// Whatever the file does not state (rate, channel count) comes from <see cref="RecordingHints"/>; what it states
/// must agree with them. Channels keep the names of the column header; files without one get the GUI's names
/// "EXG Channel 0" .. "EXG Channel N-1", so one montage mapping serves every OpenBCI file of a board.
/// </summary>
public static class OpenBciTextReader
{
    private const string ExgPrefix = "EXG Channel";

    public static OpenBciRecording Read(string path) => Read(path, RecordingHints.None);

    public static OpenBciRecording Read(string path, RecordingHints hints)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path);
        return Read(reader, path, hints);
    }

    public static OpenBciRecording Read(TextReader reader, string origin) => Read(reader, origin, RecordingHints.None);

    public static OpenBciRecording Read(TextReader reader, string origin, RecordingHints hints)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(hints);
        var hintErrors = hints.Validate();
        if (hintErrors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, hintErrors), nameof(hints));
        }

        var header = new OpenBciHeader();
        var lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.StartsWith('%'))
            {
                header.Read(line, origin, lineNumber);
            }
            else if (!string.IsNullOrWhiteSpace(line))
            {
                break;
            }
        }

        if (line is null)
        {
            throw new OpenBciFormatException(origin, lineNumber, header.Present
                ? "the header is followed by no column header line ('Sample Index, EXG Channel 0, ...') and no samples"
                : "the file is empty");
        }

        var separator = line.Contains('\t', StringComparison.Ordinal) ? '\t' : ',';
        var firstRow = StartsWithNumber(line, separator) ? lineNumber : 0;
        var columns = firstRow != 0
            ? HeaderlessColumns(header, hints, origin, lineNumber)
            : ReadColumnHeader(line, origin, lineNumber, header, hints);
        var sampleRate = SampleRate(header, hints, origin);

        var channels = new List<double>[columns.Exg.Length];
        for (var c = 0; c < channels.Length; c++)
        {
            channels[c] = new List<double>(32_768);
        }

        var indices = new List<long>(32_768);
        if (firstRow != 0)
        {
            ReadRow(line, origin, firstRow, separator, columns.Exg, channels, indices);
        }

        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.StartsWith('%'))
            {
                continue;
            }

            ReadRow(line, origin, lineNumber, separator, columns.Exg, channels, indices);
        }

        if (indices.Count == 0)
        {
            throw new OpenBciFormatException(origin, lineNumber, "the file has a header but no samples");
        }

        var microvolts = new double[channels.Length][];
        for (var c = 0; c < channels.Length; c++)
        {
            microvolts[c] = [.. channels[c]];
        }

        return new OpenBciRecording
        {
            SourcePath = origin,
            SampleRate = sampleRate,
            Board = header.Board,
            ChannelLabels = columns.Labels,
            Microvolts = microvolts,
            SampleIndices = [.. indices],
        };
    }

    /// <summary>"EXG Channel 0" .. "EXG Channel N-1": the names the OpenBCI GUI gives the EXG columns.</summary>
    public static string ExgLabel(int channel) => string.Create(CultureInfo.InvariantCulture, $"{ExgPrefix} {channel}");

    private static double SampleRate(OpenBciHeader header, RecordingHints hints, string origin)
    {
        if (header.SampleRate is { } declared)
        {
            if (hints.RateDisagrees(declared))
            {
                throw new OpenBciFormatException(origin, header.SampleRateLine, hints.RateConflict(declared));
            }

            return declared;
        }

        return hints.SampleRate ?? throw new OpenBciFormatException(origin, 1, header.Present
            ? $"the header has no '%Sample Rate = N Hz' line, so the sample rate is unknown; give it with {hints.SampleRateSetting}"
            : $"the file does not say its sample rate (BrainFlow CSV and headerless rows carry none); give it with {hints.SampleRateSetting}");
    }

    /// <summary>Rows without a column header: the packet counter, then the EXG channels, then whatever the board adds.</summary>
    private static Columns HeaderlessColumns(OpenBciHeader header, RecordingHints hints, string origin, int lineNumber)
    {
        int count;
        if (header.ChannelCount is { } declared)
        {
            if (hints.ChannelCountDisagrees(declared))
            {
                throw new OpenBciFormatException(origin, header.ChannelCountLine, hints.ChannelConflict(declared, "channels ('%Number of channels')"));
            }

            count = declared;
        }
        else
        {
            count = hints.ChannelCount ?? throw new OpenBciFormatException(origin, lineNumber, header.Present
                ? $"the rows have no column header and the header no '%Number of channels' line (OpenBCI GUI v1/v2), so the EXG channel count is unknown; give it with {hints.ChannelCountSetting}"
                : $"the file has no header (BrainFlow CSV or bare rows), so the EXG channel count is unknown; give it with {hints.ChannelCountSetting}");
        }

        var exg = new int[count];
        var labels = new string[count];
        for (var c = 0; c < count; c++)
        {
            exg[c] = c + 1;
            labels[c] = ExgLabel(c);
        }

        return new Columns(exg, labels);
    }

    private static Columns ReadColumnHeader(string line, string origin, int lineNumber, OpenBciHeader header, RecordingHints hints)
    {
        var names = line.Split(',');
        var columns = new List<int>();
        var labels = new List<string>();
        for (var i = 0; i < names.Length; i++)
        {
            var name = names[i].Trim();
            if (name.StartsWith(ExgPrefix, StringComparison.OrdinalIgnoreCase))
            {
                columns.Add(i);
                labels.Add(name);
            }
        }

        if (columns.Count == 0 || columns[0] == 0)
        {
            throw new OpenBciFormatException(origin, lineNumber, $"the column header names no '{ExgPrefix} n' columns after the sample index: '{Shorten(line)}'");
        }

        if (header.ChannelCount is { } declared && declared != columns.Count)
        {
            throw new OpenBciFormatException(origin, lineNumber, $"the header declares {declared} channels but the column header names {columns.Count} EXG channels");
        }

        if (hints.ChannelCountDisagrees(columns.Count))
        {
            throw new OpenBciFormatException(origin, lineNumber, hints.ChannelConflict(columns.Count, "EXG channels in its column header"));
        }

        return new Columns([.. columns], [.. labels]);
    }

    private static bool StartsWithNumber(string line, char separator)
    {
        var span = line.AsSpan();
        var end = span.IndexOf(separator);
        var cell = (end < 0 ? span : span[..end]).Trim();
        return double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
    }

    private static void ReadRow(string line, string origin, int lineNumber, char separator, int[] exgColumns, List<double>[] channels, List<long> indices)
    {
        var span = line.AsSpan();
        var column = 0;
        var exg = 0;
        var last = exgColumns[^1];
        foreach (var range in span.Split(separator))
        {
            if (column > last)
            {
                break;
            }

            var cell = span[range].Trim();
            if (column == 0)
            {
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var index) || !double.IsFinite(index))
                {
                    throw new OpenBciFormatException(origin, lineNumber, $"column 1 (sample index) '{cell}' is not a number");
                }

                indices.Add((long)index);
            }
            else if (exg < exgColumns.Length && column == exgColumns[exg])
            {
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var microvolts) || !double.IsFinite(microvolts))
                {
                    throw new OpenBciFormatException(origin, lineNumber, $"column {column + 1} ({ExgPrefix} {exg}) '{cell}' is not a number of microvolts");
                }

                channels[exg++].Add(microvolts);
            }

            column++;
        }

        if (exg != exgColumns.Length)
        {
            throw new OpenBciFormatException(origin, lineNumber,
                $"the row ends after {column} columns, but {ExgPrefix} {exg} is column {exgColumns[exg] + 1} ({exgColumns.Length} EXG channels after the sample index)");
        }
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "...";

    /// <summary>Where the EXG channels are in a row (0-based columns) and what they are called.</summary>
    private sealed record Columns(int[] Exg, string[] Labels);
}
