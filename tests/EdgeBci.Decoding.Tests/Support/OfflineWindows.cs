using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Decoding.Tests.Support;

/// <summary>
/// The offline reference: a window cut from a stream in microvolts the way DatasetBuilder cuts training windows
/// (rows in the manifest's channel order, looked up by name; samples [last − T + 1, last]; each value
/// <c>(float)microvolts</c>), classified by a plain ONNX Runtime session of its own (default graph optimisation, one
/// intra-op thread), one window per run. The window is copied into a 64-byte aligned buffer before the run, as the
/// unit's classifier holds it: ONNX Runtime's float kernels can round differently with a buffer's placement, and
/// the comparison is about the decoder, not about where the GC put an array.
/// </summary>
internal sealed class OfflineWindows : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly Memory<float> _aligned;
    private readonly OrtValue _input;
    private readonly ModelManifest _manifest;

    public OfflineWindows(string modelPath, ModelManifest manifest)
    {
        _manifest = manifest;
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        _session = new InferenceSession(modelPath, options);
        _aligned = AlignedBuffer.Allocate(manifest.Channels.Count * manifest.WindowSamples);
        _input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _aligned, [1, manifest.Channels.Count, manifest.WindowSamples]);
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

    public float[] Probabilities(float[] window)
    {
        window.CopyTo(_aligned.Span);
        using var results = _session.Run(_runOptions, [_manifest.Tensors.Input], [_input], [_manifest.Tensors.Probabilities]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose()
    {
        _input.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
