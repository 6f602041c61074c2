using System.Globalization;

namespace EdgeBci.Recording;

/// <summary>
/// Makes EDF+/BDF+ files from recordings: picks channels by electrode name and whole data records by time.
/// From EDF/BDF the digital samples are copied untouched, so the result is lossless; from microvolts (OpenBCI text)
/// the samples are quantized to the front-end's step, as the chip would have.
/// </summary>
public static class RecordingConverter
{
    /// <summary>The given channels of an EDF/BDF recording, from <paramref name="startSeconds"/> for <paramref name="seconds"/> (all if null).</summary>
    /// <param name="labels">The label each kept channel gets; by default "EEG " and its electrode name.</param>
    public static EdfRecording Select(
        EdfRecording source, IReadOnlyList<string> channels, EdfFormat format, double startSeconds = 0, double? seconds = null, IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(channels);
        var header = source.Header;
        var (firstRecord, recordCount) = RecordRange(source.RecordCount, header.RecordDuration, startSeconds, seconds);
        var indices = Resolve(channels, source.FindSignal, header.Signals, s => s.IsAnnotation ? null : s.Label);
        var targetLabels = Labels(channels, labels);
        var signals = new EdfSignalHeader[indices.Length];
        var digital = new int[indices.Length][];
        for (var i = 0; i < indices.Length; i++)
        {
            var signal = header.Signals[indices[i]];
            if (signal.DigitalMinimum < format.DigitalLimitMinimum() || signal.DigitalMaximum > format.DigitalLimitMaximum())
            {
                throw new ArgumentException(
                    $"Channel '{channels[i]}' has {header.Format} digital range {signal.DigitalMinimum}..{signal.DigitalMaximum}, wider than {format} can store; convert to BDF.",
                    nameof(format));
            }

            signals[i] = signal with { Label = targetLabels[i] };
            var perRecord = signal.SamplesPerRecord;
            digital[i] = source.GetDigital(indices[i]).Slice(firstRecord * perRecord, recordCount * perRecord).ToArray();
        }

        var offset = firstRecord * header.RecordDuration;
        var annotations = AnnotationsWithin(source.Annotations, offset, recordCount * header.RecordDuration);
        return EdfRecording.Create(format, header.PatientId, header.RecordingId, header.StartDateTime.AddSeconds(offset),
            header.RecordDuration, signals, digital, annotations);
    }

    /// <summary>
    /// The given channels of a microvolt recording (e.g. OpenBCI text), quantized to the front-end's counts: a
    /// digital range of <paramref name="digitalMinimum"/>..<paramref name="digitalMaximum"/> spanning
    /// ±<paramref name="fullScaleMicrovolts"/>, in one-second data records; a trailing partial second is left out.
    /// </summary>
    public static EdfRecording FromMicrovolts(
        MicrovoltRecording source,
        IReadOnlyList<string> channels,
        EdfFormat format,
        double fullScaleMicrovolts,
        int digitalMinimum,
        int digitalMaximum,
        string prefiltering,
        DateTime start,
        IReadOnlyList<string>? labels = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(channels);
        var rate = source.SampleRate;
        if (rate != Math.Round(rate))
        {
            throw new ArgumentException($"{source.SourcePath}: {rate} Hz is not a whole number of samples per one-second data record.", nameof(source));
        }

        var perRecord = (int)rate;
        var records = source.SampleCount / perRecord;
        if (records == 0)
        {
            throw new ArgumentException($"{source.SourcePath}: {source.SampleCount} samples is less than one second at {rate} Hz.", nameof(source));
        }

        var indices = Resolve(channels, source.FindChannel, source.ChannelLabels, label => label);
        var targetLabels = Labels(channels, labels);
        var signals = new EdfSignalHeader[indices.Length];
        var digital = new int[indices.Length][];
        for (var i = 0; i < indices.Length; i++)
        {
            signals[i] = new EdfSignalHeader
            {
                Label = targetLabels[i],
                TransducerType = "AgAgCl electrode",
                PhysicalDimension = "uV",
                PhysicalMinimum = -fullScaleMicrovolts,
                PhysicalMaximum = fullScaleMicrovolts,
                DigitalMinimum = digitalMinimum,
                DigitalMaximum = digitalMaximum,
                Prefiltering = prefiltering,
                SamplesPerRecord = perRecord,
            };
            var microvolts = source.Microvolts[indices[i]];
            var counts = digital[i] = new int[records * perRecord];
            var gain = signals[i].Gain;
            var offset = signals[i].Offset;
            for (var k = 0; k < counts.Length; k++)
            {
                counts[k] = (int)Math.Clamp(Math.Round((microvolts[k] - offset) / gain), digitalMinimum, digitalMaximum);
            }
        }

        var recordingId = string.Create(CultureInfo.InvariantCulture, $"Startdate {start:dd-MMM-yyyy} X X {Path.GetFileName(source.SourcePath)}").ToUpperInvariant();
        if (recordingId.Length > 80)
        {
            recordingId = recordingId[..80];
        }

        return EdfRecording.Create(format, "X X X X", recordingId, start, 1.0, signals, digital,
            AnnotationsWithin(source.Annotations, 0, records));
    }

