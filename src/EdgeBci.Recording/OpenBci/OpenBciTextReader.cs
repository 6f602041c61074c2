using System.Globalization;

namespace EdgeBci.Recording;

/// <summary>
/// Reads the OpenBCI GUI raw text format: '%' header lines (channel count, sample rate, board), a CSV column header,
/// then one row per sample whose first column is the packet index and whose "EXG Channel n" columns are microvolts.
/// </summary>
public static class OpenBciTextReader
{
    private const string ExgPrefix = "EXG Channel";

    public static OpenBciRecording Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    public static OpenBciRecording Read(TextReader reader, string origin)
    {
        ArgumentNullException.ThrowIfNull(reader);
        double? sampleRate = null;
        int? declaredChannels = null;
        var board = string.Empty;
        var lineNumber = 0;
        string? line;
        int[]? exgColumns = null;
        string[]? labels = null;
        var columnCount = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.StartsWith('%'))
            {
                ReadHeaderLine(line, origin, lineNumber, ref sampleRate, ref declaredChannels, ref board);
                continue;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            (exgColumns, labels, columnCount) = ReadColumnHeader(line, origin, lineNumber, declaredChannels);
            break;
        }

        if (exgColumns is null || labels is null)
        {
            throw new OpenBciFormatException(origin, lineNumber, "no column header line ('Sample Index, EXG Channel 0, ...') before the end of the file");
        }

        if (sampleRate is null)
        {
            throw new OpenBciFormatException(origin, 1, "the header has no '%Sample Rate = N Hz' line; the sample rate is unknown");
        }

        var channels = new List<double>[exgColumns.Length];
        for (var c = 0; c < channels.Length; c++)
        {
            channels[c] = new List<double>(32_768);
        }

        var indices = new List<long>(32_768);
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.StartsWith('%'))
            {
                continue;
            }

            ReadRow(line, origin, lineNumber, columnCount, exgColumns, channels, indices);
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
            SampleRate = sampleRate.Value,
            Board = board,
            ChannelLabels = labels,
            Microvolts = microvolts,
            SampleIndices = [.. indices],
        };
    }

    private static void ReadHeaderLine(string line, string origin, int lineNumber, ref double? sampleRate, ref int? channels, ref string board)
    {
        var text = line.AsSpan(1).Trim();
        var equals = text.IndexOf('=');
        if (equals < 0)
        {
            return; // free-text header lines ("%OpenBCI Raw EXG Data") carry nothing to check
        }

        var key = text[..equals].Trim();
        var value = text[(equals + 1)..].Trim();
        if (key.Equals("Sample Rate", StringComparison.OrdinalIgnoreCase))
        {
            var number = value.EndsWith("Hz", StringComparison.OrdinalIgnoreCase) ? value[..^2].Trim() : value;
            if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !(rate > 0) || !double.IsFinite(rate))
            {
                throw new OpenBciFormatException(origin, lineNumber, $"sample rate '{value}' is not a positive number of Hz");
            }

            sampleRate = rate;
        }
        else if (key.Equals("Number of channels", StringComparison.OrdinalIgnoreCase))
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > 256)
            {
                throw new OpenBciFormatException(origin, lineNumber, $"number of channels '{value}' is not 1..256");
            }

            channels = count;
        }
        else if (key.Equals("Board", StringComparison.OrdinalIgnoreCase))
        {
            board = value.ToString();
        }
    }

    private static (int[] Columns, string[] Labels, int ColumnCount) ReadColumnHeader(string line, string origin, int lineNumber, int? declaredChannels)
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

        if (declaredChannels is { } declared && declared != columns.Count)
        {
            throw new OpenBciFormatException(origin, lineNumber, $"the header declares {declared} channels but the column header names {columns.Count} EXG channels");
        }

        return ([.. columns], [.. labels], names.Length);
    }

    private static void ReadRow(string line, string origin, int lineNumber, int columnCount, int[] exgColumns, List<double>[] channels, List<long> indices)
    {
        var span = line.AsSpan();
        var column = 0;
        var exg = 0;
        var last = exgColumns[^1];
        foreach (var range in span.Split(','))
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
                    throw new OpenBciFormatException(origin, lineNumber, $"column {column + 1} (EXG Channel {exg}) '{cell}' is not a number of microvolts");
                }

                channels[exg++].Add(microvolts);
            }

            column++;
        }

        if (exg != exgColumns.Length)
        {
            throw new OpenBciFormatException(origin, lineNumber, $"the row has {column} columns; the header has {columnCount} and EXG channels up to column {last + 1}");
        }
    }

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "...";
}
