using System.Text.Json;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

public class EvaluateCommandTests
{
    private static string EegmmidbFolder => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SharedData.Path("eegmmidb/S001/S001R01.edf"))!, ".."));

    [Test]
    public void The_baseline_report_gives_both_protocols_well_above_chance_on_S001_hands_versus_feet()
    {
        var report = Path.Combine(Path.GetTempPath(), $"edgebci-evaluate-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, output) = CliRunner.Run(["evaluate", "--task", "hands-vs-feet", "--data", EegmmidbFolder, "--out", report]);
            Assert.That(exit, Is.Zero, output);
            Assert.That(output, Does.Contain("45 windows of 500 samples x 8 channels"));

            using var json = JsonDocument.Parse(File.ReadAllText(report));
            var results = json.RootElement.GetProperty("results");
            Assert.That(results.GetArrayLength(), Is.EqualTo(2));
            Assert.That(results[0].GetProperty("protocol").GetString(), Is.EqualTo("5-fold"));
            Assert.That(results[0].GetProperty("trials").GetInt32(), Is.EqualTo(45), "every window is tested once across the folds");
            Assert.That(results[1].GetProperty("protocol").GetString(), Is.EqualTo("chronological"));
            Assert.That(results[1].GetProperty("trials").GetInt32(), Is.EqualTo(15), "the third run");
            foreach (var result in results.EnumerateArray())
            {
                // Two balanced classes: chance is 50 %; CSP+LDA on sensorimotor channels does far better.
                Assert.That(result.GetProperty("accuracy").GetDouble(), Is.GreaterThan(0.7));
            }
        }
        finally
        {
            // --out alone also writes the page beside the JSON.
            File.Delete(report);
            File.Delete(Path.ChangeExtension(report, ".html"));
        }
    }

    [Test]
    public void An_unknown_task_is_named_with_the_tasks_that_exist()
    {
        var (exit, output) = CliRunner.Run(["evaluate", "--task", "jump", "--data", EegmmidbFolder]);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("jump").And.Contain("hands-vs-feet"));
    }
}
