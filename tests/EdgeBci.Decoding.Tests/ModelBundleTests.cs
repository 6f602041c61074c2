using System.Text.Json.Nodes;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Signal.Chain;

namespace EdgeBci.Decoding.Tests;

public sealed class ModelBundleTests
{
    private string _root = null!;

    [SetUp]
    public void CreateFolder()
    {
        _root = Path.Combine(Path.GetTempPath(), $"edgebci-bundle-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    internal static ModelManifest Manifest() => new()
    {
        ModelId = "test-hands-vs-feet",
        ModelVersion = "1",
        CreatedUtc = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero),
        Channels = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"],
        SampleRate = 250,
        WindowSamples = 500,
        Classes = ["hands", "feet"],
        SignalChain = new SignalOptions { Filters = [SignalOptions.DefaultBandPass] },
        Normalization = new ModelNormalization("fixed-scale", 20, InGraph: true),
        Tensors = new ModelTensors("eeg", "probabilities", "logits"),
        Quantization = new ModelQuantization("percentile", 99.99, 64, 0.99),
        Metrics = [new ModelMetric("decoder int8", "5-fold", 0.9, 0.9, 0.8, 45)],
        Files = [],
    };

    private string WriteBundle()
    {
        var folder = Path.Combine(_root, "bundle");
        ModelBundle.Write(folder, Manifest(), new Dictionary<string, byte[]>
        {
            [ModelManifest.Int8ModelFile] = [1, 2, 3, 4, 5],
            [ModelManifest.Fp32ModelFile] = [6, 7, 8, 9, 10, 11],
        });
        return folder;
    }

    [Test]
    public void A_written_bundle_loads_with_every_file_hashed()
    {
        var bundle = ModelBundle.Load(WriteBundle(), ModelTrustPolicy.None);

        Assert.That(bundle.Manifest.Files.Select(f => f.Name), Is.EquivalentTo(new[] { ModelManifest.Int8ModelFile, ModelManifest.Fp32ModelFile }));
        Assert.That(bundle.Manifest.Files.Single(f => f.Name == ModelManifest.Int8ModelFile).Sha256,
            Is.EqualTo("74f81fe167d99b4cb41d6d0ccda82278caee9f3e2f25d5e5a3936ff3dcec60d0"));
        Assert.That(bundle.Manifest.Channels, Is.EqualTo(Manifest().Channels));
        Assert.That(bundle.Manifest.SignalChain.Filters.Single().HighHz, Is.EqualTo(30));
        Assert.That(File.ReadAllBytes(bundle.Int8ModelPath), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5 }));
    }

    [Test]
    public void A_model_changed_after_writing_is_refused_naming_the_file_and_both_hashes()
    {
        var folder = WriteBundle();
        File.WriteAllBytes(Path.Combine(folder, ModelManifest.Int8ModelFile), [1, 2, 3, 4, 6]);

        var error = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(folder, ModelTrustPolicy.None))!;

        Assert.That(error.Message, Does.Contain(ModelManifest.Int8ModelFile).And.Contain("does not match")
            .And.Contain("74f81fe167d99b4cb41d6d0ccda82278caee9f3e2f25d5e5a3936ff3dcec60d0"));
    }

    [Test]
    public void A_truncated_or_missing_file_is_refused_naming_it()
    {
        var folder = WriteBundle();
        File.WriteAllBytes(Path.Combine(folder, ModelManifest.Fp32ModelFile), [6, 7]);
        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain(ModelManifest.Fp32ModelFile).And.Message.Contain("2 bytes"));

        File.Delete(Path.Combine(folder, ModelManifest.Fp32ModelFile));
        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain(ModelManifest.Fp32ModelFile).And.Message.Contain("missing"));
    }

    [Test]
    public void A_manifest_whose_hash_was_edited_is_refused()
    {
        var folder = WriteBundle();
        var path = Path.Combine(folder, ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["files"]![0]!["sha256"] = new string('0', 64);
        File.WriteAllText(path, json.ToJsonString());

        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>().With.Message.Contain("does not match"));
    }

    [TestCase("{", "not a valid manifest")]
    [TestCase("""{"modelId": "x"}""", "not a valid manifest")]
    [TestCase("null", "empty")]
    public void A_malformed_manifest_is_refused_with_the_reason(string content, string expected)
    {
        var folder = WriteBundle();
        File.WriteAllText(Path.Combine(folder, ModelManifest.FileName), content);

        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain(ModelManifest.FileName).And.Message.Contain(expected));
    }

    [TestCase("schemaVersion", 2, "schemaVersion 2 is not supported")]
    [TestCase("sampleRate", -250, "sampleRate -250")]
    [TestCase("windowSamples", 0, "windowSamples 0")]
    public void A_manifest_value_out_of_range_is_named(string key, int value, string expected)
    {
        var folder = WriteBundle();
        var path = Path.Combine(folder, ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json[key] = value;
        File.WriteAllText(path, json.ToJsonString());

        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>().With.Message.Contain(expected));
    }

    [Test]
    public void A_manifest_cannot_point_outside_its_folder()
    {
        var folder = WriteBundle();
        var path = Path.Combine(folder, ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["files"]![0]!["name"] = "../secret.onnx";
        File.WriteAllText(path, json.ToJsonString());

        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>().With.Message.Contain("../secret.onnx"));
    }

    [Test]
    public void Rewriting_a_bundle_replaces_it_whole_and_leaves_no_staging_folder()
    {
        var folder = WriteBundle();
        ModelBundle.Write(folder, Manifest() with { ModelVersion = "2" }, new Dictionary<string, byte[]> { [ModelManifest.Int8ModelFile] = [42] });

        var bundle = ModelBundle.Load(folder, ModelTrustPolicy.None);
        Assert.That(bundle.Manifest.ModelVersion, Is.EqualTo("2"));
        Assert.That(File.Exists(bundle.Fp32ModelPath), Is.False, "files of the previous bundle do not linger");
        Assert.That(Directory.GetDirectories(_root), Is.EqualTo(new[] { folder }));
    }

    [Test]
    public void A_missing_folder_or_manifest_is_named()
    {
        Assert.That(() => ModelBundle.Load(Path.Combine(_root, "nowhere"), ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>().With.Message.Contain("no such folder"));
        Assert.That(() => ModelBundle.Load(_root, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>().With.Message.Contain("no manifest"));
    }
}
