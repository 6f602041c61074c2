using EdgeBci.Decoding.Bundle;
using EdgeBci.Signal.Chain;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Model;

namespace EdgeBci.Decoding.Tests;

/// <summary>
/// Real bundles for the whole assembly, built once: a decoder trained briefly (30 epochs, enough for windows of both
/// classes and some below the rejection floor on a replayed run; these tests are about
/// running a model, not about its accuracy) on S001 hands-vs-feet runs 6, 10 and 14 through the unit's default chain,
/// exported, quantised and written by <see cref="DecoderBundleBuilder"/>. A second bundle ("s001-other" version "2",
/// another seed, 10 epochs) fits the same unit but classifies differently, so a hot swap can tell the two apart.
/// </summary>
[SetUpFixture]
public sealed class S001Bundles
{
    public static readonly string[] Montage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];

    private static string? _root;

    /// <summary>The trained bundle ("s001-test" version "1").</summary>
    public static string Folder => Path.Combine(Root, "s001");

    /// <summary>Same channels, rate, window and chain; id "s001-other" version "2", another training.</summary>
    public static string OtherFolder => Path.Combine(Root, "other");

    public static string Root => _root ?? throw new InvalidOperationException("The S001 bundles were not built.");

    public static string RunPath(int run) => SharedData.Path($"eegmmidb/S001/S001R{run:00}.edf");

    [OneTimeSetUp]
    public static void Build()
    {
        var task = TaskDefinition.HandsVersusFeet;
        string[] paths = [.. task.Runs.Select(RunPath)];
        var signal = new SignalOptions();
        var dataset = DatasetBuilder.Build(paths, task, Montage, ReplaySettings.Default, signal, cropMarginSeconds: 0.5);
        var root = Path.Combine(Path.GetTempPath(), $"edgebci-decoding-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        _root = root;
        var request = new BundleRequest(dataset, task, signal, paths, DecoderTrainer.ShapeFor(dataset, 7),
            DecoderTrainer.OptionsFor(dataset, 7) with { MaxEpochs = 30 }, DecoderBundleBuilder.DefaultQuantization, "s001-test", "1", "decoding tests",
            new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero), []);
        DecoderBundleBuilder.Build(Folder, request);

        var other = request with
        {
            Shape = DecoderTrainer.ShapeFor(dataset, 3),
            Training = DecoderTrainer.OptionsFor(dataset, 3) with { MaxEpochs = 10 },
            ModelId = "s001-other",
            ModelVersion = "2",
        };
        DecoderBundleBuilder.Build(OtherFolder, other);
    }

    [OneTimeTearDown]
    public static void Delete()
    {
        if (_root is not null && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>A copy of the bundle with its manifest changed, for models that must be refused.</summary>
    public static string Variant(string name, Func<ModelManifest, ModelManifest> change)
    {
        var built = ModelBundle.Load(Folder, ModelTrustPolicy.None);
        var folder = Path.Combine(Root, name);
        ModelBundle.Write(folder, change(built.Manifest), new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [ModelManifest.Int8ModelFile] = File.ReadAllBytes(built.Int8ModelPath),
            [ModelManifest.Fp32ModelFile] = File.ReadAllBytes(built.Fp32ModelPath),
        });
        return folder;
    }

    /// <summary>The unit's configuration for the default chain over <see cref="Montage"/> at 250 SPS.</summary>
    public static UnitConfiguration Unit(SignalOptions? signal = null) =>
        UnitConfiguration.For(signal ?? new SignalOptions(), [.. Montage.Select(EdgeBci.Recording.ChannelLabel.Normalize)], 250);
}
