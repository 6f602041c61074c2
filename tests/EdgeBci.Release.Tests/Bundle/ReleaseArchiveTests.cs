using System.Formats.Tar;
using System.IO.Compression;
using EdgeBci.Release.Bundle;

namespace EdgeBci.Release.Tests.Bundle;

/// <summary>The bundle file: reproducible packing, and unpacking that admits only what a release is made of.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReleaseArchiveTests
{
    private ReleaseFixture _release = null!;

    [SetUp]
    public void StageARelease() => _release = new ReleaseFixture();

    [TearDown]
    public void DeleteIt() => _release.Dispose();

    [Test]
    public void The_same_stage_packs_to_the_same_bytes_whatever_the_files_times()
    {
        _release.SignAndPack();
        var first = File.ReadAllBytes(_release.BundlePath);
        foreach (var file in Directory.GetFiles(_release.Stage, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        }

        _release.Pack();

        Assert.That(File.ReadAllBytes(_release.BundlePath), Is.EqualTo(first));
    }

    [Test]
    public void Entries_are_sorted_relative_owned_by_root_stamped_with_the_manifest_time_and_keep_their_modes()
    {
        _release.SignAndPack();

        var entries = ReadEntries(_release.BundlePath);

        var names = entries.Select(e => e.Name).ToList();
        Assert.That(names, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(names, Does.Contain("manifest.txt").And.Contain("manifest.sig").And.Contain("firmware/").And.Contain("firmware/EdgeBci.Firmware"));
        Assert.That(names.Any(n => n.StartsWith('/') || n.StartsWith("./", StringComparison.Ordinal)), Is.False);
        Assert.That(entries.All(e => e.Uid == 0 && e.Gid == 0 && e.ModificationTime == ReleaseFixture.Created), Is.True);
        Assert.That(entries.Single(e => e.Name == "firmware/EdgeBci.Firmware").Mode & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.UserExecute));
        Assert.That(entries.Single(e => e.Name == "firmware/EdgeBci.Firmware.dll").Mode & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.None));
    }

    [Test]
    public void Unpacking_keeps_the_files_and_their_modes()
    {
        _release.SignAndPack();
        var target = Path.Combine(_release.Folder, "slot");

        ReleaseArchive.Unpack(_release.BundlePath, target);

        Assert.That(File.ReadAllText(Path.Combine(target, "cli", "edgebci")), Is.EqualTo("#!/bin/sh\necho cli\n"));
        Assert.That(File.GetUnixFileMode(Path.Combine(target, "cli", "edgebci")) & UnixFileMode.UserExecute, Is.EqualTo(UnixFileMode.UserExecute));
        Assert.That(File.Exists(Path.Combine(target, "manifest.sig")), Is.True);
    }

    [Test]
    public void An_entry_climbing_out_with_dot_dot_is_refused_and_nothing_is_written_outside()
    {
        WriteTar(("firmware/", TarEntryType.Directory, null), ("../escaped", TarEntryType.RegularFile, null));

        var refusal = _release.Refusal();

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.Archive));
        Assert.That(refusal.Message, Is.EqualTo($"{_release.BundleName}: entry \"../escaped\": the path has a '..' component"));
        Assert.That(File.Exists(Path.Combine(Path.GetTempPath(), "escaped")), Is.False);
    }

    [Test]
    public void An_absolute_entry_is_refused()
    {
        WriteTar(("/etc/passwd", TarEntryType.RegularFile, null));

        Assert.That(_release.Refusal().Message, Is.EqualTo($"{_release.BundleName}: entry \"/etc/passwd\": the path is absolute"));
    }

    [Test]
    public void Symbolic_and_hard_link_entries_are_refused()
    {
        WriteTar(("firmware/EdgeBci.Firmware", TarEntryType.SymbolicLink, "/bin/sh"));
        var symbolic = _release.Refusal();
        WriteTar(("firmware/EdgeBci.Firmware", TarEntryType.HardLink, "etc/shadow"));
        var hard = _release.Refusal();

        Assert.That(symbolic.Check, Is.EqualTo(ReleaseCheck.Archive));
        Assert.That(symbolic.Message, Is.EqualTo(
            $"{_release.BundleName}: entry \"firmware/EdgeBci.Firmware\" is a symbolic link; a release holds only regular files and directories"));
        Assert.That(hard.Message, Does.Contain("is a hard link"));
    }

    [Test]
    public void A_symbolic_link_in_the_stage_stops_signing_naming_it()
    {
        File.CreateSymbolicLink(Path.Combine(_release.Stage, "cli", "shell"), "/bin/sh");

        var error = Assert.Throws<ArgumentException>(() => _release.Sign());

        Assert.That(error!.Message, Does.Contain(Path.Combine("cli", "shell")).And.Contain("symbolic link"));
    }

    [Test]
    public void A_damaged_gzip_is_a_refusal_naming_the_bundle()
    {
        _release.SignAndPack();
        var bytes = File.ReadAllBytes(_release.BundlePath);
        for (var index = bytes.Length / 3; index < bytes.Length / 3 + 64; index++)
        {
            bytes[index] ^= 0x5A;
        }

        File.WriteAllBytes(_release.BundlePath, bytes);

        var refusal = _release.Refusal();

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.Archive));
        Assert.That(refusal.Message, Does.StartWith($"{_release.BundleName} is damaged: not a readable gzip tar"));
    }

    [Test]
    public void A_file_that_is_not_gzip_at_all_is_a_refusal_naming_the_bundle()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_release.BundlePath)!);
        File.WriteAllText(_release.BundlePath, "this is not a bundle\n");

        Assert.That(_release.Refusal().Message, Does.StartWith($"{_release.BundleName} is damaged: not a readable gzip tar"));
    }

    private static List<TarEntry> ReadEntries(string bundle)
    {
        using var file = File.OpenRead(bundle);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var entries = new List<TarEntry>();
        while (tar.GetNextEntry(copyData: true) is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }

    private void WriteTar(params (string Name, TarEntryType Type, string? LinkTarget)[] entries)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_release.BundlePath)!);
        using var file = File.Create(_release.BundlePath);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax);
        foreach (var (name, type, target) in entries)
        {
            var entry = new PaxTarEntry(type, name);
            if (target is not null)
            {
                entry.LinkName = target;
            }
            else if (type == TarEntryType.RegularFile)
            {
                entry.DataStream = new MemoryStream("evil\n"u8.ToArray());
            }

            tar.WriteEntry(entry);
        }
    }
}
