using System.Formats.Tar;
using System.IO.Compression;

namespace EdgeBci.Release.Bundle;

/// <summary>
/// The bundle file: a gzip tar of a sealed release folder. Packing is reproducible (sorted entries, owner 0:0, every
/// time the manifest's <c>created</c>), so the same stage packs to the same bytes. Unpacking admits only what a release
/// is made of (directories and regular files under relative paths) into an empty folder: a link, device, absolute path
/// or <c>..</c> in a bundle is refused before it is written anywhere. Modes are Unix modes; the product runs on Linux
/// only, and on Windows (an engineer's checkout) they are left out rather than failing.
/// </summary>
public static class ReleaseArchive
{
    /// <summary>Mode of manifest.txt and manifest.sig (the packer keeps every other file's mode as staged).</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode PermissionBits = (UnixFileMode)0x1FF;

    /// <summary>Packs the sealed <paramref name="stage"/> into <paramref name="bundlePath"/> (replaced if it exists).</summary>
    /// <exception cref="ArgumentException">The stage holds a link or a path a release may not.</exception>
    public static void Pack(string stage, string bundlePath, DateTimeOffset created)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        ArgumentException.ThrowIfNullOrWhiteSpace(bundlePath);
        var root = Path.GetFullPath(stage);
        var entries = ReleaseTree.Walk(root, link =>
            throw new ArgumentException($"{Path.Combine(root, link)} is a symbolic link; a release holds only regular files and directories.", nameof(stage)));
        var target = Path.GetFullPath(bundlePath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = target + ".partial";
        using (var file = new FileStream(temporary, System.IO.FileMode.Create, FileAccess.Write))
        {
            using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
            using (var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (var entry in entries)
                {
                    if (ReleasePath.Problem(entry.Path) is { } problem)
                    {
                        throw new ArgumentException($"{entry.FullPath}: {problem}; a release path uses only [A-Za-z0-9._+-/].", nameof(stage));
                    }

                    var tarEntry = Describe(entry, created);
                    using (tarEntry.DataStream)
                    {
                        tar.WriteEntry(tarEntry);
                    }
                }
            }

            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, target, overwrite: true);
    }

    /// <summary>Unpacks <paramref name="bundlePath"/> into <paramref name="destination"/>, which must be empty or not exist.</summary>
    /// <exception cref="ReleaseVerificationException">(<see cref="ReleaseCheck.Archive"/>) the bundle is damaged or holds an entry a release may not.</exception>
    public static void Unpack(string bundlePath, string destination)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bundlePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(destination);
        var bundle = Path.GetFileName(bundlePath);
        var root = Path.GetFullPath(destination);
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            throw new IOException($"{root}: not empty; a bundle is unpacked only into an empty folder.");
        }

        Directory.CreateDirectory(root);
        try
        {
            using var file = new FileStream(bundlePath, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var tar = new TarReader(gzip);
            var entries = 0;
            while (tar.GetNextEntry() is { } entry)
            {
                entries++;
                Extract(bundle, root, entry);
            }

            if (entries == 0)
            {
                throw new ReleaseVerificationException(ReleaseCheck.Archive, $"{bundle} is not a release bundle (the archive is empty)");
            }
        }
        catch (Exception exception) when (exception is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new ReleaseVerificationException(ReleaseCheck.Archive,
                $"{bundle} is damaged: not a readable gzip tar ({exception.Message.TrimEnd('.')})", exception);
        }
    }

    private static PaxTarEntry Describe(ReleaseTreeEntry entry, DateTimeOffset created)
    {
        var name = entry.IsDirectory ? entry.Path + "/" : entry.Path;
        var stamp = new Dictionary<string, string>(StringComparer.Ordinal);
        var tarEntry = new PaxTarEntry(entry.IsDirectory ? TarEntryType.Directory : TarEntryType.RegularFile, name, stamp)
        {
            Mode = OperatingSystem.IsWindows() ? DefaultMode(entry.IsDirectory) : File.GetUnixFileMode(entry.FullPath) & PermissionBits,
            Uid = 0,
            Gid = 0,
            UserName = "root",
            GroupName = "root",
            ModificationTime = created,
        };
        if (!entry.IsDirectory)
        {
            tarEntry.DataStream = new FileStream(entry.FullPath, System.IO.FileMode.Open, FileAccess.Read, FileShare.Read);
        }

        return tarEntry;
    }

    private static void Extract(string bundle, string root, TarEntry entry)
    {
        var name = entry.Name.EndsWith('/') ? entry.Name[..^1] : entry.Name;
        var kind = entry.EntryType switch
        {
            TarEntryType.Directory or TarEntryType.RegularFile or TarEntryType.V7RegularFile => null,
            TarEntryType.SymbolicLink => "a symbolic link",
            TarEntryType.HardLink => "a hard link",
            TarEntryType.CharacterDevice or TarEntryType.BlockDevice => "a device file",
            TarEntryType.Fifo => "a named pipe",
            _ => $"a {entry.EntryType} entry",
        };
        if (kind is not null)
        {
            throw new ReleaseVerificationException(ReleaseCheck.Archive,
                $"{bundle}: entry {Quoted(entry.Name)} is {kind}; a release holds only regular files and directories");
        }

        if (ReleasePath.Problem(name) is { } problem)
        {
            throw new ReleaseVerificationException(ReleaseCheck.Archive, $"{bundle}: entry {Quoted(entry.Name)}: {problem}");
        }

        var path = Path.GetFullPath(Path.Combine(root, name));
        if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ReleaseVerificationException(ReleaseCheck.Archive, $"{bundle}: entry {Quoted(entry.Name)} points outside the bundle");
        }

        var mode = entry.Mode & PermissionBits;
        if (entry.EntryType == TarEntryType.Directory)
        {
            if (File.Exists(path))
            {
                throw new ReleaseVerificationException(ReleaseCheck.Archive, $"{bundle}: entry {Quoted(entry.Name)} is both a file and a directory");
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, mode | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            return;
        }

        if (Directory.Exists(path) || File.Exists(path))
        {
            throw new ReleaseVerificationException(ReleaseCheck.Archive, $"{bundle}: entry {Quoted(entry.Name)} appears twice");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode | UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var output = new FileStream(path, options);
        entry.DataStream?.CopyTo(output);
    }

    private static UnixFileMode DefaultMode(bool directory) =>
        directory ? FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute : FileMode;

    private static string Quoted(string name)
    {
        var printable = new System.Text.StringBuilder(name.Length + 2).Append('"');
        foreach (var c in name)
        {
            printable.Append(char.IsControl(c) ? '?' : c);
        }

        return printable.Append('"').ToString();
    }
}
