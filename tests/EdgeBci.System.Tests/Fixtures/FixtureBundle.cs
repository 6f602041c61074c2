using EdgeBci.Release.Bundle;
using EdgeBci.Signing;
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
/// A release bundle for the system tests holding the repository's deploy/ files and a fake firmware and CLI
/// (Fixtures/FakeRelease), for the cases the real release cannot play (a crash at start, a failing self-test, power
/// cuts, refusals, flash.sh; the real one is Fixtures/RealRelease). Sealed and packed by the product's own writers,
/// ReleaseSigner and ReleaseArchive, so the tests never write the manifest format a second time.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class FixtureBundle
{
    public const string HostRid = "linux-x64";
    public const string AllBoards = "rpi4 rpi5 jetson-orin-nano emulator";
    private static readonly string[] DeployFiles = ["install.sh", "verify-bundle.sh", "edgebci-slots", "edgebci-firmware.service", "99-edgebci.rules"];

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

            var identity = new ReleaseIdentity(ReleaseVersion.Parse(version), ReleaseManifest.UnknownCommit, rid,
                boards.Split(' ', StringSplitOptions.RemoveEmptyEntries), DateTimeOffset.UtcNow);
            if (key is not null)
            {
                ReleaseSigner.Sign(key, stage, identity);
            }
            else
            {
                // Unsigned: the manifest the signer would write, without its manifest.sig.
                File.WriteAllBytes(Path.Combine(stage, ReleasePath.ManifestFile), ReleaseSigner.BuildManifest(stage, identity).Format());
            }

            afterSigning?.Invoke(stage);
            var bundle = Path.Combine(outputFolder, NameOf(version, rid));
            ReleaseArchive.Pack(stage, bundle, identity.Created);
            return bundle;
        }
        finally
        {
            Directory.Delete(stage, recursive: true);
        }
    }

    private static void CopyExecutable(string source, string target)
    {
        File.Copy(source, target);
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
    }
}
