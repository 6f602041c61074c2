using System.Text.RegularExpressions;
using EdgeBci.Tests.Shared;
using EdgeBci.Tests.Shared.Mosquitto;
using NUnit.Framework;

namespace EdgeBci.Release.Tests.Deploy;

/// <summary>
/// deploy/edgebci-firmware.service as systemd itself reads it: <c>systemd-analyze verify</c> accepts it, and
/// <c>systemd-analyze security --offline=yes</c> rates it 3.0 or better.
/// </summary>
public sealed partial class FirmwareUnitAnalysisTests
{
    private const double ExposureGoal = 3.0;

    // Where install.sh and the A/B slots put the unit's programs on a unit. They do not exist on the build machine,
    // and verify refuses a command it cannot find; only these prefixes are rewritten, so a typo in any other path
    // (a system program the unit calls) still fails the test.
    private static readonly string[] InstalledPrefixes = ["/opt/edgebci/", "/usr/lib/edgebci/", "/usr/local/bin/edgebci"];

    [Test]
    public void Systemd_verify_accepts_the_unit_with_its_installed_programs_stood_in_for()
    {
        using var scratch = new ScratchFolder("unit-verify");
        var (copy, replaced) = CopyWithInstalledCommandsReplaced(scratch.Path);
        Assert.That(replaced, Is.Not.Empty, "the unit's ExecStart= is an installed program and must have been stood in for");

        var result = SystemdAnalyze.Run("verify", "--man=no", copy);

        TestContext.Out.WriteLine($"stood in for by /usr/bin/true: {string.Join(", ", replaced)}");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(UnitComplaints(result.Error), Is.Empty, $"systemd-analyze verify complained about the unit:\n{result}");
    }

    [Test]
    public void Systemd_rates_the_unit_exposure_at_most_3_0()
    {
        var exposure = SystemdAnalyze.OfflineExposure(RepositoryRoot.File("deploy/edgebci-firmware.service"));

        TestContext.Out.WriteLine($"systemd-analyze security --offline=yes: overall exposure {exposure:0.0}");
        Assert.That(exposure, Is.LessThanOrEqualTo(ExposureGoal));
    }

    [Test]
    public void The_exposure_reader_sees_an_unhardened_unit_as_exposed()
    {
        // Proves the parser reads the figure rather than passing on anything: a bare service rates far above the goal.
        using var scratch = new ScratchFolder("unit-bare");
        var bare = Path.Combine(scratch.Path, "bare.service");
        File.WriteAllText(bare, "[Service]\nExecStart=/usr/bin/true\n");

        Assert.That(SystemdAnalyze.OfflineExposure(bare), Is.GreaterThan(ExposureGoal));
    }

    [Test]
    public void Verify_reports_a_misspelt_directive_so_the_complaint_filter_is_not_blind()
    {
        using var scratch = new ScratchFolder("unit-typo");
        var typo = Path.Combine(scratch.Path, "edgebci-firmware.service");
        File.WriteAllText(typo, "[Service]\nExecStart=/usr/bin/true\nProtectKernelTunabels=yes\n");

        var result = SystemdAnalyze.Run("verify", "--man=no", typo);

        Assert.That(UnitComplaints(result.Error), Is.Not.Empty, result.ToString());
    }

    private static (string Copy, List<string> Replaced) CopyWithInstalledCommandsReplaced(string folder)
    {
        var source = RepositoryRoot.File("deploy/edgebci-firmware.service");
        var replaced = new List<string>();
        var lines = File.ReadAllLines(source);
        for (var index = 0; index < lines.Length; index++)
        {
            var match = ExecLine().Match(lines[index]);
            if (!match.Success || !InstalledPrefixes.Any(prefix => match.Groups["program"].Value.StartsWith(prefix, StringComparison.Ordinal)))
            {
                continue;
            }

            replaced.Add(match.Groups["program"].Value);
            lines[index] = $"{match.Groups["key"].Value}={match.Groups["prefix"].Value}/usr/bin/true{match.Groups["rest"].Value}";
        }

        var copy = Path.Combine(folder, "edgebci-firmware.service");
        File.WriteAllLines(copy, lines);
        return (copy, replaced);
    }

    /// <summary>verify's stderr lines about the unit under test (not about host units it happens to load).</summary>
    private static List<string> UnitComplaints(string stderr) =>
        stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => line.Contains("edgebci-firmware.service", StringComparison.Ordinal)).ToList();

    [GeneratedRegex(@"^(?<key>Exec[A-Za-z]+)=(?<prefix>[-+!@:]*)(?<program>/\S+)(?<rest>.*)$")]
    private static partial Regex ExecLine();
}
