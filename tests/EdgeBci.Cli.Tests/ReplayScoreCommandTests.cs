using System.Text.Json;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary><c>edgebci replay-score</c>: the table and the report on a real run, and bad input named with exit 2.</summary>
public class ReplayScoreCommandTests
{
    private static readonly string Shipped = Path.Combine(AppContext.BaseDirectory, "models", "s001-left-vs-right");

    [Test]
    public void A_replay_prints_the_table_and_adds_itself_to_the_report_once()
    {
        using var folder = new ScratchFolder("replay-score");
        var report = Path.Combine(folder.Path, "report.html");
        string[] args = ["replay-score", "--bundle", Shipped, "--recording", SharedData.Path("eegmmidb/S001/S001R04.edf"), "--config", FirmwareSettings(), "--out", report];

        var (exit, output) = CliRunner.Run(args);
        var (again, _) = CliRunner.Run(args);

        Assert.That(exit, Is.Zero, output);
        Assert.That(again, Is.Zero);
        Assert.That(output, Does.Contain("Wrong-way %").And.Contain("ITR (bits/min)").And.Contain("S001R04.edf").And.Contain("armed at"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(report, ".json")));
        var replays = json.RootElement.GetProperty("liveReplays");
        Assert.That(replays.GetArrayLength(), Is.EqualTo(1), "the same recording, model and precision replaces its earlier replay");
        Assert.That(replays[0].GetProperty("cues").GetInt32(), Is.EqualTo(15));
        Assert.That(File.ReadAllText(report), Does.Contain("Live replay: what the wearer would feel"));
    }

    [Test]
    public void A_bundle_that_fails_its_checksum_exits_2_naming_the_file()
    {
        using var copy = new ScratchFolder("replay-bundle", Shipped);
        var model = Path.Combine(copy.Path, ModelManifest.Fp32ModelFile);
        var bytes = File.ReadAllBytes(model);
        bytes[100] ^= 0x40;
        File.WriteAllBytes(model, bytes);

        var (exit, output) = CliRunner.Run(["replay-score", "--bundle", copy.Path, "--recording", SharedData.Path("eegmmidb/S001/S001R04.edf")]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("model.fp32.onnx"));
    }

    [Test]
    public void A_corrupt_or_missing_recording_exits_2_naming_it()
    {
        using var folder = new ScratchFolder("replay-recording");
        var corrupt = Path.Combine(folder.Path, "S001R04.edf");
        File.WriteAllBytes(corrupt, File.ReadAllBytes(SharedData.Path("eegmmidb/S001/S001R04.edf"))[..300]);

        var (exit, output) = CliRunner.Run(["replay-score", "--bundle", Shipped, "--recording", corrupt]);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("S001R04.edf"));

        (exit, output) = CliRunner.Run(["replay-score", "--bundle", Shipped, "--recording", Path.Combine(folder.Path, "absent.edf")]);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("absent.edf: no such recording"));
    }

    private static string FirmwareSettings()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "firmware", "EdgeBci.Firmware", "appsettings.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"firmware/EdgeBci.Firmware/appsettings.json not found above {AppContext.BaseDirectory}.");
    }
}
