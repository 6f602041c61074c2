using System.Globalization;

namespace EdgeBci.SystemTests.Nspawn;

/// <summary>
/// The power is cut (SIGKILL to the container's PID 1: every process dies at once, nothing shuts down) in the middle of an
/// install and in the middle of a trial; after the next boot the unit runs exactly one whole slot, old or new, never
/// half of one. The cut points are the install's sync calls (every step that makes something durable ends in one), found
/// by a `sync` earlier in PATH that stops at its N-th call until the power is cut. A SIGKILL does not lose the host's page
/// cache, so this proves the order of the steps and the guard's repair, not the file system's journal.
/// </summary>
[Category("System")]
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PowerLossTests
{
    // Stops the N-th sync call (N in /run/cut-at) until the power is cut; /run is empty again after the boot.
    private const string StoppingSync = """
        #!/bin/bash
        if [[ -f /run/cut-at ]]; then
            count=$(( $(cat /run/cut-count 2>/dev/null || echo 0) + 1 ))
            echo "$count" >/run/cut-count
            if [[ $count == "$(cat /run/cut-at)" ]]; then
                echo "sync $*" >/run/cut-reached
                exec sleep infinity
            fi
        fi
        exec /usr/bin/sync "$@"
        """;

    private const int LastCutPoint = 20;

    [OneTimeSetUp]
    public void NeedsRootAndNspawn() => NspawnPrerequisites.Check();

    [Test]
    public void A_cut_at_any_sync_of_an_install_boots_into_one_whole_slot()
    {
        // One unit for every cut point: each round installs the next version on top of whatever the last one left.
        using var unit = new SlotUnit("cut-install", healthHoldSeconds: 2);
        unit.InstallCommitted("0.1.0");
        var sync = Path.Combine(unit.Container.RootFs, "usr/local/sbin/sync");
        for (var point = 1; point <= LastCutPoint; point++)
        {
            var version = "0.2." + point.ToString(CultureInfo.InvariantCulture);
            var bundle = unit.Bundle(version);
            File.WriteAllText(sync, StoppingSync.Replace("\r", "", StringComparison.Ordinal) + "\n");
            unit.Container.Run($"chmod 0755 /usr/local/sbin/sync && rm -f /run/cut-count && echo {point} >/run/cut-at");

            var output = Path.Combine(unit.Bundles, "install.out");
            using var install = unit.Container.Start($"bash {SlotUnit.BundleFolder}/install.sh --max-starts 3 {SlotUnit.BundleFolder}/{bundle}", output);
            if (!WaitForCutOrEnd(unit, install))
            {
                TestContext.Progress.WriteLine($"install.sh ended before sync call {point}: {point - 1} cut points tried");
                Assert.That(point - 1, Is.GreaterThanOrEqualTo(5), "the install makes at least five steps durable with sync");
                return;
            }

            var where = unit.Container.Run("cat /run/cut-reached").Stdout.Trim();
            unit.Container.PowerCut();
            File.Delete(sync);
            unit.Container.Boot();
            var slot = unit.ExpectRunningWholeSlot();
            var runs = unit.Value("state", "version");
            TestContext.Progress.WriteLine($"cut at sync call {point} ({where}): booted into {slot} ({runs}, {unit.Value("state", "state")})");
            unit.WaitUntil("/usr/lib/edgebci/edgebci-slots status | grep -qx committed=yes", 60, $"{runs} in {slot} is or becomes committed");
        }

        Assert.Fail($"install.sh still had sync calls after {LastCutPoint}; raise LastCutPoint");
    }

    [Test]
    public void A_cut_in_the_middle_of_a_trial_boots_into_the_trial_and_it_still_commits()
    {
        using var unit = new SlotUnit("cut-trial", healthHoldSeconds: 4);
        unit.InstallCommitted("0.1.0");
        var install = unit.Install(unit.Bundle("0.2.0"), "--max-starts 3");
        unit.Expect(install.ExitCode == 0, "the trial starts", install);
        unit.Expect(unit.Value("state", "starts") == "1", "the trial is at its first start");

        unit.Container.PowerCut();
        unit.Container.Boot();

        Assert.That(unit.ExpectRunningWholeSlot(), Is.EqualTo("slots/b"));
        unit.WaitUntil("/usr/lib/edgebci/edgebci-slots status | grep -qx committed=yes", 60, "the trial of 0.2.0 commits after the boot");
        unit.Expect(unit.Value("state", "version") == "0.2.0", "the trial is 0.2.0");
    }

    // True when the install stopped at the chosen sync call; false when it ended first.
    private static bool WaitForCutOrEnd(SlotUnit unit, System.Diagnostics.Process install)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (unit.Container.Run("test -f /run/cut-reached", 30).ExitCode == 0)
            {
                return true;
            }

            if (install.HasExited)
            {
                return unit.Container.Run("test -f /run/cut-reached", 30).ExitCode == 0;
            }

            Thread.Sleep(200);
        }

        Assert.Fail($"install.sh neither reached the cut nor ended within 120 s\n{unit.Container.Diagnostics()}");
        return false;
    }
}
