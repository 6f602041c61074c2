using System.Numerics.Tensors;
using EdgeBci.Training.Onnx.Protos;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Training.Quantization;

/// <summary>The model's single float input: its name, and the shape of one calibration window.</summary>
/// <param name="Name">Graph input name.</param>
/// <param name="FixedBatch">The batch dimension's size when the model fixes it; null when it is symbolic.</param>
/// <param name="WindowDims">The dimensions after the batch dimension.</param>
internal sealed record ModelInput(string Name, long? FixedBatch, long[] WindowDims)
{
    public int WindowLength { get; } = checked((int)WindowDims.Aggregate(1L, (a, b) => a * b));

    public string WindowShape => $"[{string.Join(", ", WindowDims)}] ({WindowLength} values)";
}

/// <summary>The values one activation tensor took during calibration, and the range chosen to quantise it.</summary>
internal sealed record CalibratedRange(float ObservedMin, float ObservedMax, float Low, float High);

/// <summary>
/// Measures the tensors to be quantised over the calibration windows. The graph input is measured straight from the
/// windows; every other tensor by running the float model in ONNX Runtime, copied with those tensors added as graph
/// outputs so one run per batch yields all of them. MinMax needs one pass; Percentile a second one, filling
/// histograms over the ranges the first pass found (binning into a fixed range keeps memory per tensor constant
/// however many windows there are).
/// <para>
/// When the input itself is quantised, the windows are clamped to its chosen range before the model sees them: the
/// quantised model saturates its input at that QuantizeLinear, so this is what its later layers will receive. Without
/// it, an outlier clipped at the input would still stretch the range of every tensor downstream.
/// </para>
/// </summary>
internal static class ActivationCalibrator
{
    private delegate void TensorVisitor(string name, ReadOnlySpan<float> values);

    public static Dictionary<string, CalibratedRange> Calibrate(
        ModelProto model, ModelInput input, IReadOnlyList<string> tensors, IReadOnlyList<float[]> windows,
        StaticQuantizationOptions options)
    {
        var result = new Dictionary<string, CalibratedRange>(StringComparer.Ordinal);
        (float Low, float High)? clamp = null;
        if (tensors.Contains(input.Name, StringComparer.Ordinal))
        {
            var range = Measure([input.Name], options, visit =>
            {
                foreach (var window in windows)
                {
                    visit(input.Name, window);
                }
            })[input.Name];
            result[input.Name] = range;
            if (range.Low > range.ObservedMin || range.High < range.ObservedMax)
            {
                clamp = (Math.Min(range.Low, 0f), Math.Max(range.High, 0f));
            }
        }

        var fetched = tensors.Where(t => t != input.Name).ToArray();
        if (fetched.Length == 0)
        {
            return result;
        }

        using var sessionOptions = new SessionOptions
        {
            // Statistics must be those of the float graph as written; fusions would only change rounding, but there
            // is nothing to gain from them for an offline pass.
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        using var session = new InferenceSession(Augment(model, fetched).ToByteArray(), sessionOptions);
        foreach (var (name, range) in Measure(fetched, options, visit => RunBatches(session, input, fetched, windows, clamp, options, visit)))
        {
            result[name] = range;
        }

        return result;
    }

    /// <summary>Ranges of <paramref name="tensors"/> from one pass of <paramref name="pass"/> (MinMax) or two
    /// (Percentile: extremes, then histograms between them).</summary>
    private static Dictionary<string, CalibratedRange> Measure(
        IReadOnlyList<string> tensors, StaticQuantizationOptions options, Action<TensorVisitor> pass)
    {
        var ranges = tensors.ToDictionary(t => t, t => new RunningRange(t), StringComparer.Ordinal);
        pass((name, values) => ranges[name].Add(values));
        var result = new Dictionary<string, CalibratedRange>(StringComparer.Ordinal);
        foreach (var (name, range) in ranges.Where(r => r.Value.IsEmpty || options.Method == CalibrationMethod.MinMax))
        {
            // A tensor with no elements has no range; any parameters quantise it, so it gets those of [0, 0].
            result[name] = range.IsEmpty ? new CalibratedRange(0, 0, 0, 0) : new CalibratedRange(range.Min, range.Max, range.Min, range.Max);
        }

        if (result.Count == ranges.Count)
        {
            return result;
        }

        var absolute = options.Activations == ActivationType.Int8Symmetric;
        var histograms = ranges.Where(r => !result.ContainsKey(r.Key)).ToDictionary(
            p => p.Key, p => new RangeHistogram(p.Value.Min, p.Value.Max, options.HistogramBins, absolute), StringComparer.Ordinal);
        pass((name, values) =>
        {
            if (histograms.TryGetValue(name, out var histogram))
            {
                histogram.Add(values);
            }
        });
        foreach (var (name, range) in ranges.Where(r => histograms.ContainsKey(r.Key)))
        {
            var (low, high) = histograms[name].Range(options.Percentile);
            // Interpolation inside the outermost bins may step just past what was seen; the clipped range never
            // needs to be wider than the observed one.
            result[name] = new CalibratedRange(
                range.Min, range.Max, Math.Clamp(low, range.Min, range.Max), Math.Clamp(high, range.Min, range.Max));
        }

        return result;
    }

    private static ModelProto Augment(ModelProto model, IEnumerable<string> tensors)
    {
        var augmented = model.Clone();
        var outputs = augmented.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var tensor in tensors.Where(t => !outputs.Contains(t)))
        {
            // Only the element type is declared; ONNX Runtime infers the shape. Every tensor measured here is an
            // input or output of a Conv/MatMul/Gemm with a float weight, so it is float.
            augmented.Graph.Output.Add(new ValueInfoProto
            {
                Name = tensor,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        return augmented;
    }

    private static void RunBatches(
        InferenceSession session, ModelInput input, string[] fetched, IReadOnlyList<float[]> windows,
        (float Low, float High)? clamp, StaticQuantizationOptions options, TensorVisitor visit)
    {
        var batchSize = input.FixedBatch is { } fixedBatch ? checked((int)fixedBatch) : options.CalibrationBatchSize;
        var buffer = new float[batchSize * input.WindowLength];
        var inputNames = new[] { input.Name };
        using var runOptions = new RunOptions();
        for (var start = 0; start < windows.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, windows.Count - start);
            for (var n = 0; n < count; n++)
            {
                windows[start + n].CopyTo(buffer, n * input.WindowLength);
            }

            var length = count * input.WindowLength;
            if (clamp is { } limits)
            {
                TensorPrimitives.Clamp(buffer.AsSpan(0, length), limits.Low, limits.High, buffer.AsSpan(0, length));
            }

            long[] shape = [count, .. input.WindowDims];
            using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, length), shape);
            using var results = session.Run(runOptions, inputNames, [value], fetched);
            var index = 0;
            foreach (var result in results)
            {
                visit(fetched[index++], result.GetTensorDataAsSpan<float>());
            }
        }
    }
}
