using System.Security.Cryptography;
using System.Text;

namespace EdgeBci.SystemTests.Nspawn;

/// <summary>
/// The Debian 12 root file system the containers boot, made once by mmdebstrap (about a minute) and cached as a tar under
/// /var/tmp/edgebci-system-test/, named by a hash of what it is built from, so a change of the package list builds a new
/// one. Each container extracts a fresh copy of it.
/// </summary>
internal static class DebianRootFs
{
    public const string CacheFolder = "/var/tmp/edgebci-system-test";

    // systemd as PID 1 and what install.sh uses (openssl verifies the signature); perl (in minbase) runs the fake firmware.
    private const string Suite = "bookworm";
    private const string Variant = "minbase";
    private const string Packages = "systemd,systemd-sysv,dbus,openssl,libicu72,ca-certificates,udev,iproute2";

    private static readonly Lazy<string> Built = new(Build);

    /// <summary>Path of the cached tar, built on first use.</summary>
    public static string Tar => Built.Value;

    private static string Build()
    {
        Directory.CreateDirectory(CacheFolder);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Suite} {Variant} {Packages} amd64")))[..16];
        var tar = Path.Combine(CacheFolder, $"rootfs-amd64-{key}.tar");
        // Another test process may be building the same file: one builds, the others wait on the lock.
        using var lockFile = WaitForLock(tar + ".lock", TimeSpan.FromMinutes(20));
        if (File.Exists(tar))
        {
            return tar;
        }

        var partial = tar + ".partial";
        // --format=tar: mmdebstrap takes the format from the name's extension otherwise, and .partial is none.
        File.Delete(partial);
        HostCommand.Check("mmdebstrap",
            ["--format=tar", "--variant=" + Variant, "--include=" + Packages, "--architecture=amd64", Suite, partial],
            TimeSpan.FromMinutes(15));
        File.Move(partial, tar);
        return tar;
    }

    /// <summary>An exclusive lock file, so that one test process builds a cached file while the others wait for it.</summary>
    internal static FileStream WaitForLock(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(1000);
            }
        }
    }
}
