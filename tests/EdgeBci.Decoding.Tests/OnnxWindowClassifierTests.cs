using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Training.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Decoding.Tests;

/// <summary>The single-window ONNX Runtime wrapper on a real bundle: shapes, results, the optimised-model cache, no allocation.</summary>
public sealed class OnnxWindowClassifierTests
{
    private string _cacheFolder = null!;

    [SetUp]
    public void CreateCacheFolder() => _cacheFolder = Path.Combine(S001Bundles.Root, $"cache-{Guid.NewGuid():N}");

    private static float[] SomeWindow(int length, int seed)
    {
        var random = new Random(seed);
        var window = new float[length];
        for (var i = 0; i < window.Length; i++)
        {
            window[i] = (float)(((random.NextDouble() * 2) - 1) * 30);
        }

        return window;
    }

    [Test]
    public void Classifies_one_window_exactly_as_a_plain_onnx_runtime_session_does()
    {
        var bundle = ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None);
        using var classifier = new OnnxWindowClassifier(bundle);
        var window = SomeWindow(classifier.Channels * classifier.Samples, 3);
        window.CopyTo(classifier.Input);

        classifier.Run();

        // The int8 model's result does not depend on where its input lies in memory, so any session will do.
        using var reference = new OnnxClassifier(File.ReadAllBytes(bundle.Int8ModelPath), 8, 500, "eeg", "probabilities", threads: 1);
        var expected = reference.Probabilities([window], out var classes);
        Assert.That(classifier.Channels, Is.EqualTo(8));
        Assert.That(classifier.Samples, Is.EqualTo(500));
        Assert.That(classifier.Classes, Is.EqualTo(classes).And.EqualTo(2));
        Assert.That(classifier.ModelId, Is.EqualTo("s001-test"));
        Assert.That(classifier.ModelVersion, Is.EqualTo("1"));
        Assert.That(classifier.Precision, Is.EqualTo(ModelPrecision.Int8));
        Assert.That(classifier.Probabilities.ToArray(), Is.EqualTo(expected), "bit-identical to a fresh session on the same window");
    }

    [Test]
    public void The_fp32_model_matches_a_plain_session_given_an_equally_aligned_window()
    {
        var bundle = ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None);
        using var classifier = new OnnxWindowClassifier(bundle, new InferenceOptions { Precision = ModelPrecision.Fp32 });
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(bundle.Fp32ModelPath, options);
        var aligned = AlignedBuffer.Allocate(8 * 500);
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, aligned, [1, 8, 500]);
        using var runOptions = new RunOptions();
        for (var w = 0; w < 10; w++)
        {
            var window = SomeWindow(8 * 500, 40 + w);
            window.CopyTo(classifier.Input);
            window.CopyTo(aligned.Span);

            classifier.Run();
            using var results = session.Run(runOptions, ["eeg"], [input], ["probabilities"]);

            Assert.That(classifier.Precision, Is.EqualTo(ModelPrecision.Fp32));
            Assert.That(classifier.Probabilities.ToArray(), Is.EqualTo(results[0].GetTensorDataAsSpan<float>().ToArray()), $"window {w}");
        }
    }

    [Test]
    public void The_fp32_model_gives_the_same_bits_in_every_classifier_instance()
    {
        // The input sits on a 64-byte boundary in every instance; ONNX Runtime's fp32 kernels otherwise round
        // differently with the array's placement. Several instances, so several placements of their buffers.
        var bundle = ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None);
        var options = new InferenceOptions { Precision = ModelPrecision.Fp32 };
        var classifiers = Enumerable.Range(0, 4).Select(_ => new OnnxWindowClassifier(bundle, options)).ToList();
        try
        {
            for (var w = 0; w < 20; w++)
            {
                var window = SomeWindow(8 * 500, 100 + w);
                var results = classifiers.Select(c =>
                {
                    window.CopyTo(c.Input);
                    c.Run();
                    return c.Probabilities.ToArray();
                }).ToList();
                Assert.That(results, Is.All.EqualTo(results[0]), $"window {w}");
            }
        }
        finally
        {
            classifiers.ForEach(c => c.Dispose());
        }
    }

    [Test]
    public void A_run_allocates_no_managed_memory()
    {
        using var classifier = new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None));
        SomeWindow(classifier.Channels * classifier.Samples, 5).CopyTo(classifier.Input);
        classifier.WarmUp();

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            classifier.Run();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void A_model_file_changed_after_the_bundle_was_verified_is_refused()
    {
        var folder = S001Bundles.Variant("changed-after-load", m => m);
        var bundle = ModelBundle.Load(folder, ModelTrustPolicy.None);
        var bytes = File.ReadAllBytes(bundle.Int8ModelPath);
        bytes[^10] ^= 0x01;
        File.WriteAllBytes(bundle.Int8ModelPath, bytes);

        Assert.That(() => new OnnxWindowClassifier(bundle), Throws.TypeOf<ModelBundleException>().With.Message.Contain("SHA-256"));
    }

    [Test]
    public void A_manifest_whose_window_is_not_the_graphs_is_refused()
    {
        var folder = S001Bundles.Variant("wrong-window", m => m with { WindowSamples = 400 });

        Assert.That(() => new OnnxWindowClassifier(ModelBundle.Load(folder, ModelTrustPolicy.None)), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("not float [batch, 8, 400]"));
    }

    [Test]
    public void The_optimised_model_is_cached_with_its_source_hash_and_reused_with_identical_results()
    {
        var bundle = ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None);
        var cache = Path.Combine(_cacheFolder, "model.optimized.onnx");
        var options = new InferenceOptions { OptimizedModelCachePath = cache };
        var window = SomeWindow(8 * 500, 9);

        float[] fresh;
        using (var first = new OnnxWindowClassifier(bundle, options))
        {
            Assert.That(first.LoadedFromCache, Is.False);
            window.CopyTo(first.Input);
            first.Run();
            fresh = first.Probabilities.ToArray();
        }

        Assert.That(File.Exists(cache), Is.True, "ONNX Runtime wrote the optimised model");
        Assert.That(File.ReadAllText(OptimizedModelCache.SidecarPath(cache)), Does.Contain(bundle.Manifest.Files.Single(f => f.Name == "model.onnx").Sha256));

        using var second = new OnnxWindowClassifier(bundle, options);
        window.CopyTo(second.Input);
        second.Run();

        Assert.That(second.LoadedFromCache, Is.True);
        Assert.That(second.Probabilities.ToArray(), Is.EqualTo(fresh));
    }

    [Test]
    public void A_cache_made_from_another_model_or_damaged_is_rebuilt()
    {
        var cache = Path.Combine(_cacheFolder, "model.optimized.onnx");
        var options = new InferenceOptions { OptimizedModelCachePath = cache };
        using (new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None), options))
        {
        }

        // Same file name, another bundle model: its hash is not the recorded one.
        using (var other = new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.OtherFolder, ModelTrustPolicy.None), options))
        {
            Assert.That(other.LoadedFromCache, Is.False);
        }

        File.AppendAllText(cache, "x");
        using var damaged = new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.OtherFolder, ModelTrustPolicy.None), options);
        Assert.That(damaged.LoadedFromCache, Is.False);
        using var rebuilt = new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.OtherFolder, ModelTrustPolicy.None), options);
        Assert.That(rebuilt.LoadedFromCache, Is.True);
    }
}
