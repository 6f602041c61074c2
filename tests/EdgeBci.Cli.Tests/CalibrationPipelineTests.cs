using System.Text.Json;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Camp;
using EdgeBci.Training.Gate;

namespace EdgeBci.Cli.Tests;

/// <summary>
/// <c>edgebci calibrate</c> end to end on the free-running emulator: the session, the wearer's model adapted from the
/// shipped base, the acceptance gate on the held-out last block, and an install that happens only after a pass.
/// </summary>
public class CalibrationPipelineTests
{
    // Rest windows are 0.5-2.5 s after each rest onset and cue windows 0.5-2.5 s after each cue, so both periods hold them.
    private const string ChanceProtocol = """
        {
          "name": "rest-left-right",
          "classes": [
            { "name": "left", "code": "T1", "symbol": "←", "word": "LEFT" },
            { "name": "right", "code": "T2", "symbol": "→", "word": "RIGHT" }
          ],
          "trialsPerClass": 8,
          "blocks": 2,
          "timing": { "fixation": 1, "cue": 3, "restMin": 2, "restMax": 2.5 }
        }
        """;

    private static readonly string[] FastEmulator = ["--board", "emulator", "--pacing", "FreeRunning"];

    [Test]
    public void A_wearer_whose_signal_carries_no_intent_is_refused_and_nothing_is_installed()
    {
        // The synthetic source knows nothing of the cues: whatever the model learns from the first block, the second
        // block can only be decoded at chance.
        using var scratch = new ScratchFolder("calibrate-chance");
        var protocol = Path.Combine(scratch.Path, "chance.json");
        File.WriteAllText(protocol, ChanceProtocol);
        var install = Path.Combine(scratch.Path, "active");

        var (exit, output) = CliRunner.Run(["calibrate", "--wearer", "noise", "--protocol", protocol, "--data-root", scratch.Path, "--seed", "3",
            .. FastEmulator, "--source", "synthetic", "--install", install, "--model-version", "1"]);

        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("Acceptance gate: REFUSED"));
        Assert.That(output, Does.Contain("Nothing was installed"));
        Assert.That(Directory.Exists(install), Is.False, "a refused model never reaches Decoding:ModelPath");
        var kept = Path.Combine(scratch.Path, "wearers", "noise", "bundles", "1");
        Assert.That(ModelBundle.Load(kept, ModelTrustPolicy.None).Manifest.Alignment, Is.Not.Null, "the refused model is kept, with the wearer's alignment");
        using var gate = JsonDocument.Parse(File.ReadAllText(Path.Combine(kept, GateReport.JsonFileName)));
        Assert.That(File.ReadAllText(Path.Combine(kept, GateReport.TextFileName)), Does.StartWith("REFUSED").And.Contain("[FAIL] significance"));
    }

    [Test]
    public void A_replayed_wearer_is_adapted_on_the_first_blocks_and_judged_on_the_last_never_seen_in_training()
    {
        using var scratch = new ScratchFolder("calibrate-s001");
        var install = Path.Combine(scratch.Path, "active");

        var (exit, output) = CliRunner.Run(["calibrate", "--wearer", "s001", "--data-root", scratch.Path, .. FastEmulator,
            "--source", SharedData.Path("eegmmidb/S001/S001R04.edf"), "--source", SharedData.Path("eegmmidb/S001/S001R08.edf"),
            "--install", install, "--model-version", "1"]);

        var bundleFolder = Path.Combine(scratch.Path, "wearers", "s001", "bundles", "1");
        Assert.That(File.Exists(Path.Combine(bundleFolder, GateReport.JsonFileName)), Is.True, output);
        var manifest = ModelBundle.Load(bundleFolder, ModelTrustPolicy.None).Manifest;
        var session = Directory.GetDirectories(Path.Combine(scratch.Path, "wearers", "s001", "sessions")).Single();
        Assert.That(manifest.Classes, Is.EqualTo(new[] { "left", "rest", "right" }));
        Assert.That(manifest.TrainingRecordings.Single().Sha256, Is.EqualTo(ModelBundle.Sha256(Path.Combine(session, WearerFolder.RecordingFileName))));
        Assert.That(File.Exists(Path.Combine(session, HeldOutBlock.FileName)), Is.True, "the held-out block is replayed as a recording of its own");
        var page = File.ReadAllText(Path.Combine(bundleFolder, CalibrationReportFiles.PageFileName));
        Assert.That(page, Does.Contain(CalibrationReportFiles.HeldOutProtocol).And.Contain("Live replay").And.Contain("CSP+LDA"),
            "the report shows the live replay beside the held-out accuracies");

        // R04's 15 cues trained it (16 left/rest/right windows and 15 rest); R08's were held out: 15 cues and their rests.
        Assert.That(output, Does.Contain("held out: 8 left, 15 rest, 7 right from block 2"));
        Assert.That(output, Does.Contain("judged on the last block's 30 trials"));

        var passed = output.Contains("Acceptance gate: PASSED", StringComparison.Ordinal);
        Assert.That(exit, Is.EqualTo(passed ? 0 : 1), output);
        Assert.That(Directory.Exists(install), Is.EqualTo(passed), "installed exactly when the gate passed");
    }

    [Test]
    public void Only_a_passed_model_is_installed_whole_with_its_gate_report()
    {
        using var scratch = new ScratchFolder("install");
        var source = Path.Combine(scratch.Path, "bundle");
        CopyFolder(Path.Combine(AppContext.BaseDirectory, "models", "base-rest-left-right"), source);
        var passed = new GateReport([new GateCheck(AcceptanceGate.Significance, true, 0.9, 0.7, "27 of 30")], []);
        var refused = new GateReport([new GateCheck(AcceptanceGate.Significance, false, 0.5, 0.7, "15 of 30")], ["record more trials"]);
        File.WriteAllText(Path.Combine(source, GateReport.JsonFileName), GateReportWriter.ToJson(passed));
        var target = Path.Combine(scratch.Path, "active");

        Assert.That(() => WearerModelInstaller.Install(source, refused, target), Throws.InvalidOperationException.With.Message.Contains("never installed"));
        Assert.That(Directory.Exists(target), Is.False);

        WearerModelInstaller.Install(source, passed, target);
        var installed = ModelBundle.Load(target, ModelTrustPolicy.None);
        Assert.That(installed.Manifest.ModelId, Is.EqualTo("base-rest-left-right"));
        Assert.That(installed.Manifest.Files.Select(f => f.Name), Does.Contain(GateReport.JsonFileName), "the gate's report is listed and hashed with the model");
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
