using EdgeBci.Acquisition.Configuration;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Data;
using EdgeBci.Training.Gate;

namespace EdgeBci.Training.Tests.Gate;

/// <summary>The gate's evidence from real data, and the channel check that turns "try another strategy" into "check the electrodes".</summary>
public class GateEvidenceTests
{
    [Test]
    public void The_shipped_bundle_on_S001_run_12_is_judged_per_trial_against_CSP_LDA_trained_on_runs_4_and_8()
    {
        // The mechanics, not the model: the shipped bundle saw run 12 in training, so this block is not held out for it.
        var bundle = ModelBundle.Load(Path.Combine(RepositoryRoot(), "firmware", "EdgeBci.Firmware", "models", "s001-left-vs-right"), ModelTrustPolicy.None);
        var manifest = bundle.Manifest;
        var task = TaskDefinition.LeftVersusRight;
        var calibration = DatasetBuilder.Build([SharedData.Path("eegmmidb/S001/S001R04.edf"), SharedData.Path("eegmmidb/S001/S001R08.edf")], task,
            manifest.Channels, ReplaySettings.Default, manifest.SignalChain);
        var heldOut = DatasetBuilder.Build([SharedData.Path("eegmmidb/S001/S001R12.edf")], task, manifest.Channels, ReplaySettings.Default, manifest.SignalChain);

        var inputs = GateEvidence.Collect(calibration, heldOut, manifest, File.ReadAllBytes(bundle.Fp32ModelPath), File.ReadAllBytes(bundle.Int8ModelPath), null);
        var report = AcceptanceGate.Evaluate(inputs, new GateOptions());
        TestContext.Out.WriteLine(GateReportWriter.ToText(report));

        Assert.That(inputs.Labels, Has.Count.EqualTo(15));
        Assert.That(inputs.AgreementWindows, Is.EqualTo(15));

        // replay-score's offline column on the same run: 13 of 15 for int8 (the same windows, the same model).
        Assert.That(inputs.Int8Predictions.Zip(inputs.Labels).Count(p => p.First == p.Second), Is.EqualTo(13));
        Assert.That(inputs.SignalProblems, Is.Empty, "S001's electrodes are fine");
        Assert.That(report.Check(AcceptanceGate.WrongWay).Passed, Is.False, "no replay was given");
    }

    [Test]
    public void A_flat_and_a_noisy_channel_are_named_and_healthy_ones_are_not()
    {
        var random = new Random(3);
        var windows = new List<float[]>();
        for (var w = 0; w < 4; w++)
        {
            var window = new float[4 * 100];
            for (var s = 0; s < 100; s++)
            {
                window[s] = (float)(random.NextDouble() - 0.5) * 20;              // C3: normal
                window[100 + s] = (float)(random.NextDouble() - 0.5) * 0.01f;     // Cz: flat
                window[200 + s] = (float)(random.NextDouble() - 0.5) * 25;        // C4: normal
                window[300 + s] = (float)(random.NextDouble() - 0.5) * 2000;      // Pz: loose
            }

            windows.Add(window);
        }

        var problems = ChannelVarianceCheck.Abnormal(windows, ["C3", "Cz", "C4", "Pz"]);

        Assert.That(problems, Has.Count.EqualTo(2));
        Assert.That(problems[0], Does.StartWith("Cz:").And.Contain("flat"));
        Assert.That(problems[1], Does.StartWith("Pz:").And.Contain("noisy"));
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EdgeBci.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No EdgeBci.sln above {AppContext.BaseDirectory}.");
    }
}
