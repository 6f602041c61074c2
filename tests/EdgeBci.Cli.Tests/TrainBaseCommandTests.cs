using EdgeBci.Decoding.Bundle;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Transfer;

namespace EdgeBci.Cli.Tests;

/// <summary><c>edgebci train-base</c>: a pooled, per-subject aligned base bundle that a unit can fine-tune.</summary>
[NonParallelizable]
public class TrainBaseCommandTests
{
    private string _folder = string.Empty;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"edgebci-train-base-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static string Eegmmidb() => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SharedData.Path("eegmmidb/S002/S002R04.edf"))!, ".."));

    [Test]
    public void Train_base_pools_two_subjects_and_writes_a_checkpointed_bundle_without_an_alignment()
    {
        var bundle = Path.Combine(_folder, "base");

        var (exit, output) = CliRunner.Run(["train-base", "--task", "rest-left-right", "--subjects", "2,3", "--epochs", "1", "--data", Eegmmidb(),
            "--model-version", "test-1", "--out", bundle]);

        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("subject 2, rest-left-right").And.Contain("subject 3, rest-left-right"));
        var loaded = BaseModel.Load(bundle);
        Assert.That(loaded.Bundle.Manifest.ModelId, Is.EqualTo("base-rest-left-right"));
        Assert.That(loaded.ClassNames, Is.EqualTo(new[] { "left", "rest", "right" }));
        Assert.That(loaded.Bundle.Manifest.Alignment, Is.Null);
        Assert.That(loaded.Bundle.Manifest.Normalization.ScaleMicrovolts, Is.EqualTo(1), "aligned input: the alignment scales, not 20 µV");
        Assert.That(loaded.Bundle.Manifest.TrainingRecordings.Select(r => r.Name), Is.EqualTo(new[]
        {
            "S002R04.edf", "S002R08.edf", "S002R12.edf", "S003R04.edf", "S003R08.edf", "S003R12.edf",
        }));
    }

    [TestCase("2,x", "'x' is not a subject number")]
    [TestCase("2,9", "Subject 9, task 'rest-left-right': run 4 is missing")]
    public void Bad_subjects_are_named_before_anything_is_replayed(string subjects, string expected)
    {
        var (exit, output) = CliRunner.Run(["train-base", "--task", "rest-left-right", "--subjects", subjects, "--data", Eegmmidb(),
            "--out", Path.Combine(_folder, "never")]);

        Assert.That(exit, Is.Not.Zero);
        Assert.That(output, Does.Contain(expected));
        Assert.That(Directory.Exists(Path.Combine(_folder, "never")), Is.False);
    }
}
