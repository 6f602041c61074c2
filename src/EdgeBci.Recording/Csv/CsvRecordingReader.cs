using System.Globalization;

namespace EdgeBci.Recording;

/// <summary>
/// Reads a plain CSV recording: a header row of channel names, then one row per sample in microvolts. The rate comes
/// from a "# sample rate = 250" comment line, from a time column in seconds ("time", "t", "seconds", "time_s"), or,
/// when the file has neither, from <see cref="RecordingHints.SampleRate"/>; a file that states it must agree.
/// </summary>
public static class CsvRecordingReader
{
    private static readonly string[] TimeColumns = ["time", "t", "seconds", "time_s", "timestamp_s"];

    public static MicrovoltRecording Read(string path) => Read(path, RecordingHints.None);

    public static MicrovoltRecording Read(string path, RecordingHints hints)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(hints);
        using var reader = new StreamReader(path);
        double? declaredRate = null;
        string[]? names = null;
        var lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (trimmed.StartsWith('#'))
            {
                declaredRate ??= ParseRateComment(trimmed, path, lineNumber);
                continue;
            }

            names = trimmed.Split(',', StringSplitOptions.TrimEntries);
            break;
        }

        if (names is null)
        {
            throw new RecordingFormatException($"{path}: line {lineNumber}: no header row of channel names.");
        }

        var timeColumn = Array.FindIndex(names, n => Array.IndexOf(TimeColumns, n.ToLowerInvariant()) >= 0);
        var columns = new List<double>[names.Length];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = [];
        }

        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var cells = line.Split(',');
            if (cells.Length != names.Length)
            {
                throw new RecordingFormatException($"{path}: line {lineNumber}: {cells.Length} values; the header names {names.Length} columns.");
            }

            for (var c = 0; c < cells.Length; c++)
            {
                if (!double.TryParse(cells[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
                {
                    throw new RecordingFormatException($"{path}: line {lineNumber}: column {c + 1} ({names[c]}) '{cells[c].Trim()}' is not a number.");
                }

                columns[c].Add(value);
            }
        }

        var samples = columns[0].Count;
        if (samples < 2)
        {
            throw new RecordingFormatException($"{path}: fewer than two samples.");
        }

        var rate = declaredRate ?? (timeColumn >= 0 ? RateFromTime(columns[timeColumn], path) : hints.SampleRate)
            ?? throw new RecordingFormatException(
                $"{path}: the sample rate is unknown: add a '# sample rate = 250' line or a 'time' column in seconds, or give it with {hints.SampleRateSetting}.");
        if (hints.RateDisagrees(rate))
        {
            throw new RecordingFormatException($"{path}: {hints.RateConflict(rate)}.");
        }

        var labels = new List<string>();
        var microvolts = new List<double[]>();
        for (var c = 0; c < names.Length; c++)
        {
            if (c != timeColumn)
            {
                labels.Add(names[c]);
                microvolts.Add([.. columns[c]]);
            }
        }

        return new MicrovoltRecording { SourcePath = path, SampleRate = rate, ChannelLabels = labels, Microvolts = [.. microvolts] };
    }

    private static double? ParseRateComment(string line, string path, int lineNumber)
    {
        var text = line.TrimStart('#').Trim();
        if (!text.StartsWith("sample rate", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var value = text["sample rate".Length..].Trim().TrimStart('=', ':').Trim();
        if (value.EndsWith("Hz", StringComparison.OrdinalIgnoreCase))
        {
            value = value[..^2].Trim();
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || !(rate > 0) || !double.IsFinite(rate))
        {
            throw new RecordingFormatException($"{path}: line {lineNumber}: sample rate '{value}' is not a positive number of Hz.");
        }

        return rate;
    }

    private static double RateFromTime(List<double> time, string path)
    {
        var period = (time[^1] - time[0]) / (time.Count - 1);
        if (!(period > 0))
        {
            throw new RecordingFormatException($"{path}: the time column does not increase, so it gives no sample rate.");
        }

        return Math.Round(1 / period, 6);
    }
}
