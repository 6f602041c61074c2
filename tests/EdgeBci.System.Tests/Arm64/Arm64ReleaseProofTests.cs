using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeBci.Tests.Shared;
using EdgeBci.Tests.Shared.Mosquitto;

// Not EdgeBci.System.*: a namespace named System inside EdgeBci would shadow the System namespace for the whole assembly.
namespace EdgeBci.SystemTests.Arm64;

/// <summary>
/// The linux-arm64 release proven on an emulated arm64 machine (qemu-system-aarch64, TCG): ONNX Runtime's arm64 native
/// library crashes under qemu-user, so only a whole emulated machine shows that the published bundle installs under a
/// real systemd, passes its self-test, decides with the int8 model and filters bit for bit as the x86-64 build does.
/// Timings under TCG say nothing about a unit; they are printed to size the timeouts.
/// </summary>
[Category("System")]
public sealed class Arm64ReleaseProofTests
{
    private const string Board = "emulator";
    private const string Rid = "linux-arm64";
    private const string RecordingPath = "eegmmidb/S001/S001R04.edf";

    // Generous: the cache is cold on a new CI machine, and the emulated machine shares 2 cores with the other jobs.
    private static readonly TimeSpan RootFsTimeout = TimeSpan.FromMinutes(60);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(30);
    private static readonly TimeSpan MachineTimeout = TimeSpan.FromMinutes(45);
    private static readonly TimeSpan HostTimeout = TimeSpan.FromMinutes(15);

