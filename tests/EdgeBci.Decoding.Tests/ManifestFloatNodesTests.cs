using System.Text.Json.Nodes;
using EdgeBci.Decoding.Bundle;

namespace EdgeBci.Decoding.Tests;

/// <summary>The manifest's <c>quantization.floatNodes</c>: the nodes the quantizer kept float, written and read back,
/// and absent (null) in bundles written before the list existed.</summary>
public sealed class ManifestFloatNodesTests
{
    private string _root = null!;

    [SetUp]
    public void CreateFolder()
    {
        _root = Path.Combine(Path.GetTempPath(), $"edgebci-float-nodes-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    [Test]
    public void Float_nodes_round_trip_through_the_manifest()
    {
        var manifest = ModelBundleTests.Manifest();
        manifest = manifest with { Quantization = manifest.Quantization! with { FloatNodes = ["alignment", "temporal", "spatial"] } };

        var folder = Write(manifest);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ModelManifest.FileName)))!;
        var loaded = ModelBundle.Load(folder, ModelTrustPolicy.None).Manifest.Quantization!;

        Assert.That(json["quantization"]!["floatNodes"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "alignment", "temporal", "spatial" }));
        Assert.That(loaded.FloatNodes, Is.EqualTo(new[] { "alignment", "temporal", "spatial" }));
        Assert.That(loaded.Agreement, Is.EqualTo(0.99));
    }

    [Test]
    public void A_manifest_without_float_nodes_loads_with_none_recorded()
    {
        var folder = Write(ModelBundleTests.Manifest());
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ModelManifest.FileName)))!;

        Assert.That(json["quantization"]!.AsObject().ContainsKey("floatNodes"), Is.False, "nothing written for an older bundle's quantization");
        Assert.That(ModelBundle.Load(folder, ModelTrustPolicy.None).Manifest.Quantization!.FloatNodes, Is.Null);
    }

    private string Write(ModelManifest manifest)
    {
        var folder = Path.Combine(_root, "bundle");
        ModelBundle.Write(folder, manifest, new Dictionary<string, byte[]>
        {
            [ModelManifest.Int8ModelFile] = [1, 2, 3],
            [ModelManifest.Fp32ModelFile] = [4, 5, 6],
        });
        return folder;
    }
}
