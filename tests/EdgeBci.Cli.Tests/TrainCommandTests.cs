using EdgeBci.Decoding.Bundle;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary><c>edgebci train</c> and <c>edgebci quantize</c>: the bundle they write, and what they refuse.</summary>
[NonParallelizable]
public class TrainCommandTests
{
    private string _folder = string.Empty;
    private string _bundle = string.Empty;
    private (int Exit, string Output) _trained;

    [OneTimeSetUp]
    public void TrainOnce()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"edgebci-train-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
        _bundle = Path.Combine(_folder, "hvf");
        _trained = CliRunner.Run(["train", "--task", "hands-vs-feet", "--data", Eegmmidb(), "--no-evaluate", "--model-version", "test-1", "--out", _bundle]);
    }

    [OneTimeTearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static string Eegmmidb() => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(SharedData.Path("eegmmidb/S001/S001R06.edf"))!, ".."));

    private string CopyOfBundle(string name)
    {
        var copy = Path.Combine(_folder, name);
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.GetFiles(_bundle))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    [Test]
    public void Train_writes_a_bundle_that_verifies_with_the_task_channels_and_report()
    {
        Assert.That(_trained.Exit, Is.Zero, _trained.Output);
        var bundle = ModelBundle.Load(_bundle, ModelTrustPolicy.None);
        Assert.That(bundle.Manifest.ModelId, Is.EqualTo("s001-hands-vs-feet"));
        Assert.That(bundle.Manifest.ModelVersion, Is.EqualTo("test-1"));
        Assert.That(bundle.Manifest.Classes, Is.EqualTo(new[] { "feet", "hands" }));
        Assert.That(bundle.Manifest.Quantization!.Method, Is.EqualTo("percentile"));
        Assert.That(bundle.Manifest.Files.Select(f => f.Name), Is.EquivalentTo(new[]
        {
            ModelManifest.Int8ModelFile, ModelManifest.Fp32ModelFile, "report.json", "report.html",
        }));
        Assert.That(_trained.Output, Does.Contain("Wrote bundle").And.Contain("export parity"));
    }

    [Test]
    public void Quantize_recalibrates_the_int8_model_and_rewrites_the_manifest()
    {
        var copy = CopyOfBundle("requantized");
        var before = ModelBundle.Load(copy, ModelTrustPolicy.None).Manifest;

        var (exit, output) = CliRunner.Run(["quantize", copy, "--calibration", "min-max", "--all-int8", "--data", Eegmmidb()]);

        Assert.That(exit, Is.Zero, output);
        var after = ModelBundle.Load(copy, ModelTrustPolicy.None).Manifest;
        Assert.That(before.Quantization!.FloatNodes, Does.Contain("temporal").And.Contain("spatial"), "train keeps the small convolutions float");
        Assert.That(after.Quantization!.Method, Is.EqualTo("min-max"));
        Assert.That(after.Quantization.FloatNodes, Is.Empty, "--all-int8 quantizes every operator");
        Assert.That(after.Files.Single(f => f.Name == ModelManifest.Int8ModelFile).Sha256,
            Is.Not.EqualTo(before.Files.Single(f => f.Name == ModelManifest.Int8ModelFile).Sha256));
        Assert.That(after.Quantization.Agreement, Is.GreaterThanOrEqualTo(0.98), output);
        Assert.That(after.Files.Single(f => f.Name == ModelManifest.Fp32ModelFile).Sha256,
            Is.EqualTo(before.Files.Single(f => f.Name == ModelManifest.Fp32ModelFile).Sha256), "the fp32 model is untouched");
        Assert.That(output, Does.Contain("agrees with fp32"));
    }

    [Test]
    public void Quantize_refuses_a_bundle_whose_model_was_changed_naming_the_file()
    {
        var copy = CopyOfBundle("tampered");
        File.AppendAllText(Path.Combine(copy, ModelManifest.Fp32ModelFile), " ");

        var (exit, output) = CliRunner.Run(["quantize", copy, "--data", Eegmmidb()]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain(ModelManifest.Fp32ModelFile).And.Contain("refusing the bundle"));
    }

    [TestCase("--calibration", "median", "--calibration 'median'")]
    [TestCase("--percentile", "0", "--percentile 0")]
    public void A_bad_calibration_setting_is_named(string option, string value, string expected)
    {
        var (exit, output) = CliRunner.Run(["quantize", _bundle, option, value, "--data", Eegmmidb()]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain(expected));
    }
}
