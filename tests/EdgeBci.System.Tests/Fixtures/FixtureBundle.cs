using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeBci.Signing;
using EdgeBci.SystemTests.Nspawn;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.SystemTests.Fixtures;

/// <summary>How the fake firmware in a test bundle behaves once systemd started it.</summary>
internal enum FakeFirmware
{
    /// <summary>Ready, then writes <c>good</c> after Release:HealthHoldSeconds, as the real firmware does.</summary>
    Healthy,

    /// <summary>Ready, then exits 1 at once.</summary>
    Crash,

    /// <summary>Ready, then writes <c>health</c> with healthy=no and exits 7 (trial unhealthy).</summary>
    Unhealthy,
}

/// <summary>
/// A release bundle for the system tests, in the contract's layout and manifest format and signed with EdgeBci.Signing,
/// holding the repository's deploy/ files and, until the real publish replaces it, a fake firmware and CLI
/// (Fixtures/FakeRelease). The one place the tests write a manifest: the real ReleaseSigner replaces it when merged.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class FixtureBundle
{
    public const string HostRid = "linux-x64";
    public const string AllBoards = "rpi4 rpi5 jetson-orin-nano emulator";
    private static readonly string[] DeployFiles = ["install.sh", "edgebci-slots", "edgebci-firmware.service", "99-edgebci.rules"];

    /// <summary>File name of the bundle of <paramref name="version"/>.</summary>
    public static string NameOf(string version, string rid = HostRid) => $"edgebci-firmware-{version}-{rid}.tar.gz";

    /// <summary>
    /// Builds the bundle of <paramref name="version"/> into <paramref name="outputFolder"/> and returns its path.
    /// <paramref name="key"/> null leaves it unsigned; <paramref name="afterSigning"/> changes the staged files after
    /// the manifest was signed (a tampered bundle).
    /// </summary>
    public static string Build(string outputFolder, string version, SigningKey? key, FakeFirmware firmware = FakeFirmware.Healthy,
        bool selfTestPasses = true, Action<string>? afterSigning = null, string boards = AllBoards, string rid = HostRid)
    {
        var stage = Path.Combine(outputFolder, $".stage-{Guid.NewGuid():N}");
        try
        {
            var fake = Path.Combine(RepositoryRoot.Path, "tests", "EdgeBci.System.Tests", "Fixtures", "FakeRelease");
            Directory.CreateDirectory(Path.Combine(stage, "firmware"));
            Directory.CreateDirectory(Path.Combine(stage, "cli"));
            Directory.CreateDirectory(Path.Combine(stage, "deploy"));
            CopyExecutable(Path.Combine(fake, "EdgeBci.Firmware"), Path.Combine(stage, "firmware", "EdgeBci.Firmware"));
            File.Copy(Path.Combine(fake, "fake-firmware.pl"), Path.Combine(stage, "firmware", "fake-firmware.pl"));
            File.WriteAllText(Path.Combine(stage, "firmware", "behaviour"), firmware.ToString().ToLowerInvariant() + "\n");
            CopyExecutable(Path.Combine(fake, "edgebci"), Path.Combine(stage, "cli", "edgebci"));
            File.WriteAllText(Path.Combine(stage, "cli", "selftest"), selfTestPasses ? "pass\n" : "fail\n");
            foreach (var file in DeployFiles)
            {
                var source = RepositoryRoot.File("deploy/" + file);
                var target = Path.Combine(stage, "deploy", file);
                File.Copy(source, target);
                File.SetUnixFileMode(target, File.GetUnixFileMode(source));
            }

            var manifest = Path.Combine(stage, "manifest.txt");
            File.WriteAllText(manifest, Manifest(stage, version, boards, rid), new UTF8Encoding(false));
            if (key is not null)
            {
                DetachedSignature.SignFile(key, manifest, Path.Combine(stage, "manifest.sig"));
            }

            afterSigning?.Invoke(stage);
            var bundle = Path.Combine(outputFolder, NameOf(version, rid));
            File.Delete(bundle);
            // Entries relative to the bundle's root, without a leading "./" or folder.
            var entries = Directory.GetFileSystemEntries(stage).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);
            HostCommand.Check("tar", ["-C", stage, "--owner=0", "--group=0", "-czf", bundle, .. entries], TimeSpan.FromMinutes(1));
            return bundle;
        }
        finally
        {
            Directory.Delete(stage, recursive: true);
        }
    }

    private static string Manifest(string stage, string version, string boards, string rid)
    {
        var text = new StringBuilder();
        text.Append("edgebci-release 1\n");
        text.Append("version ").Append(version).Append('\n');
        text.Append("commit unknown\n");
        text.Append("rid ").Append(rid).Append('\n');
        text.Append("boards ").Append(boards).Append('\n');
        text.Append("created ").Append(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)).Append('\n');
        var files = Directory.GetFiles(stage, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(stage, f).Replace('\\', '/'))
            .Where(f => f is not "manifest.txt" and not "manifest.sig")
            .ToArray();
        Array.Sort(files, StringComparer.Ordinal);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(Path.Combine(stage, file));
            text.Append("file ").Append(Convert.ToHexStringLower(SHA256.HashData(bytes))).Append(' ')
                .Append(bytes.Length.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(file).Append('\n');
        }

        return text.ToString();
    }

    private static void CopyExecutable(string source, string target)
    {
        File.Copy(source, target);
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}
