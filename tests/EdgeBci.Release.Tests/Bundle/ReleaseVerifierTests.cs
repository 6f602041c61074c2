using EdgeBci.Release.Bundle;
using EdgeBci.Signing;

namespace EdgeBci.Release.Tests.Bundle;

/// <summary>Sign, pack and verify a small staged release, and each way a bundle is refused, with the contract's line.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReleaseVerifierTests
{
    private ReleaseFixture _release = null!;

    [SetUp]
    public void StageARelease() => _release = new ReleaseFixture();

    [TearDown]
    public void DeleteIt() => _release.Dispose();

    [Test]
    public void A_signed_and_packed_stage_verifies_with_its_version_and_key()
    {
        _release.SignAndPack();

        var verified = _release.Verify(new ReleaseVerificationOptions { Rid = "linux-arm64", Board = "rpi5", InstalledVersion = ReleaseVersion.Parse("0.1.0") });

        Assert.That(verified.KeyId, Is.EqualTo(_release.Key.KeyId));
        Assert.That(verified.Manifest.Version.ToString(), Is.EqualTo("0.2.0"));
        Assert.That(verified.Manifest.Files.Select(f => f.Path), Is.EqualTo(new[]
        {
            "cli/edgebci", "deploy/99-edgebci.rules", "deploy/install.sh", "firmware/EdgeBci.Firmware", "firmware/EdgeBci.Firmware.dll",
            "firmware/models/s001/manifest.json",
        }));
    }

    [Test]
    public void An_unsigned_bundle_is_refused()
    {
        _release.Sign();
        File.Delete(Path.Combine(_release.Stage, "manifest.sig"));
        _release.Pack();

        var refusal = _release.Refusal();

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.Unsigned));
        Assert.That(refusal.Message, Is.EqualTo($"{_release.BundleName} is not signed (no manifest.sig)"));
    }

    [Test]
    public void A_bundle_signed_by_a_key_the_unit_does_not_trust_is_refused_naming_the_key()
    {
        _release.SignAndPack();
        using var other = SigningKey.Generate(Path.Combine(_release.Folder, "keys", "other"));
        var trust = TrustStore.Of("/etc/edgebci/trust", other.PublicKey);

        var refusal = _release.Refusal(trust: trust);

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.ForeignKey));
        Assert.That(refusal.Message, Is.EqualTo(
            $"{_release.BundleName} is signed by key {_release.Key.KeyId}, which this unit does not trust (1 trusted key(s) in /etc/edgebci/trust)"));
        Assert.That(_release.Refusal(trust: TrustStore.Of("/etc/edgebci/trust")).Message, Does.EndWith("(no trusted keys in /etc/edgebci/trust)"));
    }

    [Test]
    public void A_manifest_edited_after_signing_is_refused()
    {
        _release.Sign();
        var manifest = Path.Combine(_release.Stage, "manifest.txt");
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("version 0.2.0", "version 9.0.0", StringComparison.Ordinal));
        _release.Pack();

        var refusal = _release.Refusal();

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.SignatureMismatch));
        Assert.That(refusal.Message, Is.EqualTo($"{_release.BundleName}: the signature does not match manifest.txt (tampered or corrupted after signing)"));
    }

    [Test]
    public void A_signed_manifest_that_breaks_the_format_is_refused_naming_its_line()
    {
        var manifest = Path.Combine(_release.Stage, "manifest.txt");
        File.WriteAllText(manifest, "edgebci-release 1\nversion 0.2.0\ncommit unknown\nrid linux-arm64\nboards rpi4\ncreated 2026-12-06T16:00:00Z\nfile abc 1 cli/edgebci\n");
        DetachedSignature.SignFile(_release.Key, manifest, Path.Combine(_release.Stage, "manifest.sig"));
        _release.Pack();

        var refusal = _release.Refusal();

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.Manifest));
        Assert.That(refusal.Message, Does.StartWith($"{_release.BundleName}: manifest.txt line 7: cli/edgebci: sha256 \"abc\""));
    }

    [Test]
    public void A_file_changed_after_signing_is_refused_by_its_hash()
    {
        _release.Sign();
        _release.WriteFile("firmware/EdgeBci.Firmware.dll", new string('g', 4096), null);
        _release.Pack();

        var refusal = _release.Refusal();

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.Hash));
        Assert.That(refusal.Message, Is.EqualTo($"{_release.BundleName}: firmware/EdgeBci.Firmware.dll differs from the manifest (sha256) (tampered or corrupted)"));
    }

    [Test]
    public void A_file_of_another_size_is_refused_with_both_sizes()
    {
        _release.Sign();
        _release.WriteFile("firmware/EdgeBci.Firmware.dll", new string('f', 4000), null);
        _release.Pack();

        var refusal = _release.Refusal();

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.Size));
        Assert.That(refusal.Message, Is.EqualTo($"{_release.BundleName}: firmware/EdgeBci.Firmware.dll differs from the manifest (size 4000, manifest says 4096)"));
    }

    [Test]
    public void A_file_added_after_signing_is_refused()
    {
        _release.Sign();
        _release.WriteFile("deploy/extra.sh", "#!/bin/sh\nrm -rf /\n", null);
        _release.Pack();

        var refusal = _release.Refusal();

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.UnlistedFile));
        Assert.That(refusal.Message, Is.EqualTo($"{_release.BundleName}: deploy/extra.sh is not in the manifest"));
    }

    [Test]
    public void A_file_removed_after_signing_is_refused()
    {
        _release.Sign();
        File.Delete(Path.Combine(_release.Stage, "cli", "edgebci"));
        _release.Pack();

        var refusal = _release.Refusal();

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.MissingFile));
        Assert.That(refusal.Message, Is.EqualTo($"{_release.BundleName}: cli/edgebci is listed in the manifest but missing"));
    }

    [Test]
    public void An_older_release_is_refused_unless_downgrading_is_allowed_and_the_same_version_is_a_reinstall()
    {
        _release.SignAndPack("0.2.0");
        var installed = ReleaseVersion.Parse("0.10.0");

        var refusal = _release.Refusal(new ReleaseVerificationOptions { InstalledVersion = installed });

        Assert.That(refusal.Check, Is.EqualTo(ReleaseCheck.Downgrade));
        Assert.That(refusal.Message, Is.EqualTo(
            $"{_release.BundleName} is version 0.2.0, older than the installed 0.10.0 (use --allow-downgrade to install it anyway)"));
        Assert.DoesNotThrow(() => _release.Verify(new ReleaseVerificationOptions { InstalledVersion = installed, AllowDowngrade = true }));
        Assert.DoesNotThrow(() => _release.Verify(new ReleaseVerificationOptions { InstalledVersion = ReleaseVersion.Parse("0.2.0") }));
        Assert.DoesNotThrow(() => _release.Verify(new ReleaseVerificationOptions { InstalledVersion = ReleaseVersion.Parse("0.2.0-rc.1") }));
    }

    [Test]
    public void A_bundle_for_another_runtime_or_board_is_refused()
    {
        _release.SignAndPack(rid: "linux-x64");

        var rid = _release.Refusal(new ReleaseVerificationOptions { Rid = "linux-arm64" });
        var board = _release.Refusal(new ReleaseVerificationOptions { Rid = "linux-x64", Board = "jetson-orin-nano" });

        Assert.That(rid.Check, Is.EqualTo(ReleaseCheck.Rid));
        Assert.That(rid.Message, Is.EqualTo($"{_release.BundleName} is built for linux-x64, but this unit is linux-arm64"));
        Assert.That(board.Check, Is.EqualTo(ReleaseCheck.Board));
        Assert.That(board.Message, Is.EqualTo($"{_release.BundleName} does not list board jetson-orin-nano (boards: rpi4 rpi5 emulator)"));
    }

    [Test]
    public void The_signature_is_checked_before_the_files()
    {
        _release.Sign();
        _release.WriteFile("deploy/extra.sh", "x", null);
        File.Delete(Path.Combine(_release.Stage, "manifest.sig"));
        _release.Pack();

        Assert.That(_release.Refusal().Check, Is.EqualTo(ReleaseCheck.Unsigned));
    }

    [Test]
    public void An_unpacked_slot_is_verified_in_place_and_the_refusal_names_the_folder()
    {
        _release.Sign();
        Assert.DoesNotThrow(() => ReleaseVerifier.VerifyFolder(_release.Stage, _release.Trust, new ReleaseVerificationOptions()));

        _release.WriteFile("cli/edgebci", "#!/bin/sh\necho CLI\n", null);
        var refusal = Assert.Throws<ReleaseVerificationException>(() =>
            ReleaseVerifier.VerifyFolder(_release.Stage, _release.Trust, new ReleaseVerificationOptions()));

        Assert.That(refusal!.Message, Is.EqualTo($"{_release.Stage}: cli/edgebci differs from the manifest (sha256) (tampered or corrupted)"));
    }
}
