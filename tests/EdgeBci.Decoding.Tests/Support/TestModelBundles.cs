using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Live;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Decoding.Tests.Support;

/// <summary>
/// Bundles around the small models of <see cref="OnnxTestModels"/>, with the S001 bundle's manifest (its 8 channels,
/// 500-sample window, 250 Hz, two classes, the unit's default chain), so they fit <see cref="S001Bundles.Unit"/>, and a
/// stream of constant frames to decode with them.
/// </summary>
internal static class TestModelBundles
{
    public const int Channels = 8;
    public const int Samples = 500;

    /// <summary>Microvolts per Q31 step of the frames below: <see cref="Frame"/>(20) is 20 µV on every channel.</summary>
    public const double MicrovoltsPerQ31 = 1e-6;

    /// <summary>Writes <paramref name="model"/> as bundle <paramref name="name"/> (id "test-{name}", version "1") and loads it.</summary>
    public static ModelBundle Write(string name, Func<int, int, byte[]> model)
    {
        var folder = Path.Combine(S001Bundles.Root, "test-models", name);
        OnnxTestModels.WriteBundle(folder, ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None).Manifest, model(Channels, Samples), $"test-{name}", "1");
        return ModelBundle.Load(folder, ModelTrustPolicy.None);
    }

    /// <summary>A classifier of bundle <paramref name="name"/>, warmed up.</summary>
    public static OnnxWindowClassifier Classifier(string name, Func<int, int, byte[]> model)
    {
        var classifier = new OnnxWindowClassifier(Write(name, model));
        try
        {
            classifier.WarmUp();
            return classifier;
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>One frame with <paramref name="microvolts"/> on every channel.</summary>
    public static int[] Frame(double microvolts) => [.. Enumerable.Repeat((int)(microvolts / MicrovoltsPerQ31), Channels)];

    /// <summary>Pushes <paramref name="frames"/> copies of <paramref name="frame"/> from sample index <paramref name="first"/> on; returns the next index.</summary>
    public static long Push(LiveDecoder decoder, int[] frame, long first, int frames)
    {
        for (var i = 0; i < frames; i++)
        {
            decoder.Push(frame, first + i, first + i);
        }

        return first + frames;
    }
}
