using EdgeBci.SystemTests.Fixtures;

namespace EdgeBci.SystemTests.Nspawn;

/// <summary>
/// Bundles install.sh must refuse, under a real systemd: each is refused with the contract's line and exit 3, and the
/// release that runs is left exactly as it was. One container for the fixture: a refusal changes nothing to reset.
/// </summary>
[Category("System")]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RefusedBundleTests
{
    private SlotUnit? _unit;
    private string _stateBefore = "";
    private string _mainPidBefore = "";

    private SlotUnit Unit => _unit ?? throw new InvalidOperationException("no unit");

    [OneTimeSetUp]
    public void InstallCommittedRelease()
    {
        NspawnPrerequisites.Check();
        _unit = new SlotUnit("refused");
        Unit.InstallCommitted("0.1.0");
        _stateBefore = Unit.Container.Run("cat /var/lib/edgebci/release/state").Stdout;
        _mainPidBefore = Unit.Container.Run("systemctl show -p MainPID --value edgebci-firmware").Stdout.Trim();
    }

    [OneTimeTearDown]
    public void TearDownUnit() => _unit?.Dispose();

    [Test]
    public void A_file_changed_after_signing_is_refused_by_its_sha256()
    {
        var bundle = Build(afterSigning: stage => File.WriteAllText(Path.Combine(stage, "firmware", "behaviour"), "healthz\n"));
        ExpectRefused(bundle, $"{bundle}: firmware/behaviour differs from the manifest (sha256) (tampered or corrupted)");
    }

    [Test]
    public void A_file_of_another_size_is_refused_with_both_sizes()
    {
        var bundle = Build(afterSigning: stage => File.AppendAllText(Path.Combine(stage, "firmware", "behaviour"), "x"));
        ExpectRefused(bundle, $"{bundle}: firmware/behaviour differs from the manifest (size 9, manifest says 8) (tampered or corrupted)");
    }

    [Test]
    public void A_file_the_manifest_does_not_list_is_refused()
    {
        var bundle = Build(afterSigning: stage => File.WriteAllText(Path.Combine(stage, "firmware", "extra.sh"), "echo hi\n"));
        ExpectRefused(bundle, $"{bundle}: firmware/extra.sh is not in the manifest");
    }

    [Test]
    public void A_changed_manifest_no_longer_matches_its_signature()
    {
        var bundle = Build(afterSigning: stage => File.AppendAllText(Path.Combine(stage, "manifest.txt"), "file 00 0 x\n"));
        ExpectRefused(bundle, $"{bundle}: the signature does not match manifest.txt (tampered or corrupted after signing)");
    }

    [Test]
    public void An_unsigned_bundle_is_refused()
    {
        var bundle = Path.GetFileName(FixtureBundle.Build(Unit.Bundles, "0.3.0", key: null));
        ExpectRefused(bundle, $"{bundle} is not signed (no manifest.sig)");
    }

    [Test]
    public void A_bundle_signed_by_a_key_the_unit_does_not_trust_is_refused()
    {
        var bundle = Path.GetFileName(FixtureBundle.Build(Unit.Bundles, "0.3.0", Unit.ForeignKey));
        ExpectRefused(bundle, $"{bundle} is signed by key {Unit.ForeignKey.KeyId}, which this unit does not trust (1 trusted key(s) in /etc/edgebci/trust)");
    }

    [Test]
    public void A_bundle_that_does_not_list_the_units_board_is_refused()
    {
        var bundle = Path.GetFileName(FixtureBundle.Build(Unit.Bundles, "0.3.0", Unit.ReleaseKey, boards: "rpi4"));
        ExpectRefused(bundle, $"{bundle} does not list board rpi5 (boards: rpi4)", "BOARD=rpi5");
    }

    [Test]
    public void A_bundle_built_for_another_machine_is_refused()
    {
        var bundle = Path.GetFileName(FixtureBundle.Build(Unit.Bundles, "0.3.0", Unit.ReleaseKey, rid: "linux-arm64"));
        ExpectRefused(bundle, $"{bundle} is built for linux-arm64, but this unit is x86_64");
    }

    private string Build(Action<string>? afterSigning = null) =>
        Path.GetFileName(FixtureBundle.Build(Unit.Bundles, "0.3.0", Unit.ReleaseKey, afterSigning: afterSigning));

    private void ExpectRefused(string bundle, string line, string environment = "")
    {
        var result = Unit.Install(bundle, environment: environment);
        Unit.Expect(result.ExitCode == 3, "install.sh exits 3 (refused)", result);
        Unit.Expect(result.Stderr.Contains($"install.sh: refused: {line}\n", StringComparison.Ordinal), $"stderr has: install.sh: refused: {line}", result);
        Unit.Expect(Unit.CurrentSlot() == "slots/a", "current still points to slot a");
        Unit.Expect(Unit.Container.Run("cat /var/lib/edgebci/release/state").Stdout == _stateBefore, "the state file is unchanged");
        Unit.Expect(Unit.Container.Run("test ! -e /opt/edgebci/slots/b && ! compgen -G '/opt/edgebci/.staging.*'").ExitCode == 0,
            "nothing was written into slot b and the staging folder is gone");
        Unit.Expect(Unit.Container.Run("systemctl show -p MainPID --value edgebci-firmware").Stdout.Trim() == _mainPidBefore,
            "the firmware kept running (same main PID)");
    }
}
