using EdgeBci.Telemetry.Journal;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Telemetry.Tests;

/// <summary>
/// A file system that really fills: a 1 MiB <see cref="SmallFileSystem"/> (a tmpfs of its own; we are root here and in
/// CI). Where mount is refused it falls back to the ordinary disk and <see cref="Opener"/> injects the failure instead: segment
/// writes and fsyncs throw IOException while <see cref="Fill"/> is in force. <see cref="Describe"/> says which.
/// </summary>
internal sealed class SmallDisk : IDisposable
{
    private readonly SmallFileSystem _fileSystem;
    private FileStream? _filler;

    private SmallDisk(SmallFileSystem fileSystem) => _fileSystem = fileSystem;

    /// <summary>True when this is a real tmpfs that fills; false when failures are injected.</summary>
    public bool IsReal => _fileSystem.Mounted;

    public string Root => _fileSystem.Path;

    /// <summary>Injected mode only: fail the fsync rather than the write.</summary>
    public bool FailFlushOnly { get; set; }

    public bool Full { get; private set; }

    public string Describe => IsReal
        ? $"disk full: a real 1 MiB tmpfs at {Root}"
        : $"disk full: INJECTED IOException (mount refused: {_fileSystem.Why})";

    public static SmallDisk Mount()
    {
        var disk = new SmallDisk(new SmallFileSystem("journal-disk", 1024));
        TestContext.Out.WriteLine(disk.Describe);
        return disk;
    }

    /// <summary>Opens segment files; in injected mode they fail like a full disk while <see cref="Full"/>.</summary>
    public ISegmentFile Opener(string path, bool createNew)
    {
        var file = SegmentFile.Open(path, createNew);
        return IsReal ? file : new FailingSegmentFile(file, this);
    }

    /// <summary>Fills the file system to the last byte with a filler file.</summary>
    public void Fill()
    {
        Full = true;
        if (!IsReal)
        {
            return;
        }

        _filler = new FileStream(Path.Combine(Root, "filler"), FileMode.Create, FileAccess.Write, FileShare.None, 1);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true)
            {
                _filler.Write(chunk);
            }
        }
        catch (IOException)
        {
            // Full: that was the point.
        }

        // Whatever a page boundary left over goes too, a byte at a time (bounded: at most one page per file).
        for (var i = 0; i < 64 * 1024; i++)
        {
            try
            {
                _filler.Write(chunk, 0, 1);
            }
            catch (IOException)
            {
                break;
            }
        }
    }

    public void Free()
    {
        Full = false;
        if (_filler is not null)
        {
            _filler.Dispose();
            _filler = null;
            File.Delete(Path.Combine(Root, "filler"));
        }
    }

    public void Dispose()
    {
        _filler?.Dispose();
        _fileSystem.Dispose();
    }

    /// <summary>
    /// Writes half the record and throws (a short write on a full disk), or fails the fsync of written bytes; cutting
    /// the file back works, as it does on a real full disk (it frees space).
    /// </summary>
    private sealed class FailingSegmentFile(ISegmentFile inner, SmallDisk disk) : ISegmentFile
    {
        private bool _unflushedWrite;

        public void Write(ReadOnlySpan<byte> bytes, long offset)
        {
            _unflushedWrite = true;
            if (disk.Full && !disk.FailFlushOnly)
            {
                inner.Write(bytes[..(bytes.Length / 2)], offset);
                throw new IOException("No space left on device (injected)");
            }

            inner.Write(bytes, offset);
        }

        public void Flush()
        {
            if (disk.Full && _unflushedWrite)
            {
                throw new IOException("No space left on device (injected at fsync)");
            }

            inner.Flush();
            _unflushedWrite = false;
        }

        public void SetLength(long length)
        {
            inner.SetLength(length);
            _unflushedWrite = false;
        }

        public void Dispose() => inner.Dispose();
    }
}
