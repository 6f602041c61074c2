using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Journal;

/// <summary>One event waiting for delivery, with its place in the journal (what <see cref="EventJournal.Acknowledge"/> takes).</summary>
public readonly record struct JournalEntry(long Position, EventMessage Message, bool IsDropNotice);

/// <summary>
/// The on-disk store-and-forward queue of events: append-only segment files (format: <see cref="JournalRecord"/>),
/// each record fsync'd before <see cref="Append"/> returns, and <see cref="JournalState"/> for what is gone. Positions
/// increase across reopen; an event's own <c>seq</c> restarts every boot, so the journal acknowledges by position.
/// <para>
/// Disk full (or any write error): an append whose write or fsync fails is cut back, so the segment is as it was
/// before it, and the event is HELD IN MEMORY in its place in the queue: <see cref="TryPeek(out JournalEntry)"/> hands it
/// out like any other (the uplink delivers it live), and every later append or <see cref="RetryHeld"/> first tries to
/// write the held events, oldest first, so the disk keeps position order. <see cref="WriteFailures"/>,
/// <see cref="HeldInMemory"/> and <see cref="LastError"/> say so. Held events count against the bound like the rest;
/// they are lost only if the process ends before space returns.
/// </para>
/// <para>
/// Bound: when more than maxEvents records or more than maxBytes record bytes are waiting, the OLDEST waiting records
/// are dropped (<see cref="Dropped"/>), and a synthetic <c>uplink</c> warning "N events dropped (queue full: ...)"
/// takes their place at the head of the queue. It reuses the id, seq and time of the newest dropped event: that id
/// was never delivered, so it stays unique, and the notice sorts where the lost events were. Further drops before the
/// notice is delivered update the same notice (cumulative count).
/// </para>
/// </summary>
public sealed class EventJournal : IDisposable
{
    /// <summary>Smallest accepted maxBytes; also the smallest segment size.</summary>
    public const long MinimumMaxBytes = 4096;

    /// <summary>Largest payload of one record; an event bigger than this is refused by <see cref="Append"/>.</summary>
    public const int MaxPayloadBytes = JournalRecord.MaxPayloadBytes;

    internal const int HeaderBytes = JournalRecord.HeaderBytes;
    private const long MaxSegmentBytes = 1024 * 1024;
    private const string LockFileName = "journal.lock";

    private readonly Lock _gate = new();
    private readonly string _folder;
    private readonly int _maxEvents;
    private readonly long _maxBytes;
    private readonly SegmentWriter _writer;
    private readonly Queue<JournalRecordRef> _onDisk = new();

    // Newer than everything in _onDisk: written to disk from the head, in order, when the disk takes writes again.
    private readonly Queue<JournalRecordRef> _held = new();
    private readonly List<string> _recoveryNotes = [];
    private readonly JournalState _state = new();
    private FileStream? _ownership;
    private long _nextPosition = 1;
    private long _bytes;
    private bool _stateDirty;

    // Mirror the queues so Count and HeldInMemory can be read without waiting for an append's fsync.
    private int _count;
    private int _heldCount;
    private long _dropped;
    private long _writeFailures;
    private volatile string? _lastError;
    private bool _disposed;

    private EventJournal(string folder, int maxEvents, long maxBytes, SegmentFileOpener openSegment)
    {
        _folder = folder;
        _maxEvents = maxEvents;
        _maxBytes = maxBytes;
        _writer = new SegmentWriter(folder, Math.Clamp(maxBytes / 8, MinimumMaxBytes, MaxSegmentBytes), openSegment);
    }

    /// <summary>Records waiting for delivery, on disk or held in memory (the pending drop notice not included).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Waiting records the disk refused so far; they are written when it takes writes again.</summary>
    public int HeldInMemory => Volatile.Read(ref _heldCount);

    /// <summary>Bytes of the waiting records (headers included). The disk may hold up to one segment more.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Events dropped by the bound since this journal was opened.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Writes (appends, state updates) the disk refused since this journal was opened.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>The last write the disk refused, or null when every write so far succeeded.</summary>
    public string? LastError => _lastError;

    /// <summary>Waiting records found when the journal was opened.</summary>
    public int Recovered { get; private set; }

    /// <summary>Bytes cut off the end of segments at open: torn tails (a crash mid-append) and corrupt tails.</summary>
    public long TruncatedBytes { get; private set; }

    /// <summary>Bytes skipped inside segments at open (corrupt records with valid ones after them).</summary>
    public long SkippedBytes { get; private set; }

