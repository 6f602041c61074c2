using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Onnx;

namespace EdgeBci.Decoding.Tests.Support;

/// <summary>
/// The offline reference: a window cut from a stream in microvolts the way DatasetBuilder cuts training windows
/// (rows in the manifest's channel order, looked up by name; samples [last − T + 1, last]; each value
/// <c>(float)microvolts</c>), classified by a plain ONNX Runtime session, one window per run, one intra-op thread.
/// </summary>
internal sealed class OfflineWindows : IDisposable
{
    private readonly OnnxClassifier _classifier;
    private readonly ModelManifest _manifest;

    public OfflineWindows(string modelPath, ModelManifest manifest)
    {
        _manifest = manifest;
        _classifier = new OnnxClassifier(File.ReadAllBytes(modelPath), manifest.Channels.Count, manifest.WindowSamples, manifest.Tensors.Input,
            manifest.Tensors.Probabilities, threads: 1);
    }

    /// <summary>Rows of <paramref name="microvolts"/> (per stream channel) for the model's channels, found by name in <paramref name="labels"/>.</summary>
    public int[] Rows(IReadOnlyList<string> labels) =>
        [.. _manifest.Channels.Select(name => labels.ToList().FindIndex(l => string.Equals(l, name, StringComparison.OrdinalIgnoreCase)))];

    /// <summary>The window whose newest sample is <paramref name="last"/>; <paramref name="sample"/> gives stream channel × index in µV.</summary>
    public float[] Cut(int[] rows, long last, Func<int, long, double> sample)
    {
        var length = _manifest.WindowSamples;
        var window = new float[rows.Length * length];
        for (var c = 0; c < rows.Length; c++)
        {
            for (var s = 0; s < length; s++)
            {
                window[(c * length) + s] = (float)sample(rows[c], last - length + 1 + s);
            }
        }

        return window;
    }

    public float[] Probabilities(float[] window) => _classifier.Probabilities([window], out _);

    public void Dispose() => _classifier.Dispose();
}
