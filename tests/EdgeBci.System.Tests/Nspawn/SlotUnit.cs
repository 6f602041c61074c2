using System.Diagnostics;
using EdgeBci.Signing;
using EdgeBci.SystemTests.Fixtures;
using EdgeBci.Tests.Shared;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.SystemTests.Nspawn;

/// <summary>
/// A unit under test: a booted container that trusts one release key, with the repository's install.sh and the test's
/// bundles at /bundles, and a short Release:HealthHoldSeconds. Assertions that fail carry the unit's journal and state.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class SlotUnit : IDisposable
{
    public const string BundleFolder = "/bundles";
    private readonly ScratchFolder _scratch;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <param name="name">Names the container.</param>
    /// <param name="healthHoldSeconds">Release:HealthHoldSeconds in /etc/edgebci/firmware.env.</param>
    /// <param name="firmwareEnvironment">More lines for /etc/edgebci/firmware.env (the real firmware's settings).</param>
    /// <param name="alsoTrust">A public key the unit trusts besides <see cref="ReleaseKey"/> (the real release's).</param>
    public SlotUnit(string name, int healthHoldSeconds = 2, IReadOnlyList<string>? firmwareEnvironment = null, string? alsoTrust = null)
    {
        _scratch = new ScratchFolder("nspawn-" + name);
        Bundles = Directory.CreateDirectory(Path.Combine(_scratch.Path, "bundles")).FullName;
        var keys = Path.Combine(_scratch.Path, "keys");
        ReleaseKey = SigningKey.Generate(Path.Combine(keys, "release"));
        ForeignKey = SigningKey.Generate(Path.Combine(keys, "foreign"));
        foreach (var script in new[] { "install.sh", "verify-bundle.sh" })
        {
            File.Copy(RepositoryRoot.File($"deploy/{script}"), Path.Combine(Bundles, script));
        }

        Container = new NspawnContainer(name);
        try
        {
            Prepare(keys, healthHoldSeconds, firmwareEnvironment ?? [], alsoTrust);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Prepare(string keys, int healthHoldSeconds, IReadOnlyList<string> firmwareEnvironment, string? alsoTrust)
    {
        var trust = Directory.CreateDirectory(Path.Combine(Container.RootFs, "etc/edgebci/trust")).FullName;
        File.Copy(Path.Combine(keys, "release.pub.pem"), Path.Combine(trust, "release.pub.pem"));
        if (alsoTrust is not null)
        {
            File.Copy(alsoTrust, Path.Combine(trust, "published.pub.pem"));
        }

        File.WriteAllText(Path.Combine(Container.RootFs, "etc/edgebci/firmware.env"),
            $"EDGEBCI_Release__HealthHoldSeconds={healthHoldSeconds}\n" + string.Concat(firmwareEnvironment.Select(line => line + "\n")));
        Container.BindReadOnly(Bundles, BundleFolder);
        Container.Boot();
    }

    public NspawnContainer Container { get; }

    public string Bundles { get; }

    public SigningKey ReleaseKey { get; }

    public SigningKey ForeignKey { get; }

    /// <summary>Builds a bundle signed by the trusted release key into /bundles and returns its file name.</summary>
    public string Bundle(string version, FakeFirmware firmware = FakeFirmware.Healthy, bool selfTestPasses = true) =>
        Path.GetFileName(FixtureBundle.Build(Bundles, version, ReleaseKey, firmware, selfTestPasses));

    /// <summary>Runs install.sh on a bundle in /bundles: <c>[env] bash install.sh [options] bundle</c>.</summary>
    public CommandResult Install(string bundleName, string options = "", string environment = "") =>
        Container.Run($"{environment} bash {BundleFolder}/install.sh {options} {BundleFolder}/{bundleName}", 180);

    /// <summary>Installs a healthy release and waits until its trial committed: the starting point of most cases.</summary>
    public void InstallCommitted(string version)
    {
        var install = Install(Bundle(version), "--max-starts 2");
        Expect(install.ExitCode == 0, $"installing {version} exits 0", install);
        WaitUntil($"/usr/lib/edgebci/edgebci-slots status | grep -qx committed=yes", 60, $"{version} commits");
        // Folds `good` into `state` as the next start does.
        Expect(Container.Run("systemctl restart edgebci-firmware").ExitCode == 0, "the service restarts on the committed release");
        Expect(Value("state", "state") == "committed", $"state says committed after {version}'s health check held");
    }

    /// <summary>A key of a key=value file in /var/lib/edgebci/release; empty when missing.</summary>
    public string Value(string file, string key) =>
        Container.Run($"sed -n 's/^{key}=//p' /var/lib/edgebci/release/{file} 2>/dev/null").Stdout.Trim();

    public string CurrentSlot() => Container.Run("readlink /opt/edgebci/current").Stdout.Trim();

    /// <summary>Polls a shell condition every half second until it holds, or fails with the unit's diagnostics.</summary>
    public void WaitUntil(string condition, int seconds, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            if (Container.Run(condition, 30).ExitCode == 0)
            {
                return;
            }

            Thread.Sleep(500);
        }

        Assert.Fail($"waited {seconds} s for: {what}\n{Container.Diagnostics()}");
    }

    /// <summary>
    /// The unit runs exactly one whole slot: `current` names slot a or b, every file its manifest lists verifies, the
    /// state names that slot, and the service is active with its firmware running from that slot.
    /// </summary>
    public string ExpectRunningWholeSlot()
    {
        var current = CurrentSlot();
        Expect(current is "slots/a" or "slots/b", $"current points to a slot (it is '{current}')");
        var verify = Container.Run($"cd /opt/edgebci/{current} && awk '$1 == \"file\" {{ print $2 \"  \" $4 }}' manifest.txt | sha256sum --check --strict --quiet -");
        Expect(verify.ExitCode == 0, $"every file of {current} verifies against its manifest", verify);
        Expect(Value("state", "slot") == current[^1..], $"state names the slot current points to ({current})");
        WaitUntil("systemctl is-active --quiet edgebci-firmware", 60, "the service is active");
        var cwd = Container.Run("readlink /proc/$(systemctl show -p MainPID --value edgebci-firmware)/cwd").Stdout.Trim();
        Expect(cwd == $"/opt/edgebci/{current}/firmware", $"the firmware runs from {current} (its working folder is '{cwd}')");
        return current;
    }

    public void Expect(bool condition, string what, CommandResult? result = null)
    {
        if (!condition)
        {
            Assert.Fail($"expected: {what}\n{result}\n--- unit ---\n{Container.Diagnostics()}");
        }
    }

    public void Dispose()
    {
        TestContext.Progress.WriteLine($"{TestContext.CurrentContext.Test.Name}: {_clock.Elapsed.TotalSeconds:0.0} s");
        Container.Dispose();
        ReleaseKey.Dispose();
        ForeignKey.Dispose();
        _scratch.Dispose();
    }
}
