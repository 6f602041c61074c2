using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.SystemTests.Arm64;

/// <summary>The emulated machine's boot files: kernel, initramfs and the root disk (raw ext4) holding the proof unit.</summary>
internal sealed record MachineImage(string Kernel, string Initrd, string RootDisk);

/// <summary>
/// The arm64 Debian root file system, built once by <c>tests/system/arm64/build-rootfs.sh</c> (mmdebstrap through
/// qemu-user, cached by package list), turned into a fresh disk image per run with the proof unit enabled and the
/// firmware unit's TCG timing drop-in, so that nothing a previous boot installed can be mistaken for this run's result.
/// </summary>
internal static class Arm64RootFileSystem
{
    private const string ProofUnit = "edgebci-arm64-proof.service";
    private const string DiskSize = "4G";

    /// <summary>The cached root file system tarball, built first when there is none (minutes: the second stage is emulated).</summary>
    public static async Task<string> BuildOrReuseAsync(string logPath, TimeSpan timeout)
    {
        var script = RepositoryRoot.File("tests/system/arm64/build-rootfs.sh");
        var output = await HostCommand.RunAsync("bash", [script], logPath, timeout);
        var tarball = output.Trim().Split('\n')[^1];
        return File.Exists(tarball) ? tarball : throw new FileNotFoundException($"{script} printed '{tarball}', which is not a file.", tarball);
    }

    /// <summary>Unpacks the tarball, enables the proof unit and writes kernel, initramfs and root disk into <paramref name="folder"/>.</summary>
    public static async Task<MachineImage> PrepareAsync(string tarball, string folder, string logPath)
    {
        var rootfs = Path.Combine(folder, "rootfs");
        Directory.CreateDirectory(rootfs);
        var tenMinutes = TimeSpan.FromMinutes(10);
        await HostCommand.RunAsync("tar", ["-xpf", tarball, "-C", rootfs, "--numeric-owner"], logPath, tenMinutes);

        var units = Path.Combine(rootfs, "etc/systemd/system");
        File.Copy(RepositoryRoot.File($"tests/system/arm64/{ProofUnit}"), Path.Combine(units, ProofUnit));
        var wants = Path.Combine(units, "multi-user.target.wants");
        Directory.CreateDirectory(wants);
        File.CreateSymbolicLink(Path.Combine(wants, ProofUnit), $"/etc/systemd/system/{ProofUnit}");
        var dropIns = Directory.CreateDirectory(Path.Combine(units, "edgebci-firmware.service.d")).FullName;
        File.Copy(RepositoryRoot.File("tests/system/arm64/edgebci-firmware-tcg.conf"), Path.Combine(dropIns, "tcg.conf"));
        await File.WriteAllTextAsync(Path.Combine(rootfs, "etc/hostname"), "edgebci-arm64\n");
        await File.WriteAllTextAsync(Path.Combine(rootfs, "etc/fstab"), "/dev/vda / ext4 rw,errors=remount-ro 0 1\n");

        var image = new MachineImage(
            CopyBootFile(rootfs, "vmlinuz-", folder),
            CopyBootFile(rootfs, "initrd.img-", folder),
            Path.Combine(folder, "root.img"));
        await HostCommand.RunAsync("mkfs.ext4", ["-q", "-F", "-L", "edgebci-root", "-d", rootfs, image.RootDisk, DiskSize], logPath, tenMinutes);
        Directory.Delete(rootfs, recursive: true);
        return image;
    }

    private static string CopyBootFile(string rootfs, string prefix, string folder)
    {
        var boot = Path.Combine(rootfs, "boot");
        var found = Directory.GetFiles(boot, prefix + "*");
        if (found.Length != 1)
        {
            throw new InvalidOperationException($"{boot}: expected one {prefix}* file, found {found.Length} ({string.Join(", ", found)}).");
        }

        var copy = Path.Combine(folder, Path.GetFileName(found[0]));
        File.Copy(found[0], copy);
        return copy;
    }
}
