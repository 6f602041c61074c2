namespace EdgeBci.Recording;

/// <summary>An EDF/BDF file in memory: header, every signal's digital samples, and the EDF+ annotations.</summary>
public sealed class EdfRecording
{
    private readonly int[][] _samples;
    private readonly string[] _labels;

    internal EdfRecording(EdfHeader header, int[][] samples, int recordCount, IReadOnlyList<EdfAnnotation> annotations, IReadOnlyList<double> recordOnsets)
    {
        Header = header;
        _samples = samples;
        RecordCount = recordCount;
        Annotations = annotations;
        RecordOnsets = recordOnsets;
        _labels = new string[header.Signals.Count];
        for (var i = 0; i < _labels.Length; i++)
        {
            _labels[i] = header.Signals[i].Label;
        }
    }

    public EdfHeader Header { get; }

    /// <summary>Data records present (the header's count is -1 for a file its writer never closed).</summary>
    public int RecordCount { get; }

    /// <summary>Every annotation, in file order, without the per-record time-keeping entries.</summary>
    public IReadOnlyList<EdfAnnotation> Annotations { get; }

    /// <summary>When each data record starts, in seconds from <see cref="EdfHeader.StartDateTime"/>.</summary>
    public IReadOnlyList<double> RecordOnsets { get; }

    /// <summary>One signal's samples as stored, records concatenated.</summary>
    public ReadOnlySpan<int> GetDigital(int signal) => _samples[signal];

    public double[] GetPhysical(int signal)
    {
        var header = Header.Signals[signal];
        var digital = _samples[signal];
        var physical = new double[digital.Length];
        var gain = header.Gain;
        var offset = header.Offset;
        for (var i = 0; i < digital.Length; i++)
        {
            physical[i] = (gain * digital[i]) + offset;
        }

        return physical;
    }

    public double GetSampleRate(int signal) => Header.Signals[signal].SamplesPerRecord / Header.RecordDuration;

    /// <summary>Index of a signal by label: exact first, then the normalized electrode name; -1 if absent.</summary>
    public int FindSignal(string label) => ChannelLabel.Find(_labels, label);

    /// <summary>
    /// A continuous EDF+/BDF+ recording from data signals and annotations. <paramref name="digital"/>[i] holds signal
    /// i's samples, a whole number of data records long. An annotation signal sized to hold every annotation is added;
    /// each annotation goes into the data record its onset falls in. Physical limits that need more than EDF's 8
    /// characters are widened to the nearest number that fits (<see cref="EdfSignalValidation.WithStorablePhysicalRanges"/>).
    /// </summary>
    public static EdfRecording Create(
        EdfFormat format,
        string patientId,
        string recordingId,
        DateTime start,
        double recordDuration,
        IReadOnlyList<EdfSignalHeader> dataSignals,
        IReadOnlyList<int[]> digital,
        IReadOnlyList<EdfAnnotation> annotations)
    {
        ArgumentNullException.ThrowIfNull(dataSignals);
        ArgumentNullException.ThrowIfNull(digital);
        ArgumentNullException.ThrowIfNull(annotations);
        EdfSignalValidation.ValidateRecordDuration(recordDuration, nameof(recordDuration));

        if (digital.Count != dataSignals.Count)
        {
            throw new ArgumentException($"{dataSignals.Count} signal headers but {digital.Count} sample arrays.", nameof(digital));
        }

        var records = EdfSignalValidation.RecordCount(format, dataSignals, digital);
        dataSignals = EdfSignalValidation.WithStorablePhysicalRanges(dataSignals);
        foreach (var annotation in annotations)
        {
            TimeStampedAnnotationList.Validate(annotation, nameof(annotations));
        }

        if (annotations.Count > 0 && records == 0)
        {
            throw new ArgumentException("Annotations need at least one data record to live in.", nameof(annotations));
        }

        // Each record: its time-keeping TAL, then the annotations whose onset falls in it.
        var perRecord = new List<EdfAnnotation>[records];
        var bytesNeeded = new int[records];
        for (var r = 0; r < records; r++)
        {
            perRecord[r] = [];
            bytesNeeded[r] = TimeStampedAnnotationList.TimeKeepingLength(r * recordDuration);
        }

        foreach (var annotation in annotations)
        {
            var r = (int)Math.Clamp(Math.Floor(annotation.Onset / recordDuration), 0, records - 1);
            perRecord[r].Add(annotation);
            bytesNeeded[r] += TimeStampedAnnotationList.EncodedLength(annotation);
        }

        var annotationBytes = 0;
        foreach (var needed in bytesNeeded)
        {
            annotationBytes = Math.Max(annotationBytes, needed);
        }

        var annotationSignal = EdfSignalHeader.Annotation(format, Math.Max(annotationBytes, 1));
        var signals = new List<EdfSignalHeader>(dataSignals) { annotationSignal };
        var samples = new int[signals.Count][];
        for (var s = 0; s < dataSignals.Count; s++)
        {
            samples[s] = (int[])digital[s].Clone();
        }

        var bytesPerSample = format.BytesPerSample();
        var recordAnnotationBytes = annotationSignal.SamplesPerRecord * bytesPerSample;
        var annotationSamples = samples[dataSignals.Count] = new int[records * annotationSignal.SamplesPerRecord];
        var buffer = new byte[recordAnnotationBytes];
        var onsets = new double[records];
        for (var r = 0; r < records; r++)
        {
            Array.Clear(buffer);
            onsets[r] = r * recordDuration;
            var used = TimeStampedAnnotationList.EncodeTimeKeeping(onsets[r], buffer);
            foreach (var annotation in perRecord[r])
            {
                used += TimeStampedAnnotationList.Encode(annotation, buffer.AsSpan(used));
            }

            SampleCodec.Decode(buffer, bytesPerSample, annotationSamples.AsSpan(r * annotationSignal.SamplesPerRecord, annotationSignal.SamplesPerRecord));
        }

        var header = new EdfHeader
        {
            Format = format,
            PatientId = patientId,
            RecordingId = recordingId,
            StartDateTime = start,
            Reserved = format.ContinuousReserved(),
            DataRecordCount = records,
            RecordDuration = recordDuration,
            Signals = signals,
        };
        EdfHeaderCodec.Encode(header, records); // fails early, naming the field, if a value cannot be stored

        var ordered = new List<EdfAnnotation>(annotations.Count);
        foreach (var recordAnnotations in perRecord)
        {
            ordered.AddRange(recordAnnotations);
        }

        return new EdfRecording(header, samples, records, ordered, onsets);
    }
}
