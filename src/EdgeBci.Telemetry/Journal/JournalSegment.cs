namespace EdgeBci.Telemetry.Journal;

/// <summary>One segment file and what of it is still waiting.</summary>
internal sealed class JournalSegment(string path, long firstPosition)
{
    public string Path { get; } = path;

    public long FirstPosition { get; } = firstPosition;

    /// <summary>Bytes of whole records; appends go here.</summary>
    public long Length { get; set; }

    public int LiveRecords { get; set; }

    /// <summary>A failed append could not be cut back: nothing more is appended here (recovery cuts the torn tail).</summary>
    public bool Sealed { get; set; }
}

/// <summary>
/// A waiting record: on disk in <see cref="Segment"/> at <see cref="Offset"/>, or, while the disk refuses writes, held
/// in memory as its JSON (<see cref="Segment"/> null, <see cref="Payload"/> set).
/// </summary>
internal readonly record struct JournalRecordRef(long Position, JournalSegment? Segment, long Offset, int PayloadLength, byte[]? Payload)
{
    public int RecordBytes => JournalRecord.HeaderBytes + PayloadLength;
}
