using EdgeBci.Release.Bundle;
using EdgeBci.Signing;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Release.Tests.Bundle;

/// <summary>
/// A throw-away signing key, the trust store holding its public half, and a small staged release shaped like the real
/// one (an executable firmware, a library, the CLI, an installer script), all in one scratch folder.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class ReleaseFixture : IDisposable
{
    public static readonly DateTimeOffset Created = new(2026, 12, 6, 16, 0, 0, TimeSpan.Zero);

    private const UnixFileMode Executable = (UnixFileMode)0x1ED; // 0755

    private readonly ScratchFolder _scratch = new("release-bundle");

    public ReleaseFixture()
    {
        Key = SigningKey.Generate(Path.Combine(_scratch.Path, "keys", "release"));
        Trust = TrustStore.Of("test trust", Key.PublicKey);
        Stage = Path.Combine(_scratch.Path, "stage");
        WriteFile("firmware/EdgeBci.Firmware", "#!/bin/sh\necho firmware\n", Executable);
        WriteFile("firmware/EdgeBci.Firmware.dll", new string('f', 4096), null);
        WriteFile("firmware/models/s001/manifest.json", "{\"model\":\"s001\"}\n", null);
        WriteFile("cli/edgebci", "#!/bin/sh\necho cli\n", Executable);
        WriteFile("deploy/install.sh", "#!/bin/bash\nexit 0\n", Executable);
        WriteFile("deploy/99-edgebci.rules", "# udev\n", null);
    }

    public SigningKey Key { get; }

    public TrustStore Trust { get; }

    public string Stage { get; }

    public string Folder => _scratch.Path;

    public string BundlePath => Path.Combine(_scratch.Path, "out", "edgebci-firmware-0.2.0-linux-arm64.tar.gz");

    public string BundleName => Path.GetFileName(BundlePath);

    public static ReleaseIdentity Identity(string version = "0.2.0", string rid = "linux-arm64") =>
        new(ReleaseVersion.Parse(version), "255d289c0ffee00000000000000000000000beef", rid, ["rpi4", "rpi5", "emulator"], Created);

    public void WriteFile(string path, string text, UnixFileMode? mode)
    {
        var full = Path.Combine(Stage, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        if (mode is { } unix)
        {
            File.SetUnixFileMode(full, unix);
        }
    }

    public ReleaseManifest Sign(string version = "0.2.0", string rid = "linux-arm64") => ReleaseSigner.Sign(Key, Stage, Identity(version, rid));

    public void Pack() => ReleaseArchive.Pack(Stage, BundlePath, Created);

    /// <summary>Signs and packs the stage as it is.</summary>
    public string SignAndPack(string version = "0.2.0", string rid = "linux-arm64")
    {
        Sign(version, rid);
        Pack();
        return BundlePath;
    }

    public VerifiedRelease Verify(ReleaseVerificationOptions? options = null) =>
        ReleaseVerifier.VerifyArchive(BundlePath, Trust, options ?? new ReleaseVerificationOptions());

    /// <summary>The refusal of verifying the packed bundle; fails the test when it verifies.</summary>
    public ReleaseVerificationException Refusal(ReleaseVerificationOptions? options = null, TrustStore? trust = null)
    {
        var refusal = Assert.Throws<ReleaseVerificationException>(() =>
            ReleaseVerifier.VerifyArchive(BundlePath, trust ?? Trust, options ?? new ReleaseVerificationOptions()));
        return refusal!;
    }

    public void Dispose()
    {
        Key.Dispose();
        _scratch.Dispose();
    }
}
