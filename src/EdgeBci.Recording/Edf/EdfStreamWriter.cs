namespace EdgeBci.Recording;

/// <summary>
/// Writes an EDF+/BDF+ file one data record at a time, each flushed to the storage device as it is written. The
/// header says -1 records until <see cref="Dispose"/> fixes it, so a unit that loses power leaves a file that reopens
/// with every complete record.
/// </summary>
public sealed class EdfStreamWriter : IDisposable
{
    private readonly FileStream _stream;
    private readonly EdfHeader _header;
    private readonly IReadOnlyList<EdfSignalHeader> _dataSignals;
    private readonly int _dataSamplesPerRecord;
    private readonly int _bytesPerSample;
    private readonly byte[] _record;
    private readonly int _annotationOffset;
    private readonly int _annotationBytes;
    private readonly Queue<EdfAnnotation> _pending = new();
    private int _lastAnnotationUsed;
    private bool _disposed;

    public EdfStreamWriter(
        string path,
        EdfFormat format,
        string patientId,
        string recordingId,
        DateTime start,
        double recordDuration,
        IReadOnlyList<EdfSignalHeader> dataSignals,
        int annotationBytesPerRecord = 120)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(dataSignals);
        EdfSignalValidation.ValidateRecordDuration(recordDuration, nameof(recordDuration));

        ArgumentOutOfRangeException.ThrowIfLessThan(annotationBytesPerRecord, 32);
        EdfSignalValidation.ValidateHeaders(format, dataSignals, nameof(dataSignals));
        _dataSignals = dataSignals;
        _bytesPerSample = format.BytesPerSample();
        foreach (var signal in dataSignals)
        {
            _dataSamplesPerRecord += signal.SamplesPerRecord;
        }

        var annotationSignal = EdfSignalHeader.Annotation(format, annotationBytesPerRecord);
        _header = new EdfHeader
        {
            Format = format,
            PatientId = patientId,
            RecordingId = recordingId,
            StartDateTime = start,
            Reserved = format.ContinuousReserved(),
            DataRecordCount = -1,
            RecordDuration = recordDuration,
            Signals = [.. dataSignals, annotationSignal],
        };
        var headerBytes = EdfHeaderCodec.Encode(_header, -1);
        _record = new byte[_header.RecordBytes];
        _annotationOffset = _dataSamplesPerRecord * _bytesPerSample;
        _annotationBytes = annotationSignal.SamplesPerRecord * _bytesPerSample;
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        _stream.Write(headerBytes);
        _stream.Flush(flushToDisk: true);
        Path = path;
    }

    public string Path { get; }

    public long RecordsWritten { get; private set; }

    public EdfHeader Header => _header;

    /// <summary>Samples one <see cref="WriteRecord"/> takes: every data signal's samples per record, signal after signal.</summary>
    public int SamplesPerRecord => _dataSamplesPerRecord;

    /// <summary>Queues an annotation; it is stored in the next data record with room for it.</summary>
    public void AddAnnotation(double onset, double? duration, string text)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var annotation = new EdfAnnotation(onset, duration, text);
        TimeStampedAnnotationList.Validate(annotation, nameof(text));
        var worstTimeKeeping = TimeStampedAnnotationList.TimeKeepingLength(1e7);
        if (worstTimeKeeping + TimeStampedAnnotationList.EncodedLength(annotation) > _annotationBytes)
        {
            throw new ArgumentException(
                $"Annotation '{text}' needs {TimeStampedAnnotationList.EncodedLength(annotation)} bytes; a data record here holds {_annotationBytes - worstTimeKeeping}.",
                nameof(text));
        }

        _pending.Enqueue(annotation);
    }

    /// <summary>Writes one data record (signal-major digital samples) and flushes it to the device.</summary>
    public void WriteRecord(ReadOnlySpan<int> record)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (record.Length != _dataSamplesPerRecord)
        {
            throw new ArgumentException($"A data record holds {_dataSamplesPerRecord} samples; got {record.Length}.", nameof(record));
        }

        var offset = 0;
        for (var s = 0; s < _dataSignals.Count; s++)
        {
            var count = _dataSignals[s].SamplesPerRecord;
            var samples = record.Slice(offset, count);
            EdfSignalValidation.CheckRange(_dataSignals[s], samples, s);
            SampleCodec.Encode(samples, _bytesPerSample, _record.AsSpan(offset * _bytesPerSample, count * _bytesPerSample));
            offset += count;
        }

        var annotations = _record.AsSpan(_annotationOffset, _annotationBytes);
        annotations.Clear();
        var used = TimeStampedAnnotationList.EncodeTimeKeeping(RecordsWritten * _header.RecordDuration, annotations);
        used = DrainPending(annotations, used);
        _stream.Write(_record);
        _stream.Flush(flushToDisk: true);
        _lastAnnotationUsed = used;
        RecordsWritten++;
    }

    /// <summary>Stores annotations still queued in the last record's spare room, then fixes the header's record count.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_pending.Count > 0 && RecordsWritten > 0)
            {
                var annotations = _record.AsSpan(_annotationOffset, _annotationBytes);
                var used = DrainPending(annotations, _lastAnnotationUsed);
                _stream.Seek(-_annotationBytes, SeekOrigin.End);
                _stream.Write(annotations);
                _lastAnnotationUsed = used;
            }

            _stream.Seek(EdfHeaderCodec.RecordCountOffset, SeekOrigin.Begin);
            var count = EdfHeaderCodec.Integer(RecordsWritten).PadRight(8);
            _stream.Write(System.Text.Encoding.ASCII.GetBytes(count));
            _stream.Flush(flushToDisk: true);
        }
        finally
        {
            _stream.Dispose();
        }

        if (_pending.Count > 0)
        {
            throw new InvalidOperationException(
                $"{Path}: {_pending.Count} annotation(s) did not fit in the last data record and were not stored (first: '{_pending.Peek().Text}' at {_pending.Peek().Onset} s).");
        }
    }

    private int DrainPending(Span<byte> annotations, int used)
    {
        while (_pending.Count > 0)
        {
            var next = _pending.Peek();
            var length = TimeStampedAnnotationList.EncodedLength(next);
            if (used + length > annotations.Length)
            {
                break;
            }

            used += TimeStampedAnnotationList.Encode(next, annotations[used..]);
            _pending.Dequeue();
        }

        return used;
    }
}