    /// <summary>EDF+'s label convention: signal type, a space, the electrode ("EEG C3").</summary>
    public static string DeviceLabel(string channel) => "EEG " + ChannelLabel.Normalize(channel);

    private static string[] Labels(IReadOnlyList<string> channels, IReadOnlyList<string>? labels)
    {
        if (labels is not null && labels.Count != channels.Count)
        {
            throw new ArgumentException($"{channels.Count} channels but {labels.Count} labels.", nameof(labels));
        }

        var result = new string[channels.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = labels is null ? DeviceLabel(channels[i]) : labels[i].Trim();
            if (result[i].Length is 0 or > 16)
            {
                throw new ArgumentException($"Label '{result[i]}' for channel '{channels[i]}' must be 1..16 characters (the EDF label field); name it, e.g. 'Fp1={channels[i]}'.", nameof(labels));
            }
        }

        return result;
    }

    private static (int First, int Count) RecordRange(int available, double recordDuration, double startSeconds, double? seconds)
    {
        if (!double.IsFinite(startSeconds) || startSeconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(startSeconds), startSeconds, "The start must be a non-negative number of seconds.");
        }

        var first = (int)Math.Floor((startSeconds / recordDuration) + 1e-9);
        if (Math.Abs((first * recordDuration) - startSeconds) > 1e-9)
        {
            throw new ArgumentOutOfRangeException(nameof(startSeconds), startSeconds, $"The start must fall on a data record boundary (records last {recordDuration} s).");
        }

        if (first >= available)
        {
            throw new ArgumentOutOfRangeException(nameof(startSeconds), startSeconds, $"The recording is only {available * recordDuration} s long.");
        }

        var count = available - first;
        if (seconds is { } wanted)
        {
            if (!double.IsFinite(wanted) || wanted <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(seconds), wanted, "The length must be a positive number of seconds.");
            }

            count = Math.Min(count, (int)Math.Ceiling((wanted / recordDuration) - 1e-9));
        }

        return (first, count);
    }

    private static int[] Resolve<T>(IReadOnlyList<string> channels, Func<string, int> find, IReadOnlyList<T> available, Func<T, string?> label)
    {
        if (channels.Count == 0)
        {
            throw new ArgumentException("Name at least one channel to convert.", nameof(channels));
        }

        var indices = new int[channels.Count];
        for (var i = 0; i < channels.Count; i++)
        {
            indices[i] = find(channels[i]);
            if (indices[i] < 0)
            {
                var names = new List<string>(available.Count);
                foreach (var item in available)
                {
                    if (label(item) is { } name)
                    {
                        names.Add(name.Trim());
                    }
                }

                throw new ArgumentException($"Channel '{channels[i]}' is not in the recording; it has: {string.Join(", ", names)}.");
            }
        }

        return indices;
    }

    private static List<EdfAnnotation> AnnotationsWithin(IReadOnlyList<EdfAnnotation> annotations, double from, double length)
    {
        var kept = new List<EdfAnnotation>();
        foreach (var annotation in annotations)
        {
            if (annotation.Onset >= from && annotation.Onset < from + length)
            {
                kept.Add(annotation with { Onset = annotation.Onset - from });
            }
        }

        return kept;
    }
}
