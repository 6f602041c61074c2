using System.Diagnostics;

namespace EdgeBci.Tests.Shared;

/// <summary>
/// A folder on a file system of its own that really fills up: a tmpfs of the given size mounted in a temporary folder
/// (the tests run as root, locally and in CI) and unmounted on dispose. Where mounting is not allowed,
/// <see cref="Mounted"/> is false and the folder is an ordinary one: the test then injects the I/O error instead
/// (<see cref="FailingStream"/>) and says so.
/// </summary>
internal sealed class SmallFileSystem : IDisposable
{
    public SmallFileSystem(string purpose, int kilobytes)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"edgebci-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
        (Mounted, Why) = Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", Path);
    }

    public string Path { get; }

    /// <summary>True when <see cref="Path"/> is a tmpfs of its own; false when mounting failed (<see cref="Why"/>).</summary>
    public bool Mounted { get; }

    public string Why { get; }

    /// <summary>"tmpfs" or "injected I/O error (mount failed: ...)", for the test's output.</summary>
    public string Mode => Mounted ? "tmpfs" : $"injected I/O error (mount failed: {Why})";

    /// <summary>Fills the file system until only about <paramref name="kilobytesLeft"/> KB are free.</summary>
    public void FillLeaving(int kilobytesLeft)
    {
        var free = new DriveInfo(Path).AvailableFreeSpace;
        var fill = free - (kilobytesLeft * 1024L);
        if (fill > 0)
        {
            using var filler = new FileStream(System.IO.Path.Combine(Path, "filler"), FileMode.CreateNew);
            filler.Write(new byte[fill]);
        }
    }

    public void Dispose()
    {
        if (Mounted)
        {
            var (unmounted, why) = Run("umount", Path);
            if (!unmounted)
            {
                throw new IOException($"umount {Path}: {why}");
            }
        }

        Directory.Delete(Path, recursive: true);
    }

    private static (bool Ok, string Output) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode == 0, error.Trim());
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return (false, exception.Message);
        }
    }
}

/// <summary>A file stream that throws <see cref="IOException"/> ("No space left on device") once <paramref name="capacity"/> bytes are written.</summary>
internal sealed class FailingStream(FileStream inner, long capacity) : Stream
{
    public override bool CanRead => false;

    public override bool CanSeek => true;

    public override bool CanWrite => true;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void SetLength(long value) => inner.SetLength(value);

    public override void Write(byte[] buffer, int offset, int count)
    {
        var room = capacity - inner.Position;
        if (count > room)
        {
            // Like a full disk: what fits is written, then the write fails.
            inner.Write(buffer, offset, (int)Math.Max(room, 0));
            throw new IOException("No space left on device (injected)");
        }

        inner.Write(buffer, offset, count);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
