using System.Buffers.Binary;
using System.Globalization;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Journal;

/// <summary>
/// <c>state.bin</c>: the last position that is gone (delivered or dropped) and the pending drop notice,
/// <c>[u32 magic][i64 goneUpTo][i64 noticePosition][i64 noticeCount][notice JSON][u32 crc32]</c>.
/// </summary>
internal sealed class JournalState
{
    public const string FileName = "state.bin";
    private const uint Magic = 0x4A42_4345; // "ECBJ"

    public long GoneUpTo { get; set; }

    public long NoticePosition { get; set; }

    public long NoticeCount { get; set; }

    public EventMessage? Notice { get; set; }

    /// <summary>Reads the state; an unreadable file adds a note and counts as "nothing gone yet".</summary>
    public static JournalState Read(string folder, List<string> notes)
    {
        var state = new JournalState();
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return state;
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 32 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic ||
            Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)) != BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)))
        {
            notes.Add($"{FileName}: unreadable ({bytes.Length} bytes, bad magic or CRC); every record on disk is treated as undelivered (consumers dedupe by event id)");
            return state;
        }

        state.GoneUpTo = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(4));
        state.NoticePosition = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12));
        state.NoticeCount = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(20));
        var noticeLength = bytes.Length - 32;
        if (state.NoticeCount > 0 && noticeLength > 0)
        {
            try
            {
                state.Notice = TelemetryJson.DeserializeEvent(bytes.AsSpan(28, noticeLength));
            }
            catch (TelemetryFormatException ex)
            {
                notes.Add($"{FileName}: the pending drop notice is unreadable ({ex.Message}); it is lost");
                state.NoticeCount = 0;
            }
        }

        if (state.Notice is null)
        {
            state.NoticeCount = 0;
        }

        return state;
    }

    /// <summary>
    /// Counts one more dropped event into the pending notice, which takes the dropped event's id, seq and time (never
    /// delivered, so unique, and it sorts where the lost events were).
    /// </summary>
    public void RecordDrop(long position, EventMessage? lost, int maxEvents, long maxBytes)
    {
        var notice = Notice;
        var count = (notice is null ? 0 : NoticeCount) + 1;
        var firstId = notice is not null && notice.Data.TryGetValue("firstDroppedId", out var first) ? first : lost?.Id ?? "unknown";
        var firstTime = notice is not null && notice.Data.TryGetValue("firstDroppedTime", out var firstAt) ? firstAt : lost is null ? "unknown" : TelemetryJson.FormatTime(lost.Time);
        var template = lost ?? notice;
        NoticeCount = count;
        NoticePosition = position;
        Notice = new EventMessage
        {
            Id = template?.Id ?? $"journal-{position}",
            Seq = template?.Seq ?? position,
            BootId = template?.BootId ?? "journal",
            DeviceId = template?.DeviceId ?? "unknown",
            Time = template?.Time ?? DateTimeOffset.UnixEpoch,
            Kind = EventKinds.Uplink,
            Severity = EventSeverities.Warning,
            Message = $"{count} events dropped (queue full: bound {maxEvents} events / {maxBytes} bytes)",
            Data = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["dropped"] = count.ToString(CultureInfo.InvariantCulture),
                ["firstDroppedId"] = firstId,
                ["firstDroppedTime"] = firstTime,
                ["lastDroppedId"] = lost?.Id ?? "unknown",
                ["lastDroppedTime"] = lost is null ? "unknown" : TelemetryJson.FormatTime(lost.Time),
                ["boundEvents"] = maxEvents.ToString(CultureInfo.InvariantCulture),
                ["boundBytes"] = maxBytes.ToString(CultureInfo.InvariantCulture),
            },
        };
    }

    /// <summary>Writes the state durably; throws IOException when the disk refuses (full), leaving the old state.</summary>
    public void Write(string folder)
    {
        var notice = Notice is null ? [] : TelemetryJson.SerializeEvent(Notice);
        var bytes = new byte[32 + notice.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(4), GoneUpTo);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(12), Notice is null ? 0 : NoticePosition);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(20), Notice is null ? 0 : NoticeCount);
        notice.CopyTo(bytes.AsSpan(28));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.Compute(bytes.AsSpan(0, bytes.Length - 4)));

        // Write-then-rename so a crash leaves either the old or the new state, never half of one.
        var path = Path.Combine(folder, FileName);
        var temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (IOException)
        {
            TryDelete(temporary);
            throw;
        }

        FsyncFolder(folder);
    }

    /// <summary>Makes a new or renamed file's directory entry durable (Linux needs the folder fsync'd too).</summary>
    public static void FsyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var handle = File.OpenHandle(folder, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            RandomAccess.FlushToDisk(handle);
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

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A half-written temporary file is harmless: the next write replaces it and open never reads it.
        }
    }
}
