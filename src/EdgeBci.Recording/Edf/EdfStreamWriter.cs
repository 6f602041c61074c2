namespace EdgeBci.Recording;

/// <summary>
/// Writes an EDF+/BDF+ file one data record at a time, each flushed to the storage device as it is written. The
/// header says -1 records until <see cref="Dispose"/> fixes it, so a unit that loses power leaves a file that reopens
/// with every complete record. A write that fails (a full disk) fails the writer: later writes are refused and
/// <see cref="Dispose"/> cuts the file back to its last complete record and fixes the count, which needs no new space.
/// </summary>
public sealed class EdfStreamWriter : IDisposable
{
    /// <summary>The note in a record added at the end only to hold annotations; its samples repeat each signal's final value.</summary>
    public const string AnnotationRecordNote = "record added to hold annotations";

    private readonly Stream _stream;
    private readonly EdfHeader _header;
    private readonly IReadOnlyList<EdfSignalHeader> _dataSignals;
    private readonly int _dataSamplesPerRecord;
    private readonly int _bytesPerSample;
    private readonly int _headerBytes;
    private readonly byte[] _record;
    private readonly int[] _finalSamples;
    private readonly int _annotationOffset;
    private readonly int _annotationBytes;
    private readonly Queue<EdfAnnotation> _pending = new();
    private int _lastAnnotationUsed;
    private Exception? _failure;
    private bool _disposed;

    /// <summary>Creates <paramref name="path"/>, whose extension must name <paramref name="format"/> (<see cref="RecordingFormat.FromPath"/>).</summary>
    /// <param name="existing">What to do if the file exists; by default refuse, for a recording never overwrites another.</param>
    public EdfStreamWriter(
        string path,
        EdfFormat format,
        string patientId,
        string recordingId,
        DateTime start,
        double recordDuration,
        IReadOnlyList<EdfSignalHeader> dataSignals,
        int annotationBytesPerRecord = 120,
        ExistingFile existing = ExistingFile.Refuse)
        : this(CreateFile(path, format, existing), null, format, patientId, recordingId, start, recordDuration, dataSignals, annotationBytesPerRecord, ownsFile: true)
    {
    }

    /// <summary>Writes to a seekable stream the caller opened (the writer closes it); <paramref name="path"/> names it in messages.</summary>
    public EdfStreamWriter(
        Stream stream,
        string path,
        EdfFormat format,
        string patientId,
        string recordingId,
        DateTime start,
        double recordDuration,
        IReadOnlyList<EdfSignalHeader> dataSignals,
        int annotationBytesPerRecord = 120)
        : this(stream, path, format, patientId, recordingId, start, recordDuration, dataSignals, annotationBytesPerRecord, ownsFile: false)
    {
    }

    private EdfStreamWriter(
        Stream stream,
        string? path,
        EdfFormat format,
        string patientId,
        string recordingId,
        DateTime start,
        double recordDuration,
        IReadOnlyList<EdfSignalHeader> dataSignals,
        int annotationBytesPerRecord,
        bool ownsFile)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Path = path ?? (stream as FileStream)?.Name ?? string.Empty;
        try
        {
            ArgumentNullException.ThrowIfNull(dataSignals);
            if (!stream.CanSeek || !stream.CanWrite)
            {
                throw new ArgumentException("The stream must be writable and seekable: the header's record count is fixed at the end.", nameof(stream));
            }

            EdfSignalValidation.ValidateRecordDuration(recordDuration, nameof(recordDuration));
            ArgumentOutOfRangeException.ThrowIfLessThan(annotationBytesPerRecord, 32);
            EdfSignalValidation.ValidateHeaders(format, dataSignals, nameof(dataSignals));
            _dataSignals = EdfSignalValidation.WithStorablePhysicalRanges(dataSignals);
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
                Signals = [.. _dataSignals, annotationSignal],
            };
            var headerBytes = EdfHeaderCodec.Encode(_header, -1);
            _headerBytes = headerBytes.Length;
            _record = new byte[_header.RecordBytes];
            _finalSamples = new int[_dataSignals.Count];
            for (var s = 0; s < _finalSamples.Length; s++)
            {
                _finalSamples[s] = Math.Clamp(0, _dataSignals[s].DigitalMinimum, _dataSignals[s].DigitalMaximum);
            }