    /// <summary>Corrupt stretches (CRC, framing or order) found at open, each skipped or cut.</summary>
    public int CorruptRecords { get; private set; }

    /// <summary>What the open had to repair, one sentence per repair (empty after a clean shutdown).</summary>
    public IReadOnlyList<string> RecoveryNotes => _recoveryNotes;

    public int MaxEvents => _maxEvents;

    public long MaxBytes => _maxBytes;

    public static EventJournal Open(string folder, int maxEvents, long maxBytes) => Open(folder, maxEvents, maxBytes, SegmentFile.Open);

    internal static EventJournal Open(string folder, int maxEvents, long maxBytes, SegmentFileOpener openSegment)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(openSegment);
        if (maxEvents < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxEvents), maxEvents, "the event journal needs room for at least 1 event");
        }

        if (maxBytes < MinimumMaxBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"the event journal needs at least {MinimumMaxBytes} bytes");
        }

        Directory.CreateDirectory(folder);
        var journal = new EventJournal(Path.GetFullPath(folder), maxEvents, maxBytes, openSegment);
        try
        {
            journal.TakeOwnership();
            journal.Recover();
        }
        catch
        {
            journal.Dispose();
            throw;
        }

        return journal;
    }

    /// <summary>
    /// Appends one event: written and fsync'd before this returns (true), or, when the disk refuses, held in memory
    /// in its place (false; see the class remarks). Then enforces the bound. Throws only for an event too large.
    /// </summary>
    public bool Append(EventMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = TelemetryJson.SerializeEvent(message);
        if (payload.Length > MaxPayloadBytes || HeaderBytes + payload.Length > _maxBytes)
        {
            throw new ArgumentException(
                $"event {message.Id} is {payload.Length} bytes of JSON; the journal takes at most {Math.Min(MaxPayloadBytes, _maxBytes - HeaderBytes)}",
                nameof(message));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var held = new JournalRecordRef(_nextPosition++, null, 0, payload.Length, payload);
            _held.Enqueue(held);
            Interlocked.Add(ref _bytes, held.RecordBytes);
            var written = PersistHeld();
            EnforceBound();
            PublishCounts();
            return written;
        }
    }

    /// <summary>
    /// Tries again to write the events held in memory and the pending state update; true when nothing is left waiting
    /// for the disk. Cheap when there is nothing to do.
    /// </summary>
    public bool RetryHeld()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var written = PersistHeld();
            PublishCounts();
            return written && !_stateDirty;
        }
    }

    /// <summary>The oldest waiting event (the drop notice first, when there is one), without removing it.</summary>
    public bool TryPeek(out EventMessage message)
    {
        if (TryPeek(out JournalEntry entry))
        {
            message = entry.Message;
            return true;
        }

        message = null!;
        return false;
    }

    public bool TryPeek(out JournalEntry entry)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_state.Notice is not null)
            {
                entry = new JournalEntry(_state.NoticePosition, _state.Notice, true);
                return true;
            }

            if (_onDisk.TryPeek(out var head) || _held.TryPeek(out head))
            {
                entry = new JournalEntry(head.Position, ReadMessage(head), false);
                return true;
            }

            entry = default;
            return false;
        }
    }

    /// <summary>
    /// Marks everything up to and including <paramref name="position"/> delivered: removes it, records the position
    /// in the state file and deletes segment files that hold nothing waiting any more. A state file the disk refuses is
    /// written later (until then a restart may send those events again; consumers dedupe by id).
    /// </summary>
    public void Acknowledge(long position)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (position <= _state.GoneUpTo && (_state.Notice is null || position < _state.NoticePosition))
            {
                return;
            }

            if (_state.Notice is not null && _state.NoticePosition <= position)
            {
                _state.Notice = null;
                _state.NoticeCount = 0;
            }

            while (TryTakeOldest(position, out var head))
            {
                Release(head);
            }

            _state.GoneUpTo = Math.Max(_state.GoneUpTo, Math.Min(position, _nextPosition - 1));
            PublishCounts();
            SaveState();
            _writer.DeleteDrained();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _writer.Dispose();
            _ownership?.Dispose();
            _ownership = null;
        }
    }

    /// <summary>
    /// One journal per folder: two processes appending to the same segments would interleave records. The lock file is
    /// held open without sharing (an advisory lock on Linux) for as long as the journal is open; a crashed holder's lock
    /// goes with its process.
    /// </summary>
    private void TakeOwnership()
    {
        var path = Path.Combine(_folder, LockFileName);
        try
        {
            _ownership = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new IOException($"the event queue folder {_folder} is in use by another process (its {LockFileName} is locked); give each firmware its own Mqtt:EventQueuePath", exception);
        }
    }

    private void Recover()
    {
        var loaded = JournalState.Read(_folder, _recoveryNotes);
        _state.GoneUpTo = loaded.GoneUpTo;
        _state.Notice = loaded.Notice;
        _state.NoticePosition = loaded.NoticePosition;
        _state.NoticeCount = loaded.NoticeCount;
        var recovery = JournalRecovery.Run(_folder, loaded.GoneUpTo, _recoveryNotes);
        _writer.AddRecovered(recovery.Segments);
        foreach (var record in recovery.Live)
        {
            _onDisk.Enqueue(record);
        }

        _bytes = recovery.WaitingBytes;
        _nextPosition = recovery.Highest + 1;
        TruncatedBytes = recovery.TruncatedBytes;
        SkippedBytes = recovery.SkippedBytes;
        CorruptRecords = recovery.CorruptRecords;
        Recovered = _onDisk.Count;
        _writer.DeleteDrained();
        EnforceBound();
        PublishCounts();
    }

    /// <summary>Writes the held events to disk, oldest first, stopping at the first the disk refuses.</summary>
    private bool PersistHeld()
    {
        while (_held.TryPeek(out var held))
        {
            if (!_writer.TryWrite(held, out var written, out var error))
            {
                NoteWriteFailure(error!);
                return false;
            }

            _held.Dequeue();
            _onDisk.Enqueue(written);
            _lastError = null;
        }

        if (_stateDirty)
        {
            SaveState();
        }

        return true;
    }

    private void NoteWriteFailure(string message)
    {
        Interlocked.Increment(ref _writeFailures);
        _lastError = message;
    }

    private bool TryTakeOldest(long upTo, out JournalRecordRef oldest)
    {
        if (_onDisk.TryPeek(out oldest) && oldest.Position <= upTo)
        {
            _onDisk.Dequeue();
            return true;
        }

        if (_onDisk.Count == 0 && _held.TryPeek(out oldest) && oldest.Position <= upTo)
        {
            _held.Dequeue();
            return true;
        }

        return false;
    }

    private void EnforceBound()
    {
        var droppedAny = false;
        while (_onDisk.Count + _held.Count > _maxEvents || _bytes > _maxBytes)
        {
            TryTakeOldest(long.MaxValue, out var oldest);
            EventMessage? lost;
            try
            {
                lost = ReadMessage(oldest);
            }
            catch (IOException)
            {
                lost = null;
            }

            Release(oldest);
            _state.GoneUpTo = Math.Max(_state.GoneUpTo, oldest.Position);
            Interlocked.Increment(ref _dropped);
            droppedAny = true;
            _state.RecordDrop(oldest.Position, lost, _maxEvents, _maxBytes);
        }

        if (droppedAny)
        {
            SaveState();
            _writer.DeleteDrained();
        }
    }

    /// <summary>Writes state.bin; when the disk refuses, keeps it in memory and tries again with the next write.</summary>
    private void SaveState()
    {
        try
        {
            _state.Write(_folder);
            _stateDirty = false;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _stateDirty = true;
            NoteWriteFailure($"cannot write {JournalState.FileName} in {_folder}: {exception.Message}");
        }
    }

    private void Release(JournalRecordRef record)
    {
        if (record.Segment is { } segment)
        {
            segment.LiveRecords--;
        }

        Interlocked.Add(ref _bytes, -record.RecordBytes);
    }

    private void PublishCounts()
    {
        Volatile.Write(ref _count, _onDisk.Count + _held.Count);
        Volatile.Write(ref _heldCount, _held.Count);
    }

    private static EventMessage ReadMessage(JournalRecordRef record)
    {
        if (record.Payload is { } held)
        {
            return TelemetryJson.DeserializeEvent(held);
        }

        var segment = record.Segment!;
        var buffer = new byte[record.PayloadLength];
        using (var handle = File.OpenHandle(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            var read = RandomAccess.Read(handle, buffer, record.Offset + HeaderBytes);
            if (read != buffer.Length)
            {
                throw new IOException($"{segment.Path}: record {record.Position} at offset {record.Offset} is shorter on disk than when it was written");
            }
        }

        try
        {
            return TelemetryJson.DeserializeEvent(buffer);
        }
        catch (TelemetryFormatException ex)
        {
            throw new IOException($"{segment.Path}: record {record.Position} at offset {record.Offset} passes its CRC but is not an event: {ex.Message}", ex);
        }
    }
}
