using System.Globalization;

namespace EdgeBci.Firmware;

/// <summary>
/// The recordings folder's limits: a free-space reserve the recordings never eat into (the event journal shares the
/// file system), a quota on the folder's total size and a most number of files; the oldest finished recordings are
/// deleted to keep within the last two, never the one being written.
/// </summary>
internal sealed class RecordingStorage(string folder, RecordingOptions options)
{
    private const long Megabyte = 1024 * 1024;

    public string Folder { get; } = folder;

    /// <summary>Bytes free to this process on the folder's file system.</summary>
    public long FreeBytes() => new DriveInfo(Folder).AvailableFreeSpace;

    /// <summary>
    /// Deletes the oldest finished recordings until at most <see cref="RecordingOptions.MaxFiles"/> minus
    /// <paramref name="room"/> remain and the folder is within its quota. <paramref name="current"/> is never deleted.
    /// Returns the files deleted.
    /// </summary>
    public List<string> Prune(string? current, int room)
    {
        var files = Recordings();
        var total = 0L;
        foreach (var file in files)
        {
            total += file.Length;
        }

        var deleted = new List<string>();
        var count = files.Count;
        foreach (var file in files)
        {
            if (count <= options.MaxFiles - room && total <= options.QuotaMegabytes * Megabyte)
            {
                break;
            }

            if (string.Equals(file.FullName, current, StringComparison.Ordinal))
            {
                continue;
            }

            var length = file.Length;
            file.Delete();
            deleted.Add(file.FullName);
            total -= length;
            count--;
        }

        return deleted;
    }

    /// <summary>Why nothing may be recorded now because free space is below the reserve, or null.</summary>
    public string? ReserveProblem()
    {
        var free = FreeBytes();
        return free < options.MinFreeMegabytes * Megabyte
            ? string.Create(CultureInfo.InvariantCulture,
                $"{free / (double)Megabyte:0.#} MB free for {Folder}, below the {options.MinFreeMegabytes} MB reserve (Recording:MinFreeMegabytes)")
            : null;
    }

    /// <summary>Why no more may be recorded because the folder is at its quota (with nothing left to delete), or null.</summary>
    public string? QuotaProblem()
    {
        var total = 0L;
        foreach (var file in Recordings())
        {
            total += file.Length;
        }

        return total >= options.QuotaMegabytes * Megabyte
            ? string.Create(CultureInfo.InvariantCulture,
                $"the recordings in {Folder} hold {total / (double)Megabyte:0.#} MB, the {options.QuotaMegabytes} MB quota (Recording:QuotaMegabytes)")
            : null;
    }

    /// <summary>The folder's recordings, oldest first.</summary>
    private List<FileInfo> Recordings()
    {
        var files = new List<FileInfo>();
        if (!Directory.Exists(Folder))
        {
            return files;
        }

        foreach (var file in new DirectoryInfo(Folder).EnumerateFiles())
        {
            if (file.Extension is ".bdf" or ".edf")
            {
                files.Add(file);
            }
        }

        files.Sort((a, b) => a.LastWriteTimeUtc != b.LastWriteTimeUtc
            ? a.LastWriteTimeUtc.CompareTo(b.LastWriteTimeUtc)
            : string.CompareOrdinal(a.Name, b.Name));
        return files;
    }
}
