using System.Text.Json;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary><c>edgebci evaluate --bundle</c>: the shipped S001 bundle judged on a wearer it never met, one decision per trial.</summary>
public class EvaluateBundleTests
{
    private static readonly string ShippedBundle = Path.Combine(DataFolder.FindRepository(AppContext.BaseDirectory)!, "firmware", "EdgeBci.Firmware", "models", "s001-left-vs-right");

    private static string Eegmmidb => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SharedData.Path("eegmmidb/S002/S002R12.edf"))!, ".."));

    [Test]
    public void The_shipped_bundle_on_S002_run_12_reports_both_models_per_trial_with_p_and_the_subject_it_was_trained_on()
    {
        using var scratch = new ScratchFolder("evaluate-bundle");
        var report = Path.Combine(scratch.Path, "s002.json");

        var (exit, output) = CliRunner.Run(["evaluate", "--bundle", ShippedBundle, "--subject", "2", "--runs", "12", "--data", Eegmmidb, "--out", report]);

        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("trained on S001 (S001R04.edf, S001R08.edf, S001R12.edf)").And.Contain("evaluated on S002 runs 12"));
        Assert.That(output, Does.Contain("int8: ").And.Contain("fp32: ").And.Contain("needed for p < 0.01").And.Contain("truth \\ predicted"));
        using var json = JsonDocument.Parse(File.ReadAllText(report));
        var models = json.RootElement.GetProperty("models");
        Assert.That(models.GetArrayLength(), Is.EqualTo(2));
        foreach (var model in models.EnumerateArray())
        {
            var trials = model.GetProperty("trials").GetInt32();
            Assert.That(trials, Is.EqualTo(15), "run 12 holds 15 cued trials, each decided once");
            var predicted = model.GetProperty("predicted");
            Assert.That(predicted.GetProperty("left").GetInt32() + predicted.GetProperty("right").GetInt32(), Is.EqualTo(trials));
            var confusion = model.GetProperty("confusion").EnumerateArray().SelectMany(row => row.EnumerateArray()).Sum(cell => cell.GetInt32());
            Assert.That(confusion, Is.EqualTo(trials));
            Assert.That(model.GetProperty("pValue").GetDouble(), Is.InRange(0.0, 1.0));
        }

        Assert.That(json.RootElement.GetProperty("subject").GetInt32(), Is.EqualTo(2));
    }

    [Test]
    public void A_run_that_is_not_the_bundles_task_is_named_with_the_tasks_runs()
    {
        var (exit, output) = CliRunner.Run(["evaluate", "--bundle", ShippedBundle, "--subject", "2", "--runs", "6", "--data", Eegmmidb]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("'6' is not one of task left-vs-right's runs (4, 8, 12)"));
    }

    [Test]
    public void A_task_beside_a_bundle_is_refused()
    {
        var (exit, output) = CliRunner.Run(["evaluate", "--bundle", ShippedBundle, "--task", "hands-vs-feet", "--data", Eegmmidb]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("drop --task"));
    }

    [Test]
    public void Without_a_bundle_the_task_is_still_required()
    {
        var (exit, output) = CliRunner.Run(["evaluate", "--data", Eegmmidb]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--task is required"));
    }
}
