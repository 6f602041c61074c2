using EdgeBci.Training.Data;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Training.Onnx;

/// <summary>
/// Runs an exported (fp32 or int8) classifier in ONNX Runtime over windows in microvolts, the way the unit will, so
/// the trainer can report what the deployed model does rather than what the engine does. Offline use: batches are
/// allocated per call; the unit's allocation-free path lives in the decoding stage.
/// </summary>
public sealed class OnnxClassifier : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string _input;
    private readonly string _output;

    /// <param name="model">Serialized ONNX model whose input is [batch, channels, samples] and output [batch, classes].</param>
    /// <param name="channels">Channels per window.</param>
    /// <param name="samples">Samples per channel per window.</param>
    /// <param name="input">Name of the input.</param>
    /// <param name="output">Name of the probabilities output.</param>
    /// <param name="threads">Intra-op threads (1 reproduces the unit's default).</param>
    /// <exception cref="OnnxRuntimeException">The bytes are not a model ONNX Runtime can load.</exception>
    public OnnxClassifier(byte[] model, int channels, int samples, string input, string output, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(model, options);
        if (!_session.InputMetadata.ContainsKey(input) || !_session.OutputMetadata.ContainsKey(output))
        {
            _session.Dispose();
            throw new ArgumentException(
                $"The model has inputs [{string.Join(", ", _session.InputNames)}] and outputs [{string.Join(", ", _session.OutputNames)}], not '{input}' → '{output}'.");
        }

        Channels = channels;
        Samples = samples;
        _input = input;
        _output = output;
    }

    public int Channels { get; }

    public int Samples { get; }

    /// <summary>Class probabilities of each window, row-major [windows, classes].</summary>
    /// <exception cref="ArgumentException">A window does not hold channels × samples values.</exception>
    public float[] Probabilities(IReadOnlyList<float[]> windows, out int classes)
    {
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            throw new ArgumentException("At least one window is needed.", nameof(windows));
        }

        var length = Channels * Samples;
        var batch = new float[windows.Count * length];
        for (var b = 0; b < windows.Count; b++)
        {
            if (windows[b] is not { } window || window.Length != length)
            {
                throw new ArgumentException($"Window {b} holds {windows[b]?.Length ?? 0} values, not {Channels} × {Samples} = {length}.", nameof(windows));
            }

            window.CopyTo(batch, b * length);
        }

        using var value = OrtValue.CreateTensorValueFromMemory(batch, [windows.Count, Channels, Samples]);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, [_input], [value], [_output]);
        var output = results[0];
        var shape = output.GetTensorTypeAndShape().Shape;
        classes = (int)shape[^1];
        return output.GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Most probable class of every trial of <paramref name="dataset"/>.</summary>
    public int[] Predict(EpochDataset dataset, int batchSize = 64)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var predictions = new int[dataset.Count];
        for (var start = 0; start < dataset.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, dataset.Count - start);
            var windows = new float[count][];
            for (var i = 0; i < count; i++)
            {
                windows[i] = dataset.Windows[start + i];
            }

            var probabilities = Probabilities(windows, out var classes);
            for (var i = 0; i < count; i++)
            {
                predictions[start + i] = System.Numerics.Tensors.TensorPrimitives.IndexOfMax(probabilities.AsSpan(i * classes, classes));
            }
        }

        return predictions;
    }

    public void Dispose() => _session.Dispose();
}
