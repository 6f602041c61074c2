namespace EdgeBci.Recording;

/// <summary>Opens any recording the product reads (EDF/EDF+, BDF/BDF+, OpenBCI GUI text), told apart by content.</summary>
public static class RecordingLoader
{
    public static MicrovoltRecording Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var start = new byte[8];
        int read;
        using (var stream = File.OpenRead(path))
        {
            read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        }

        if (EdfReader.LooksLikeEdf(start.AsSpan(0, read)))
        {
            return FromEdf(EdfReader.Read(path), path);
        }

        if (read > 0 && start[0] == (byte)'%')
        {
            return FromOpenBci(OpenBciTextReader.Read(path));
        }

        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            return CsvRecordingReader.Read(path);
        }

        throw new RecordingFormatException(
            $"{path}: not a recording this product reads (EDF/EDF+ starts with '0', BDF/BDF+ with 0xFF 'BIOSEMI', OpenBCI GUI text with '%', CSV ends in .csv).");
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
