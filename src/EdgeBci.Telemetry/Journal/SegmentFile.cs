using Microsoft.Win32.SafeHandles;

namespace EdgeBci.Telemetry.Journal;

/// <summary>
/// The one file the journal appends to. Writes go to explicit offsets with no buffer in between, so a failed write
/// leaves nothing queued in memory to be written later behind the journal's back, and a failed append is undone by
/// cutting the file back (<see cref="SetLength"/>).
/// </summary>
internal interface ISegmentFile : IDisposable
{
    void Write(ReadOnlySpan<byte> bytes, long offset);

    /// <summary>fsync: the written bytes are on the storage when this returns.</summary>
    void Flush();

    void SetLength(long length);
}

/// <summary>Opens a segment file for writing; tests substitute one that fails like a full disk.</summary>
internal delegate ISegmentFile SegmentFileOpener(string path, bool createNew);

internal sealed class SegmentFile : ISegmentFile
{
    private readonly SafeFileHandle _handle;

    private SegmentFile(SafeFileHandle handle) => _handle = handle;

    public static ISegmentFile Open(string path, bool createNew) =>
        new SegmentFile(File.OpenHandle(path, createNew ? FileMode.CreateNew : FileMode.Open, FileAccess.Write, FileShare.Read));

    public void Write(ReadOnlySpan<byte> bytes, long offset) => RandomAccess.Write(_handle, bytes, offset);

    public void Flush() => RandomAccess.FlushToDisk(_handle);

    public void SetLength(long length) => RandomAccess.SetLength(_handle, length);

    public void Dispose() => _handle.Dispose();
}
