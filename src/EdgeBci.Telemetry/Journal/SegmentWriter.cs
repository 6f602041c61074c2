namespace EdgeBci.Telemetry.Journal;

/// <summary>
/// Appends records to the segment files and deletes the ones that hold nothing waiting. An append whose write or
/// fsync fails is cut back, so the segment ends exactly where it ended before; if even that fails the segment is
/// sealed (no more appends; recovery cuts its torn tail) and the next append starts a new one.
/// </summary>
internal sealed class SegmentWriter(string folder, long segmentLimit, SegmentFileOpener openSegment) : IDisposable
{
    private readonly List<JournalSegment> _segments = [];
    private ISegmentFile? _active;

    public void AddRecovered(IEnumerable<JournalSegment> segments) => _segments.AddRange(segments);

    /// <summary>Writes and fsyncs one record; false (and why) when the disk refuses, with the segment as it was.</summary>
    public bool TryWrite(JournalRecordRef held, out JournalRecordRef written, out string? error)
    {
        written = default;
        JournalSegment segment;
        try
        {
            segment = ActiveSegment(held.Position);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            error = $"cannot open a segment file in {folder}: {exception.Message}";
            return false;
        }

        var record = JournalRecord.Encode(held.Position, held.Payload);
        var offset = segment.Length;
        try
        {
            _active!.Write(record, offset);
            _active.Flush();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            CutBack(segment, offset);
            error = $"cannot write event record {held.Position} to {Path.GetFileName(segment.Path)}: {exception.Message}";
            return false;
        }

        segment.Length = offset + record.Length;
        segment.LiveRecords++;
        written = held with { Segment = segment, Offset = offset, Payload = null };
        error = null;
        return true;
    }

    public void DeleteDrained()
    {
        for (var i = _segments.Count - 1; i >= 0; i--)
        {
            var segment = _segments[i];
            var isActive = i == _segments.Count - 1 && !segment.Sealed;
            if (segment.LiveRecords == 0 && !isActive)
            {
                File.Delete(segment.Path);
                _segments.RemoveAt(i);
            }
        }
    }

    public void Dispose()
    {
        _active?.Dispose();
        _active = null;
    }

    /// <summary>The segment to append to; a new one is named after the first position it will hold.</summary>
    private JournalSegment ActiveSegment(long firstPosition)
    {
        var last = _segments.Count > 0 ? _segments[^1] : null;
        if (last is not null && !last.Sealed && last.Length < segmentLimit)
        {
            _active ??= openSegment(last.Path, createNew: false);
            return last;
        }

        _active?.Dispose();
        _active = null;
        var segment = new JournalSegment(Path.Combine(folder, JournalRecord.SegmentName(firstPosition)), firstPosition);
        if (File.Exists(segment.Path))
        {
            // Left by an earlier try whose first record failed and could not be cut: it holds no whole record.
            File.Delete(segment.Path);
        }

        _active = openSegment(segment.Path, createNew: true);
        JournalState.FsyncFolder(folder);
        _segments.Add(segment);
        return segment;
    }

    private void CutBack(JournalSegment segment, long length)
    {
        try
        {
            _active!.SetLength(length);
            _active.Flush();
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            segment.Sealed = true;
            _active?.Dispose();
            _active = null;
            if (segment.LiveRecords == 0)
            {
                // Nothing waiting in it: forget it now, so a new segment may take its name.
                _segments.Remove(segment);
            }
        }
    }
}
