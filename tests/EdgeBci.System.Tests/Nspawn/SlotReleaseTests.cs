using EdgeBci.SystemTests.Fixtures;

namespace EdgeBci.SystemTests.Nspawn;

/// <summary>
/// install.sh and the slot guard under a real systemd: a Debian container per test, the repository's deploy/ files,
/// bundles signed with EdgeBci.Signing holding a fake firmware (Fixtures/FakeRelease).
/// </summary>
[Category("System")]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SlotReleaseTests
{
    private SlotUnit? _unit;

    private SlotUnit Unit => _unit ?? throw new InvalidOperationException("no unit");

    [OneTimeSetUp]
    public void NeedsRootAndNspawn() => NspawnPrerequisites.Check();

    [SetUp]
    public void BootUnit() => _unit = new SlotUnit(TestContext.CurrentContext.Test.MethodName!.ToLowerInvariant()[..12]);

    [TearDown]
    public void TearDownUnit() => _unit?.Dispose();

    [Test]
    public void A_good_release_installs_as_a_trial_and_commits_after_the_health_check_holds()
    {
        Unit.InstallCommitted("0.1.0");
        var install = Unit.Install(Unit.Bundle("0.2.0"), "--max-starts 2");

        Unit.Expect(install.ExitCode == 0, "install.sh exits 0 once the trial started", install);
        Unit.Expect(install.Stdout.Contains("trial started: 0.2.0 in slot b", StringComparison.Ordinal), "install.sh says the trial started", install);
        Unit.Expect(Unit.Value("state", "state") == "trial", "state is trial right after the install");
        Unit.Expect(Unit.Value("state", "previous_slot") == "a", "the trial's previous slot is a");
        Unit.WaitUntil("grep -qx slot=b /var/lib/edgebci/release/good", 60, "the firmware writes good for slot b");
        Unit.Expect(Unit.Container.Run("systemctl restart edgebci-firmware").ExitCode == 0, "the service restarts");
        Unit.Expect(Unit.Value("state", "state") == "committed", "the start guard folded good into a committed state");
        Unit.Expect(Unit.Value("state", "version") == "0.2.0", "the committed version is 0.2.0");
        Unit.Expect(Unit.Container.Run("journalctl -u edgebci-firmware --no-pager | grep -q 'committed 0.2.0 in slot b'").ExitCode == 0,
            "the journal says the guard committed 0.2.0 in slot b");
        Assert.That(Unit.ExpectRunningWholeSlot(), Is.EqualTo("slots/b"));
    }

    [Test]
    public void A_release_that_crashes_at_start_rolls_back_after_its_starts_and_the_record_names_why()
    {
        Unit.InstallCommitted("0.1.0");
        var install = Unit.Install(Unit.Bundle("0.2.0", FakeFirmware.Crash), "--max-starts 2");

        Unit.Expect(install.ExitCode == 0, "install.sh exits 0 (the fake firmware reports ready before it crashes)", install);
        // The rollback record is written before the committed state: the state is what says the rollback is complete.
        Unit.WaitUntil("test -f /var/lib/edgebci/release/rollback && grep -qx state=committed /var/lib/edgebci/release/state", 60, "the guard rolls back");
        Unit.Expect(Unit.Value("rollback", "reason") == "trial 0.2.0 did not become healthy within 2 starts (last: exited with status 1 (exit-code))",
            $"the rollback names why (it says '{Unit.Value("rollback", "reason")}')");
        Unit.Expect(Unit.Value("rollback", "from") == "b" && Unit.Value("rollback", "to") == "a", "the rollback went from b to a");
        Unit.Expect(Unit.Value("state", "state") == "committed" && Unit.Value("state", "version") == "0.1.0", "0.1.0 is committed again");
        Assert.That(Unit.ExpectRunningWholeSlot(), Is.EqualTo("slots/a"));
    }

    [Test]
    public void A_release_whose_health_check_fails_rolls_back_with_the_firmwares_reason()
    {
        Unit.InstallCommitted("0.1.0");
        var install = Unit.Install(Unit.Bundle("0.2.0", FakeFirmware.Unhealthy), "--max-starts 2");

        Unit.Expect(install.ExitCode == 0, "install.sh exits 0 once the trial started", install);
        // The rollback record is written before the committed state: the state is what says the rollback is complete.
        Unit.WaitUntil("test -f /var/lib/edgebci/release/rollback && grep -qx state=committed /var/lib/edgebci/release/state", 60, "the guard rolls back");
        Unit.Expect(Unit.Value("rollback", "reason") == "trial 0.2.0 did not become healthy within 2 starts (last: fake firmware: no frames from the ADS1299)",
            $"the rollback carries the health reason (it says '{Unit.Value("rollback", "reason")}')");
        Unit.Expect(Unit.Value("last-exit", "status") == "7", "the last exit recorded is status 7");
        Assert.That(Unit.ExpectRunningWholeSlot(), Is.EqualTo("slots/a"));
    }

    [Test]
    public void A_self_test_that_fails_during_install_rolls_back_at_once_with_exit_5()
    {
        Unit.InstallCommitted("0.1.0");
        var install = Unit.Install(Unit.Bundle("0.2.0", selfTestPasses: false), "--max-starts 2", "BOARD=emulator");

        Unit.Expect(install.ExitCode == 5, "install.sh exits 5", install);
        Unit.Expect(Unit.Value("rollback", "reason") == "self-test failed during install: fake edgebci: ADS1299 ID register reads 0x00, expected 0x3E",
            $"the rollback names the self-test's last line (it says '{Unit.Value("rollback", "reason")}')");
        Unit.Expect(Unit.Value("state", "state") == "committed" && Unit.Value("state", "slot") == "a", "slot a is committed again");
        Assert.That(Unit.ExpectRunningWholeSlot(), Is.EqualTo("slots/a"));
    }

    [Test]
    public void A_downgrade_is_refused_unless_allowed()
    {
        Unit.InstallCommitted("0.2.0");
        var older = Unit.Bundle("0.1.0");

        var refused = Unit.Install(older);
        Unit.Expect(refused.ExitCode == 3, "install.sh refuses with exit 3", refused);
        Unit.Expect(refused.Stderr.Contains(
            $"install.sh: refused: {older} is version 0.1.0, older than the installed 0.2.0 (use --allow-downgrade to install it anyway)\n", StringComparison.Ordinal),
            "the refusal is the contract's line", refused);
        Unit.Expect(Unit.CurrentSlot() == "slots/a", "the running slot is untouched");

        var allowed = Unit.Install(older, "--allow-downgrade");
        Unit.Expect(allowed.ExitCode == 0, "--allow-downgrade installs it", allowed);
        Unit.Expect(Unit.CurrentSlot() == "slots/b" && Unit.Value("state", "version") == "0.1.0", "0.1.0 runs as a trial in slot b");
    }

    [Test]
    public void A_unit_on_the_old_layout_is_migrated_its_release_becoming_slot_a_committed()
    {
        // The layout before slots: /opt/edgebci/releases/<version> and /opt/edgebci/firmware a link into it.
        var old = Unit.Container.Run(
            "mkdir -p /opt/edgebci/releases/0.0.9/firmware /opt/edgebci/releases/0.0.9/cli && " +
            "printf '#!/bin/sh\\nexit 0\\n' >/opt/edgebci/releases/0.0.9/cli/edgebci && " +
            "cp /opt/edgebci/releases/0.0.9/cli/edgebci /opt/edgebci/releases/0.0.9/firmware/EdgeBci.Firmware && " +
            "chmod 0755 /opt/edgebci/releases/0.0.9/*/* && " +
            "ln -s /opt/edgebci/releases/0.0.9/firmware /opt/edgebci/firmware && ln -s /opt/edgebci/releases/0.0.9/cli /opt/edgebci/cli");
        Unit.Expect(old.ExitCode == 0, "the old layout is set up", old);

        var install = Unit.Install(Unit.Bundle("0.1.0"), "--max-starts 2");

        Unit.Expect(install.ExitCode == 0, "install.sh migrates and installs", install);
        Unit.Expect(install.Stdout.Contains("migrated 0.0.9 from /opt/edgebci/releases/0.0.9 into slot a, committed, unsigned", StringComparison.Ordinal),
            "install.sh says it migrated the unsigned release", install);
        Unit.Expect(Unit.Value("state", "previous_slot") == "a" && Unit.Value("state", "previous_version") == "0.0.9",
            "the trial's previous release is the migrated 0.0.9 in slot a");
        Unit.Expect(Unit.Container.Run("test ! -e /opt/edgebci/releases && readlink /opt/edgebci/firmware | grep -qx current/firmware").ExitCode == 0,
            "the old releases folder is gone and the fixed links point into current");
        Assert.That(Unit.ExpectRunningWholeSlot(), Is.EqualTo("slots/b"));
    }
}
