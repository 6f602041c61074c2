using EdgeBci.Release.Bundle;
using EdgeBci.Signing;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Firmware.Tests.Release;

/// <summary>
/// The firmware's check of the slot it runs from, on a slot-shaped folder (slots/b/{manifest.txt, manifest.sig,
/// firmware/, cli/}) with a throw-away key; the firmware process is not started.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class InstalledReleaseCheckTests
{
    private ScratchFolder _scratch = null!;

    private string Slot => Path.Combine(_scratch.Path, "opt", "slots", "b");

    private string Firmware => Path.Combine(Slot, "firmware");

    private string TrustFolder => Path.Combine(_scratch.Path, "trust");

    private string StateFolder => Path.Combine(_scratch.Path, "state");

    [SetUp]
    public void InstallASignedSlot()
    {
        _scratch = new ScratchFolder("installed-release");
        Directory.CreateDirectory(Firmware);
        Directory.CreateDirectory(Path.Combine(Slot, "cli"));
        File.WriteAllText(Path.Combine(Firmware, "EdgeBci.Firmware.dll"), "firmware");
        File.WriteAllText(Path.Combine(Slot, "cli", "edgebci"), "cli");
        using var key = SigningKey.Generate(Path.Combine(_scratch.Path, "keys", "release"));
        Directory.CreateDirectory(TrustFolder);
        File.Copy(Path.Combine(_scratch.Path, "keys", "release.pub.pem"), Path.Combine(TrustFolder, "release.pub.pem"));
        ReleaseSigner.Sign(key, Slot, new ReleaseIdentity(ReleaseVersion.Parse("0.2.0"), "unknown", "linux-arm64", ["emulator"], DateTimeOffset.UtcNow));
        Directory.CreateDirectory(StateFolder);
    }

    [TearDown]
    public void Delete() => _scratch.Dispose();

    [Test]
    public void An_intact_slot_passes_and_says_what_it_verified()
    {
        var verdict = InstalledReleaseCheck.Run(Firmware, TrustFolder, StateFolder);

        Assert.That(verdict.Refusal, Is.Null);
        Assert.That(verdict.FromSlot, Is.True);
        Assert.That(verdict.Description, Does.Contain("release 0.2.0").And.Contain("verified"));
    }

    [Test]
    public void A_file_changed_in_the_slot_refuses_the_start_with_one_line_naming_it()
    {
        File.WriteAllText(Path.Combine(Firmware, "EdgeBci.Firmware.dll"), "patched!");

        var verdict = InstalledReleaseCheck.Run(Firmware + "/", TrustFolder, StateFolder);

        Assert.That(verdict.Refusal, Is.EqualTo($"{Slot}: firmware/EdgeBci.Firmware.dll differs from the manifest (sha256) (tampered or corrupted)"));
    }

    [Test]
    public void A_slot_reached_through_the_units_links_is_still_checked()
    {
        var opt = Path.Combine(_scratch.Path, "opt");
        File.CreateSymbolicLink(Path.Combine(opt, "current"), "slots/b");
        File.CreateSymbolicLink(Path.Combine(opt, "firmware"), "current/firmware");
        File.WriteAllText(Path.Combine(Firmware, "extra.so"), "unlisted");

        var verdict = InstalledReleaseCheck.Run(Path.Combine(opt, "firmware"), TrustFolder, StateFolder);

        Assert.That(verdict.Refusal, Is.EqualTo($"{Slot}: firmware/extra.so is not in the manifest"));
    }

    [Test]
    public void The_installers_link_to_the_units_own_settings_is_accepted_and_any_other_link_refused()
    {
        var link = Path.Combine(Firmware, "appsettings.Production.json");
        File.CreateSymbolicLink(link, "/etc/edgebci/appsettings.Production.json");
        Assert.That(InstalledReleaseCheck.Run(Firmware, TrustFolder, StateFolder).Refusal, Is.Null);

        File.Delete(link);
        File.CreateSymbolicLink(link, "/tmp/somebody-elses-settings.json");
        Assert.That(InstalledReleaseCheck.Run(Firmware, TrustFolder, StateFolder).Refusal,
            Is.EqualTo($"{Slot}: firmware/appsettings.Production.json is a symbolic link, which a release never holds (not in the manifest)"));
    }

    [Test]
    public void A_slot_signed_by_a_key_the_unit_does_not_trust_is_refused()
    {
        File.Delete(Path.Combine(TrustFolder, "release.pub.pem"));

        var verdict = InstalledReleaseCheck.Run(Firmware, TrustFolder, StateFolder);

        Assert.That(verdict.Refusal, Does.Contain("which this unit does not trust (no trusted keys in " + TrustFolder + ")"));
    }

    [Test]
    public void A_slot_whose_version_is_not_the_one_the_installer_recorded_is_refused()
    {
        File.WriteAllText(Path.Combine(StateFolder, "state"), "state=committed\nslot=b\nversion=0.3.0\na_version=0.1.0\nb_version=0.3.0\n");

        var verdict = InstalledReleaseCheck.Run(Firmware, TrustFolder, StateFolder);

        Assert.That(verdict.Refusal, Does.StartWith($"{Slot} is version 0.2.0, but the installer verified 0.3.0 into slot b")
            .And.Contain("behind the installer's back"));
        File.WriteAllText(Path.Combine(StateFolder, "state"), "state=committed\nslot=b\nversion=0.2.0\nb_version=0.2.0\n");
        Assert.That(InstalledReleaseCheck.Run(Firmware, TrustFolder, StateFolder).Refusal, Is.Null);
    }

    [Test]
    public void Outside_a_slot_there_is_nothing_to_check()
    {
        var verdict = InstalledReleaseCheck.Run(AppContext.BaseDirectory, TrustFolder, StateFolder);

        Assert.That(verdict.Refusal, Is.Null);
        Assert.That(verdict.FromSlot, Is.False);
        Assert.That(verdict.Description, Does.Contain("not running from an installed release"));
    }
}
