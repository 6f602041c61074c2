namespace EdgeBci.Telemetry.Journal;

/// <summary>
/// Reads the segment files at open: every whole record is recovered in position order. A record that fails its CRC
/// or framing in the middle of a segment does not end the reading: it resynchronises on the next valid record
/// (plausible length, position after the last good one, JSON payload, CRC) and counts the bytes skipped. A torn tail
/// (a crash mid-append) is cut; a corrupt tail is copied aside and cut. Nothing here needs free space to succeed:
/// copies aside are best effort, and cutting a file only frees space.
/// </summary>
internal sealed class JournalRecovery
{
    private readonly long _goneUpTo;
    private long _highest;

    private JournalRecovery(long goneUpTo, List<string> notes)
    {
        _goneUpTo = goneUpTo;
        _highest = goneUpTo;
        Notes = notes;
    }

    public List<JournalSegment> Segments { get; } = [];

    public Queue<JournalRecordRef> Live { get; } = new();

    /// <summary>The highest position found on disk or in the state (the next append takes the one after).</summary>
    public long Highest => _highest;

    public long WaitingBytes { get; private set; }

    public List<string> Notes { get; }

    public long TruncatedBytes { get; private set; }

    public long SkippedBytes { get; private set; }

    public int CorruptRecords { get; private set; }

    public static JournalRecovery Run(string folder, long goneUpTo, List<string> notes)
    {
        var recovery = new JournalRecovery(goneUpTo, notes);
        var files = Directory.GetFiles(folder, JournalRecord.SegmentPrefix + "*" + JournalRecord.SegmentSuffix);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (var file in files)
        {
            if (recovery.RecoverSegment(file) is { } segment)
            {
                recovery.Segments.Add(segment);
            }
        }

        return recovery;
    }

    private JournalSegment? RecoverSegment(string file)
    {
        var name = Path.GetFileName(file);
        var bytes = File.ReadAllBytes(file);
        var segment = new JournalSegment(file, JournalRecord.FirstPositionOf(name));
        var lastInSegment = Math.Max(0, segment.FirstPosition - 1);
        var offset = 0;
        while (offset < bytes.Length)
        {
            var problem = JournalRecord.Check(bytes, offset, out var position, out var payloadLength, out var incomplete);
            if (problem is null && position <= lastInSegment)
            {
                problem = $"record position {position} out of order (after {lastInSegment})";
            }
            else if (problem is null && position > _goneUpTo && position <= _highest)
            {
                problem = $"record position {position} out of order (after {_highest})";
            }

            if (problem is null)
            {
                Accept(segment, position, offset, payloadLength);
                lastInSegment = position;
                offset += JournalRecord.HeaderBytes + payloadLength;
                continue;
            }

            var next = FindNextRecord(bytes, offset + 1, lastInSegment);
            if (next < 0)
            {
                CutTail(segment, bytes, offset, problem, corrupt: !incomplete);
                break;
            }

            SkippedBytes += next - offset;
            CorruptRecords++;
            var aside = CopyAside(file, bytes.AsSpan(offset, next - offset), offset);
            Notes.Add($"{name}: skipped {next - offset} bytes at offset {offset} on {problem}; recovery resumed at the next valid record at offset {next}{aside}");
            offset = next;
        }

        segment.Length = Math.Min(offset, bytes.Length);
        if (segment.Length == 0 && !segment.Sealed)
        {
            File.Delete(file);
            return null;
        }

        return segment;
    }

    private void Accept(JournalSegment segment, long position, int offset, int payloadLength)
    {
        _highest = Math.Max(_highest, position);
        if (position > _goneUpTo)
        {
            Live.Enqueue(new JournalRecordRef(position, segment, offset, payloadLength, null));
            segment.LiveRecords++;
            WaitingBytes += JournalRecord.HeaderBytes + payloadLength;
        }
    }

    private static int FindNextRecord(byte[] bytes, int from, long after)
    {
        for (var candidate = from; candidate <= bytes.Length - JournalRecord.HeaderBytes; candidate++)
        {
            if (JournalRecord.LooksLikeHeader(bytes, candidate, after, long.MaxValue) &&
                JournalRecord.Check(bytes, candidate, out _, out _, out _) is null)
            {
                return candidate;
            }
        }

        return -1;
    }

    private void CutTail(JournalSegment segment, byte[] bytes, int offset, string problem, bool corrupt)
    {
        var name = Path.GetFileName(segment.Path);
        var cut = bytes.Length - offset;
        TruncatedBytes += cut;
        if (corrupt)
        {
            CorruptRecords++;
            var aside = CopyAside(segment.Path, bytes.AsSpan(offset), offset);
            Notes.Add($"{name}: stopped at offset {offset} on {problem}, no valid record after it; kept {segment.LiveRecords} waiting records before it, cut {cut} bytes{aside}");
        }
        else
        {
            Notes.Add($"{name}: torn tail at offset {offset}, {problem}, from an interrupted append; cut {cut} bytes");
        }

        try
        {
            using var file = SegmentFile.Open(segment.Path, createNew: false);
            file.SetLength(offset);
            file.Flush();
        }
        catch (IOException exception)
        {
            // Appending after the bad tail would bury it mid-segment; a sealed segment gets no more records.
            segment.Sealed = true;
            Notes.Add($"{name}: could not cut the bad tail ({exception.Message}); the segment is closed for appends");
        }
    }

    /// <summary>Keeps the bad bytes for a post-mortem when there is room; a full disk must not stop the recovery.</summary>
    private static string CopyAside(string file, ReadOnlySpan<byte> bad, int offset)
    {
        var aside = $"{file}.corrupt-{offset}";
        try
        {
            File.WriteAllBytes(aside, bad);
            return $" (copied to {Path.GetFileName(aside)})";
        }
        catch (IOException exception)
        {
            try
            {
                File.Delete(aside);
            }
            catch (IOException)
            {
                // Nothing more to do: the copy is a courtesy.
            }

            return $" (not copied aside: {exception.Message})";
        }
    }
}
