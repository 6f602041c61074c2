using System.Buffers.Binary;
using System.Globalization;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Journal;

/// <summary>One event waiting for delivery, with its place in the journal (what <see cref="EventJournal.Acknowledge"/> takes).</summary>
public readonly record struct JournalEntry(long Position, EventMessage Message, bool IsDropNotice);

/// <summary>
/// The on-disk store-and-forward queue of events. Append-only segment files (<c>seg-&lt;firstPosition&gt;.log</c>) hold
/// records <c>[u32 length][u32 crc32(position+payload)][i64 position][payload: event JSON]</c>, each fsync'd before
/// <see cref="Append"/> returns. <c>state.bin</c> records the last position that is gone (delivered or dropped) and the
/// pending drop notice. Positions increase across reopen; an event's own <c>seq</c> restarts every boot, so the
/// journal acknowledges by position.
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
    public const int MaxPayloadBytes = 64 * 1024;

    internal const int HeaderBytes = 16;
    private const long MaxSegmentBytes = 1024 * 1024;
    private const string SegmentPrefix = "seg-";
    private const string SegmentSuffix = ".log";
    private const string StateFileName = "state.bin";
    private const uint StateMagic = 0x4A42_4345; // "ECBJ"

    private readonly Lock _gate = new();
    private readonly string _folder;
    private readonly int _maxEvents;
    private readonly long _maxBytes;
    private readonly long _segmentLimit;
    private readonly List<Segment> _segments = [];
    private readonly Queue<RecordRef> _live = new();
    private readonly List<string> _recoveryNotes = [];
    private FileStream? _active;
    private long _nextPosition = 1;
    private long _goneUpTo;
    private long _bytes;

    // Mirrors _live.Count so Count can be read without waiting for an append's fsync.
    private int _count;
    private EventMessage? _notice;
    private long _noticePosition;
    private long _noticeCount;
    private long _dropped;
    private bool _disposed;

    private const string LockFileName = "journal.lock";

    private FileStream? _ownership;

    private EventJournal(string folder, int maxEvents, long maxBytes)
    {
        _folder = folder;
        _maxEvents = maxEvents;
        _maxBytes = maxBytes;
        _segmentLimit = Math.Clamp(maxBytes / 8, MinimumMaxBytes, MaxSegmentBytes);
    }

    /// <summary>Records waiting for delivery (the pending drop notice not included).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Bytes of the waiting records (headers included). The disk may hold up to one segment more.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Events dropped by the bound since this journal was opened.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Waiting records found when the journal was opened.</summary>
    public int Recovered { get; private set; }

    /// <summary>Bytes cut off at open: torn tails (a crash mid-append) and everything from a corrupt record on.</summary>
    public long TruncatedBytes { get; private set; }

    /// <summary>Records found corrupt (CRC or framing) at open; reading that segment stopped at each of them.</summary>
    public int CorruptRecords { get; private set; }

    /// <summary>What the open had to repair, one sentence per repair (empty after a clean shutdown).</summary>
    public IReadOnlyList<string> RecoveryNotes => _recoveryNotes;

    public int MaxEvents => _maxEvents;

    public long MaxBytes => _maxBytes;

    public static EventJournal Open(string folder, int maxEvents, long maxBytes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (maxEvents < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxEvents), maxEvents, "the event journal needs room for at least 1 event");
        }

        if (maxBytes < MinimumMaxBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"the event journal needs at least {MinimumMaxBytes} bytes");
        }

        Directory.CreateDirectory(folder);
        var journal = new EventJournal(Path.GetFullPath(folder), maxEvents, maxBytes);
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

    /// <summary>Appends one event durably (written and fsync'd before this returns), then enforces the bound.</summary>
    public void Append(EventMessage message)
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
            var segment = ActiveSegment();
            var position = _nextPosition;
            var record = new byte[HeaderBytes + payload.Length];
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payload.Length);
            BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), position);
            payload.CopyTo(record.AsSpan(HeaderBytes));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.Compute(record.AsSpan(8)));

            var offset = _active!.Length;
            _active.Write(record);
            _active.Flush(flushToDisk: true);

            _nextPosition++;
            segment.Length = offset + record.Length;
            segment.LiveRecords++;
            _live.Enqueue(new RecordRef(position, segment, offset, payload.Length));
            Interlocked.Add(ref _bytes, record.Length);
            EnforceBound();
            Volatile.Write(ref _count, _live.Count);
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
            if (_notice is not null)
            {
                entry = new JournalEntry(_noticePosition, _notice, true);
                return true;
            }

            if (_live.TryPeek(out var head))
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
    /// durably in the state file and deletes segment files that hold nothing waiting any more.
    /// </summary>
    public void Acknowledge(long position)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (position <= _goneUpTo && (_notice is null || position < _noticePosition))
            {
                return;
            }

            if (_notice is not null && _noticePosition <= position)
            {
                _notice = null;
                _noticeCount = 0;
            }

            while (_live.TryPeek(out var head) && head.Position <= position)
            {
                _live.Dequeue();
                Release(head);
            }

            _goneUpTo = Math.Max(_goneUpTo, Math.Min(position, _nextPosition - 1));
            Volatile.Write(ref _count, _live.Count);
            WriteState();
            DeleteDrainedSegments();
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
            _active?.Dispose();
            _active = null;
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

    private Segment ActiveSegment()
    {
        var last = _segments.Count > 0 ? _segments[^1] : null;
        if (last is not null && _active is not null && last.Length < _segmentLimit)
        {
            return last;
        }

        _active?.Dispose();
        var segment = new Segment(Path.Combine(_folder, SegmentName(_nextPosition)), _nextPosition) { Length = 0 };
        _active = new FileStream(segment.Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        FsyncFolder();
        _segments.Add(segment);
        return segment;
    }

    private void EnforceBound()
    {
        var droppedAny = false;
        while (_live.Count > _maxEvents || _bytes > _maxBytes)
        {
            var oldest = _live.Dequeue();
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
            _goneUpTo = Math.Max(_goneUpTo, oldest.Position);
            _dropped++;
            droppedAny = true;
            NoteDropped(oldest.Position, lost);
        }

        if (droppedAny)
        {
            WriteState();
            DeleteDrainedSegments();
        }
    }

    private void NoteDropped(long position, EventMessage? lost)
    {
        _noticeCount++;
        var firstId = _notice is not null && _notice.Data.TryGetValue("firstDroppedId", out var first) ? first : lost?.Id ?? "unknown";
        var firstTime = _notice is not null && _notice.Data.TryGetValue("firstDroppedTime", out var firstAt) ? firstAt : lost is null ? "unknown" : TelemetryJson.FormatTime(lost.Time);
        var template = lost ?? _notice;
        _noticePosition = position;
        _notice = new EventMessage
        {
            Id = template?.Id ?? $"journal-{position}",
            Seq = template?.Seq ?? position,
            BootId = template?.BootId ?? "journal",
            DeviceId = template?.DeviceId ?? "unknown",
            Time = template?.Time ?? DateTimeOffset.UnixEpoch,
            Kind = EventKinds.Uplink,
            Severity = EventSeverities.Warning,
            Message = $"{_noticeCount} events dropped (queue full: bound {_maxEvents} events / {_maxBytes} bytes)",
            Data = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["dropped"] = _noticeCount.ToString(CultureInfo.InvariantCulture),
                ["firstDroppedId"] = firstId,
                ["firstDroppedTime"] = firstTime,
                ["lastDroppedId"] = lost?.Id ?? "unknown",
                ["lastDroppedTime"] = lost is null ? "unknown" : TelemetryJson.FormatTime(lost.Time),
                ["boundEvents"] = _maxEvents.ToString(CultureInfo.InvariantCulture),
                ["boundBytes"] = _maxBytes.ToString(CultureInfo.InvariantCulture),
            },
        };
    }

    private void Release(RecordRef record)
    {
        record.Segment.LiveRecords--;
        Interlocked.Add(ref _bytes, -(HeaderBytes + record.PayloadLength));
    }

    private void DeleteDrainedSegments()
    {
        for (var i = _segments.Count - 1; i >= 0; i--)
        {
            var segment = _segments[i];
            var isActive = i == _segments.Count - 1 && _active is not null;
            if (segment.LiveRecords == 0 && !isActive)
            {
                File.Delete(segment.Path);
                _segments.RemoveAt(i);
            }
        }
    }

    private EventMessage ReadMessage(RecordRef record)
    {
        var buffer = new byte[record.PayloadLength];
        using (var handle = File.OpenHandle(record.Segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            var read = RandomAccess.Read(handle, buffer, record.Offset + HeaderBytes);
            if (read != buffer.Length)
            {
                throw new IOException($"{record.Segment.Path}: record {record.Position} at offset {record.Offset} is shorter on disk than when it was written");
            }
        }

        try
        {
            return TelemetryJson.DeserializeEvent(buffer);
        }
        catch (TelemetryFormatException ex)
        {
            throw new IOException($"{record.Segment.Path}: record {record.Position} at offset {record.Offset} passes its CRC but is not an event: {ex.Message}", ex);
        }
    }

    private void Recover()
    {
        ReadState();
        var files = Directory.GetFiles(_folder, SegmentPrefix + "*" + SegmentSuffix);
        Array.Sort(files, StringComparer.Ordinal);
        var highest = _goneUpTo;
        foreach (var file in files)
        {
            var segment = RecoverSegment(file, ref highest);
            if (segment is not null)
            {
                _segments.Add(segment);
            }
        }

        _nextPosition = highest + 1;
        Recovered = _live.Count;
        DeleteDrainedSegments();
        if (_segments.Count > 0 && _segments[^1].Length < _segmentLimit)
        {
            var last = _segments[^1];
            _active = new FileStream(last.Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        }

        EnforceBound();
        Volatile.Write(ref _count, _live.Count);
    }

    private Segment? RecoverSegment(string file, ref long highest)
    {
        var name = Path.GetFileName(file);
        var bytes = File.ReadAllBytes(file);
        var segment = new Segment(file, 0);
        var offset = 0;
        string? problem = null;
        var corrupt = false;
        while (offset < bytes.Length)
        {
            var remaining = bytes.Length - offset;
            if (remaining < HeaderBytes)
            {
                problem = $"a torn record header ({remaining} of {HeaderBytes} bytes)";
                break;
            }

            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            if (length > MaxPayloadBytes)
            {
                problem = $"a record length of {length} bytes (more than {MaxPayloadBytes})";
                corrupt = true;
                break;
            }

            if (remaining < HeaderBytes + (int)length)
            {
                problem = $"a torn record ({remaining} of {HeaderBytes + length} bytes)";
                break;
            }

            var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
            var covered = bytes.AsSpan(offset + 8, 8 + (int)length);
            if (Crc32.Compute(covered) != crc)
            {
                problem = "a record that fails its CRC";
                corrupt = true;
                break;
            }

            var position = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset + 8));
            if (position <= highest && position > _goneUpTo)
            {
                problem = $"record position {position} out of order (after {highest})";
                corrupt = true;
                break;
            }

            if (segment.FirstPosition == 0)
            {
                segment = new Segment(file, position);
            }

            highest = Math.Max(highest, position);
            if (position > _goneUpTo)
            {
                _live.Enqueue(new RecordRef(position, segment, offset, (int)length));
                segment.LiveRecords++;
                Interlocked.Add(ref _bytes, HeaderBytes + length);
            }

            offset += HeaderBytes + (int)length;
        }

        segment.Length = offset;
        if (problem is not null)
        {
            var cut = bytes.Length - offset;
            TruncatedBytes += cut;
            if (corrupt)
            {
                CorruptRecords++;
                var aside = $"{file}.corrupt-{offset}";
                File.WriteAllBytes(aside, bytes.AsSpan(offset).ToArray());
                _recoveryNotes.Add($"{name}: stopped at offset {offset} on {problem}; kept {segment.LiveRecords} waiting records before it, cut {cut} bytes (copied to {Path.GetFileName(aside)})");
            }
            else
            {
                _recoveryNotes.Add($"{name}: torn tail at offset {offset}, {problem}, from an interrupted append; cut {cut} bytes");
            }

            using var stream = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.Read);
            stream.SetLength(offset);
            stream.Flush(flushToDisk: true);
        }

        if (offset == 0)
        {
            File.Delete(file);
            return null;
        }

        return segment;
    }

    private void ReadState()
    {
        var path = Path.Combine(_folder, StateFileName);
        if (!File.Exists(path))
        {
            return;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 32 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != StateMagic ||
            Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)))
        {
            _recoveryNotes.Add($"{StateFileName}: unreadable ({bytes.Length} bytes, bad magic or CRC); every record on disk is treated as undelivered (consumers dedupe by event id)");
            return;
        }

        _goneUpTo = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(4));
        _noticePosition = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12));
        _noticeCount = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(20));
        var noticeLength = bytes.Length - 32;
        if (_noticeCount > 0 && noticeLength > 0)
        {
            try
            {
                _notice = TelemetryJson.DeserializeEvent(bytes.AsSpan(28, noticeLength));
            }
            catch (TelemetryFormatException ex)
            {
                _recoveryNotes.Add($"{StateFileName}: the pending drop notice is unreadable ({ex.Message}); it is lost");
                _noticeCount = 0;
            }
        }
    }

    private void WriteState()
    {
        var notice = _notice is null ? [] : TelemetryJson.SerializeEvent(_notice);
        var bytes = new byte[32 + notice.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, StateMagic);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), _goneUpTo);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), _notice is null ? 0 : _noticePosition);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(20), _notice is null ? 0 : _noticeCount);
        notice.CopyTo(bytes.AsSpan(28));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));

        // Write-then-rename so a crash leaves either the old or the new state, never half of one.
        var path = Path.Combine(_folder, StateFileName);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        FsyncFolder();
    }

    /// <summary>Makes a new or renamed file's directory entry durable (Linux needs the folder fsync'd too).</summary>
    private void FsyncFolder()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var folder = File.OpenHandle(_folder, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            RandomAccess.FlushToDisk(folder);
        }
        catch (UnauthorizedAccessException)
        {
            // Some file systems refuse to open a folder as a file; the data itself is fsync'd already.
        }
        catch (IOException)
        {
            // As above.
        }
    }

    private static string SegmentName(long firstPosition) =>
        $"{SegmentPrefix}{firstPosition.ToString("D19", CultureInfo.InvariantCulture)}{SegmentSuffix}";

    private sealed class Segment(string path, long firstPosition)
    {
        public string Path { get; } = path;
        public long FirstPosition { get; } = firstPosition;
        public long Length { get; set; }
        public int LiveRecords { get; set; }
    }

    private readonly record struct RecordRef(long Position, Segment Segment, long Offset, int PayloadLength);
}