            _annotationOffset = _dataSamplesPerRecord * _bytesPerSample;
            _annotationBytes = annotationSignal.SamplesPerRecord * _bytesPerSample;
            _stream = stream;
            stream.Write(headerBytes);
            Flush();
        }
        catch
        {
            stream.Dispose();
            if (ownsFile)
            {
                // A file this writer created but could not start would block the name for the next recording.
                File.Delete(Path);
            }

            throw;
        }
    }

    /// <summary>The file written (with a suffix when <see cref="ExistingFile.AddSuffix"/> had to add one).</summary>
    public string Path { get; }

    public long RecordsWritten { get; private set; }

    /// <summary>Data records added after the last <see cref="WriteRecord"/> to hold annotations that did not fit it.</summary>
    public int AnnotationRecordsAdded { get; private set; }

    public EdfHeader Header => _header;

    /// <summary>Samples one <see cref="WriteRecord"/> takes: every data signal's samples per record, signal after signal.</summary>
    public int SamplesPerRecord => _dataSamplesPerRecord;

    /// <summary>Queues an annotation; it is stored in the next data record with room for it (at the end, in records added for it).</summary>
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
    /// <exception cref="IOException">The device refused it (e.g. full); the writer is failed from then on.</exception>
    public void WriteRecord(ReadOnlySpan<int> record)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFailed();
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
        WriteAndFlush(_record);
        offset = 0;
        for (var s = 0; s < _dataSignals.Count; s++)
        {
            offset += _dataSignals[s].SamplesPerRecord;
            _finalSamples[s] = record[offset - 1];
        }

        _lastAnnotationUsed = used;
        RecordsWritten++;
    }

    /// <summary>
    /// Stores annotations still queued (in the last record's spare room, then in records added for them) and fixes the
    /// header's record count. After a failed write it only cuts the file back to its last complete record and fixes the count.
    /// </summary>
    /// <exception cref="IOException">The file could not be finished; it is closed all the same.</exception>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            if (_failure is null)
            {
                StorePending();
            }
        }
        catch (IOException exception)
        {
            _failure = exception;
        }

        try
        {
            if (_failure is not null)
            {
                // The partial record a full disk left behind would read as a damaged file; cutting it frees space too.
                _stream.SetLength(_headerBytes + (RecordsWritten * _record.Length));
            }

            _stream.Seek(EdfHeaderCodec.RecordCountOffset, SeekOrigin.Begin);
            var count = EdfHeaderCodec.Integer(RecordsWritten).PadRight(8);
            _stream.Write(System.Text.Encoding.ASCII.GetBytes(count));
            _stream.Flush();
            if (_stream is FileStream file)
            {
                file.Flush(flushToDisk: true);
            }
        }
        finally
        {
            _stream.Dispose();
        }
    }

    private void StorePending()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        if (RecordsWritten > 0)
        {
            var annotations = _record.AsSpan(_annotationOffset, _annotationBytes);
            var used = DrainPending(annotations, _lastAnnotationUsed);
            _stream.Seek(-_annotationBytes, SeekOrigin.End);
            WriteAndFlush(annotations);
            _lastAnnotationUsed = used;
        }

        // The rest go into records of their own: the file stays continuous, each signal holding its final value.
        var noted = false;
        while (_pending.Count > 0)
        {
            var offset = 0;
            for (var s = 0; s < _dataSignals.Count; s++)
            {
                var count = _dataSignals[s].SamplesPerRecord;
                var bytes = _record.AsSpan(offset * _bytesPerSample, count * _bytesPerSample);
                for (var k = 0; k < count; k++)
                {
                    SampleCodec.Encode([_finalSamples[s]], _bytesPerSample, bytes.Slice(k * _bytesPerSample, _bytesPerSample));
                }

                offset += count;
            }

            var annotations = _record.AsSpan(_annotationOffset, _annotationBytes);
            annotations.Clear();
            var onset = RecordsWritten * _header.RecordDuration;
            var used = TimeStampedAnnotationList.EncodeTimeKeeping(onset, annotations);
            var note = new EdfAnnotation(onset, null, AnnotationRecordNote);
            if (!noted && used + TimeStampedAnnotationList.EncodedLength(note) <= annotations.Length)
            {
                used += TimeStampedAnnotationList.Encode(note, annotations[used..]);
                noted = true;
            }

            DrainPending(annotations, used);
            _stream.Seek(0, SeekOrigin.End);
            WriteAndFlush(_record);
            RecordsWritten++;
            AnnotationRecordsAdded++;
        }
    }

    private void WriteAndFlush(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _stream.Write(bytes);
            Flush();
        }
        catch (IOException exception)
        {
            _failure = exception;
            throw;
        }
    }

    private void Flush()
    {
        if (_stream is FileStream file)
        {
            file.Flush(flushToDisk: true);
        }
        else
        {
            _stream.Flush();
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw new IOException($"{Path}: an earlier write failed ({failure.Message}); the file ends at its last complete record.", failure);
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

    private static FileStream CreateFile(string path, EdfFormat format, ExistingFile existing)
    {
        ArgumentNullException.ThrowIfNull(path);
        RecordingFormat.FromPath(path, format.ToString());
        return RecordingFiles.Create(path, existing);
    }
}
