namespace EdgeBci.Recording;

/// <summary>
/// Opens any recording the product reads, told apart by content: EDF/EDF+, BDF/BDF+, OpenBCI GUI text of every
/// version, BrainFlow CSV and headerless OpenBCI rows (a number first), and plain CSV with named columns (.csv).
/// </summary>
public static class RecordingLoader
{
    /// <summary>How much of a file is looked at to tell its format: enough for any header's first line.</summary>
    private const int SniffBytes = 4096;

    public static MicrovoltRecording Load(string path) => Load(path, RecordingHints.None);

    /// <param name="path">The recording.</param>
    /// <param name="hints">Rate and channel count for files that do not state them; a file that does must agree.</param>
    public static MicrovoltRecording Load(string path, RecordingHints hints)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(hints);
        var start = new byte[SniffBytes];
        int read;
        using (var stream = File.OpenRead(path))
        {
            read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        }

        MicrovoltRecording recording;
        if (EdfReader.LooksLikeEdf(start.AsSpan(0, Math.Min(read, 8))))
        {
            recording = FromEdf(EdfReader.Read(path), path);
        }
        else if (LooksLikeOpenBciText(start.AsSpan(0, read)))
        {
            recording = FromOpenBci(OpenBciTextReader.Read(path, hints));
        }
        else if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            recording = CsvRecordingReader.Read(path, hints);
        }
        else
        {
            throw new RecordingFormatException(
                $"{path}: not a recording this product reads (EDF/EDF+ starts with '0', BDF/BDF+ with 0xFF 'BIOSEMI', OpenBCI GUI text with '%', BrainFlow CSV with a row of numbers, named-column CSV ends in .csv).");
        }

        CheckHints(recording, hints, path);
        return recording;
    }

    /// <summary>
    /// OpenBCI GUI text starts with a '%' header; BrainFlow CSV and header-stripped GUI rows start with a number
    /// (the packet counter). A named-column CSV starts with a name or a '#' comment, so it is not taken for either.
    /// </summary>
    private static bool LooksLikeOpenBciText(ReadOnlySpan<byte> start)
    {
        var text = System.Text.Encoding.UTF8.GetString(start).AsSpan();
        foreach (var range in text.Split('\n'))
        {
            var line = text[range].Trim();
            if (line.IsEmpty)
            {
                continue;
            }

            if (line[0] == '%')
            {
                return true;
            }

            var end = line.IndexOfAny('\t', ',');
            var first = (end < 0 ? line : line[..end]).Trim();
            return end > 0 && double.TryParse(first, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _);
        }

        return false;
    }

    /// <summary>A file whose own header settles the rate or channel count must agree with what the user gave.</summary>
    private static void CheckHints(MicrovoltRecording recording, RecordingHints hints, string path)
    {
        if (hints.RateDisagrees(recording.SampleRate))
        {
            throw new RecordingFormatException($"{path}: {hints.RateConflict(recording.SampleRate)}.");
        }

        if (hints.ChannelCountDisagrees(recording.ChannelLabels.Count))
        {
            throw new RecordingFormatException($"{path}: {hints.ChannelConflict(recording.ChannelLabels.Count, "EEG channels")}.");
        }
    }

    /// <summary>The voltage signals at the first one's rate, scaled to microvolts; other signals are left out.</summary>
    public static MicrovoltRecording FromEdf(EdfRecording recording, string? sourcePath = null)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var signals = recording.Header.Signals;
        var labels = new List<string>();
        var channels = new List<double[]>();
        var rate = 0.0;
        for (var s = 0; s < signals.Count; s++)
        {
            var scale = MicrovoltsPerUnit(signals[s].PhysicalDimension);
            if (signals[s].IsAnnotation || scale is null)
            {
                continue;
            }

            var signalRate = recording.GetSampleRate(s);
            if (channels.Count == 0)
            {
                rate = signalRate;
            }
            else if (signalRate != rate)
            {
                continue;
            }

            var physical = recording.GetPhysical(s);
            if (scale.Value != 1)
            {
                for (var i = 0; i < physical.Length; i++)
                {
                    physical[i] *= scale.Value;
                }
            }

            labels.Add(signals[s].Label);
            channels.Add(physical);
        }

        var origin = sourcePath ?? recording.Header.RecordingId;
        if (channels.Count == 0)
        {
            throw new RecordingFormatException($"{origin}: no signal is in volts (uV, mV or V); there is no EEG to replay.");
        }

        return new MicrovoltRecording
        {
            SourcePath = sourcePath ?? string.Empty,
            SampleRate = rate,
            ChannelLabels = labels,
            Microvolts = [.. channels],
            Annotations = recording.Annotations,
        };
    }

    public static MicrovoltRecording FromOpenBci(OpenBciRecording recording)
    {
        ArgumentNullException.ThrowIfNull(recording);
        return new MicrovoltRecording
        {
            SourcePath = recording.SourcePath,
            SampleRate = recording.SampleRate,
            ChannelLabels = recording.ChannelLabels,
            Microvolts = recording.Microvolts,
        };
    }

    private static double? MicrovoltsPerUnit(string dimension) => dimension.Trim() switch
    {
        "uV" or "µV" or "μV" or "microV" => 1,
        "mV" => 1e3,
        "V" => 1e6,
        "nV" => 1e-3,
        _ => null,
    };
}