    [Test]
    public async Task The_arm64_release_installs_self_tests_decides_and_filters_bit_for_bit_as_on_x86_64()
    {
        var phases = new List<(string Phase, double Seconds)>();
        var whole = Stopwatch.StartNew();
        var run = RunFolder();
        var log = Path.Combine(run, "host.log");

        var keys = Directory.CreateDirectory(Path.Combine(run, "keys")).FullName;
        var release = await Timed(phases, "publish linux-arm64", () => ReleasePublish.RunAsync(Rid, keys, log, PublishTimeout));
        var tarball = await Timed(phases, "rootfs build (or cache)", () => Arm64RootFileSystem.BuildOrReuseAsync(log, RootFsTimeout));
        var image = await Timed(phases, "disk image", () => Arm64RootFileSystem.PrepareAsync(tarball, Path.Combine(run, "machine"), log));
        var share = ProofShare.Create(Path.Combine(run, "share"), release, SharedData.Path(RecordingPath), DefaultModel(), Board);
        var serial = Path.Combine(run, "serial.log");
        var machine = await Timed(phases, "emulated machine (boot to power-off)", () => Arm64Machine.RunAsync(image, share.Folder, serial, MachineTimeout));
        File.Delete(image.RootDisk);

        var hostCli = await Timed(phases, "host x86-64 CLI build", () => HostCli.BuildAsync(log, HostTimeout));
        var hostFiltered = Path.Combine(run, "host-filtered.bdf");
        await Timed(phases, "host filter", () => HostCli.FilterAsync(hostCli, share.Recording, hostFiltered, log, HostTimeout));

        var results = share.ReadResults();
        foreach (var step in new[] { "boot", "install", "selftest", "decide", "filter" })
        {
            phases.Add(($"guest {step}", results.TryGetValue($"{step}_seconds", out var seconds) ? double.Parse(seconds, CultureInfo.InvariantCulture) : double.NaN));
        }

        phases.Add(("whole test", whole.Elapsed.TotalSeconds));
        foreach (var (phase, seconds) in phases)
        {
            await TestContext.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"arm64 proof: {phase,-40} {seconds,8:0.0} s"));
        }

        var guestFiltered = Path.Combine(share.Results, "filtered.bdf");
        var diagnosis = $"\nrun folder {run}\n--- serial console (tail) {serial}\n{HostCommand.Tail(ReadIfPresent(serial), 60)}\n{share.DescribeResults()}";
        Assert.Multiple(() =>
        {
            Assert.That(machine.TimedOut, Is.False, $"the emulated machine did not power off within {MachineTimeout.TotalMinutes} min{diagnosis}");
            Assert.That(machine.ExitCode, Is.Zero, $"qemu's exit code{diagnosis}");
            Assert.That(results.GetValueOrDefault("done"), Is.EqualTo("yes"), $"proof.sh ran to its end{diagnosis}");
            Assert.That(results.GetValueOrDefault("machine"), Is.EqualTo("aarch64"), $"uname -m in the guest{diagnosis}");
            Assert.That(results.GetValueOrDefault("install_exit"), Is.EqualTo("0"), $"BOARD={Board} install.sh exit code{diagnosis}");
            // Type=notify: active/running is only reached after the firmware sent READY=1.
            Assert.That(results.GetValueOrDefault("service_after_install_ActiveState"), Is.EqualTo("active"), $"service after install{diagnosis}");
            Assert.That(results.GetValueOrDefault("service_after_install_SubState"), Is.EqualTo("running"), $"service after install{diagnosis}");
            Assert.That(results.GetValueOrDefault("service_at_end_ActiveState"), Is.EqualTo("active"), $"service at the end of the proof{diagnosis}");
            Assert.That(results.GetValueOrDefault("service_at_end_NRestarts"), Is.EqualTo("0"), $"the firmware was never restarted{diagnosis}");
            Assert.That(results.GetValueOrDefault("selftest_exit"), Is.EqualTo("0"), $"edgebci selftest --board {Board}{diagnosis}");
            Assert.That(results.GetValueOrDefault("decide_exit"), Is.EqualTo("0"), $"edgebci replay-score with the int8 model{diagnosis}");
            Assert.That(int.TryParse(results.GetValueOrDefault("decisions"), CultureInfo.InvariantCulture, out var decisions) && decisions > 0,
                Is.True, $"the int8 model decided (decisions={results.GetValueOrDefault("decisions")}){diagnosis}");
            Assert.That(results.GetValueOrDefault("filter_exit"), Is.EqualTo("0"), $"edgebci filter{diagnosis}");
            Assert.That(File.Exists(guestFiltered), Is.True, $"the guest wrote {guestFiltered}{diagnosis}");
        });
        var guestBytes = await File.ReadAllBytesAsync(guestFiltered);
        var hostBytes = await File.ReadAllBytesAsync(hostFiltered);
        Assert.That(guestBytes.AsSpan().SequenceEqual(hostBytes), Is.True,
            $"the Q31 chain's output on arm64 ({guestBytes.Length} bytes) equals x86-64's ({hostBytes.Length} bytes), first difference at byte {FirstDifference(guestBytes, hostBytes)}");
    }

    private static async Task<T> Timed<T>(List<(string, double)> phases, string phase, Func<Task<T>> action)
    {
        var clock = Stopwatch.StartNew();
        var result = await action();
        phases.Add((phase, clock.Elapsed.TotalSeconds));
        return result;
    }

    /// <summary>A fresh folder per run under the system tests' cache, kept afterwards (without the disk) for a post-mortem.</summary>
    private static string RunFolder()
    {
        var cache = Environment.GetEnvironmentVariable("EDGEBCI_SYSTEM_CACHE") is { Length: > 0 } set ? set : "/var/tmp/edgebci-system-test";
        var run = Path.Combine(cache, "arm64-last-run");
        if (Directory.Exists(run))
        {
            Directory.Delete(run, recursive: true);
        }

        return Directory.CreateDirectory(run).FullName;
    }

    /// <summary>The model bundle the firmware ships configured (Decoding:ModelPath in its appsettings.json).</summary>
    private static string DefaultModel()
    {
        var settings = RepositoryRoot.File("firmware/EdgeBci.Firmware/appsettings.json");
        using var json = JsonDocument.Parse(File.ReadAllText(settings));
        return json.RootElement.TryGetProperty("Decoding", out var decoding) && decoding.TryGetProperty("ModelPath", out var path) && path.GetString() is { Length: > 0 } model
            ? model
            : throw new InvalidDataException($"{settings}: no Decoding:ModelPath, the model the firmware ships configured.");
    }

    private static string ReadIfPresent(string path) => File.Exists(path) ? File.ReadAllText(path) : $"({path} does not exist)";

    private static string FirstDifference(byte[] a, byte[] b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            if (a[i] != b[i])
            {
                return i.ToString(CultureInfo.InvariantCulture);
            }
        }

        return a.Length == b.Length ? "none" : length.ToString(CultureInfo.InvariantCulture);
    }
}
