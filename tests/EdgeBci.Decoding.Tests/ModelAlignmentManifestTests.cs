using System.Text.Json.Nodes;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Onnx;
using Google.Protobuf;

namespace EdgeBci.Decoding.Tests;

/// <summary>
/// The manifest's "alignment" field: written and read back, absent in old bundles (which still load), refused with the
/// field named when malformed, and checked against the graph's own "alignment" initializer.
/// </summary>
public sealed class ModelAlignmentManifestTests
{
    private const int Channels = 8;

    private string _root = null!;

    [SetUp]
    public void CreateFolder()
    {
        _root = Path.Combine(Path.GetTempPath(), $"edgebci-alignment-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_root, recursive: true);

    private static double[][] Matrix()
    {
        var rows = new double[Channels][];
        for (var i = 0; i < Channels; i++)
        {
            rows[i] = new double[Channels];
            for (var j = 0; j < Channels; j++)
            {
                // Float-exact values, as the trainer stores them (the graph holds float).
                rows[i][j] = (float)((i == j ? 0.05 : 0.0) + (0.001 * (i - j)));
            }
        }

        return rows;
    }

    /// <summary>A graph that only applies <paramref name="matrix"/>: all the check reads is its initializer.</summary>
    private static byte[] AligningModel(double[][]? matrix)
    {
        var builder = new OnnxGraphBuilder("align-only");
        builder.AddInput("eeg", OnnxDim.Batch, Channels, 500);
        if (matrix is null)
        {
            builder.AddNode("Identity", ["eeg"], ["probabilities"]);
        }
        else
        {
            builder.AddInitializer(ModelAlignment.InitializerName, [.. matrix.SelectMany(row => row).Select(v => (float)v)], [Channels, Channels]);
            builder.AddNamedNode(ModelAlignment.InitializerName, "MatMul", [ModelAlignment.InitializerName, "eeg"], ["probabilities"]);
        }

        builder.AddOutput("probabilities", OnnxDim.Batch, Channels, 500);
        return builder.Build("test").ToByteArray();
    }

    private string Write(ModelAlignment? alignment, double[][]? graphMatrix)
    {
        var folder = Path.Combine(_root, "bundle");
        var model = AligningModel(graphMatrix);
        ModelBundle.Write(folder, ModelBundleTests.Manifest() with { Alignment = alignment }, new Dictionary<string, byte[]>
        {
            [ModelManifest.Int8ModelFile] = model,
            [ModelManifest.Fp32ModelFile] = model,
        });
        return folder;
    }

    private static ModelAlignment Alignment() =>
        new(ModelAlignment.Euclidean, Matrix(), 90, [new BundleFile("S002R04.edf", new string('a', 64), 1234)]);

    private static void Edit(string folder, Action<JsonNode> edit)
    {
        var path = Path.Combine(folder, ModelManifest.FileName);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Test]
    public void An_alignment_round_trips_through_the_manifest()
    {
        var bundle = ModelBundle.Load(Write(Alignment(), Matrix()), ModelTrustPolicy.None);

        var alignment = bundle.Manifest.Alignment!;
        Assert.That(alignment.Method, Is.EqualTo("euclidean"));
        Assert.That(alignment.Matrix.Select(row => row.ToArray()), Is.EqualTo(Matrix()));
        Assert.That(alignment.Windows, Is.EqualTo(90));
        Assert.That(alignment.Recordings.Single().Name, Is.EqualTo("S002R04.edf"));
    }

    [Test]
    public void A_bundle_without_alignment_writes_no_field_and_loads_as_the_identity()
    {
        var folder = Write(null, null);

        Assert.That(File.ReadAllText(Path.Combine(folder, ModelManifest.FileName)), Does.Not.Contain("\"alignment\""));
        Assert.That(ModelBundle.Load(folder, ModelTrustPolicy.None).Manifest.Alignment, Is.Null, "old bundles: null means identity");
    }

    [TestCase("rows", "alignment.matrix has 7 rows")]
    [TestCase("short-row", "alignment.matrix[3] has 7 values")]
    [TestCase("string", "$.alignment.matrix[2][5]")]
    [TestCase("method", "alignment.method 'riemann' is unknown")]
    [TestCase("windows", "alignment.windows 0")]
    public void A_corrupted_alignment_is_refused_naming_the_field(string corruption, string expected)
    {
        var folder = Write(Alignment(), Matrix());
        Edit(folder, json =>
        {
            var alignment = json["alignment"]!;
            switch (corruption)
            {
                case "rows":
                    alignment["matrix"]!.AsArray().RemoveAt(7);
                    break;
                case "short-row":
                    alignment["matrix"]![3]!.AsArray().RemoveAt(0);
                    break;
                case "string":
                    alignment["matrix"]![2]![5] = "NaN";
                    break;
                case "method":
                    alignment["method"] = "riemann";
                    break;
                default:
                    alignment["windows"] = 0;
                    break;
            }
        });

        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain(ModelManifest.FileName).And.Message.Contain(expected));
    }

    [Test]
    public void A_graph_whose_alignment_differs_from_the_manifest_is_refused_naming_the_element()
    {
        var other = Matrix();
        other[4][1] = 0.25;

        Assert.That(() => ModelBundle.Load(Write(Alignment(), other), ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain(ModelManifest.Int8ModelFile).And.Message.Contain("'alignment'[4][1] is 0.25"));
        Assert.That(() => ModelBundle.Load(Write(Alignment(), null), ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("no 'alignment' initializer"));
    }
}
