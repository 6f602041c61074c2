using System.Diagnostics;
using System.Globalization;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Signal.Chain;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Model;

namespace EdgeBci.Benchmarks;

/// <summary>
/// Per-window inference latency of the unit's decoder, int8 against fp32 of the same bundle, one intra-op thread:
/// a Stopwatch around every <see cref="OnnxWindowClassifier.Run"/> (BenchmarkDotNet reports means, and the tail is
/// what a real-time loop must budget for), p50 and p99 over thousands of windows after a warm-up, and the managed
/// bytes allocated per window. The windows are real: S001 hands-vs-feet trials through the unit's chain, cycled.
/// Without a bundle path, one is trained in-process from S001 (a short training: latency does not depend on the
/// weights' values).
/// </summary>
internal static class DecoderInferenceBenchmark
{
    public static int Run(string? bundlePath, int windows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windows, 100);
        var task = TaskDefinition.HandsVersusFeet;
        string[] montage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];
        string[] paths = [.. task.Runs.Select(run => SharedData.Path(string.Create(CultureInfo.InvariantCulture, $"eegmmidb/S001/S001R{run:00}.edf")))];
        var dataset = DatasetBuilder.Build(paths, task, montage, ReplaySettings.Default, new SignalOptions());
        string? temporary = null;
        if (bundlePath is null)
        {
            temporary = Path.Combine(Path.GetTempPath(), $"edgebci-inference-benchmark-{Guid.NewGuid():N}");
            bundlePath = temporary;
            Console.WriteLine("Training a bundle from S001 hands-vs-feet (10 epochs)...");
            DecoderBundleBuilder.Build(bundlePath, new BundleRequest(dataset, task, new SignalOptions(), paths, DecoderTrainer.ShapeFor(dataset, 7),
                DecoderTrainer.OptionsFor(dataset, 7) with { MaxEpochs = 10 }, DecoderBundleBuilder.DefaultQuantization, "benchmark", "1", "benchmark",
                DateTimeOffset.UtcNow, []));
        }

        try
        {
            var bundle = ModelBundle.Load(bundlePath, ModelTrustPolicy.None);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Bundle {bundle.Manifest.ModelId} {bundle.Manifest.ModelVersion}: {bundle.Manifest.Channels.Count} channels × {bundle.Manifest.WindowSamples} samples, " +
                $"{windows} windows per precision after a warm-up, 1 intra-op thread, {Environment.ProcessorCount} cores"));
            var int8 = Measure(bundle, ModelPrecision.Int8, dataset.Windows, windows);
            var fp32 = Measure(bundle, ModelPrecision.Fp32, dataset.Windows, windows);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"int8 / fp32: p50 {int8.P50 / fp32.P50:F2}, p99 {int8.P99 / fp32.P99:F2} (below 1: int8 is faster)"));
            return int8.BytesPerWindow == 0 && fp32.BytesPerWindow == 0 ? 0 : 1;
        }
        finally
        {
            if (temporary is not null)
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    private static (double P50, double P99, double BytesPerWindow) Measure(ModelBundle bundle, ModelPrecision precision, IReadOnlyList<float[]> inputs, int windows)
    {
        using var classifier = new OnnxWindowClassifier(bundle, new InferenceOptions { Precision = precision, IntraOpThreads = 1 });
        var ticks = new long[windows];
        for (var i = 0; i < 200; i++)
        {
            inputs[i % inputs.Count].CopyTo(classifier.Input);
            classifier.Run();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < windows; i++)
        {
            inputs[i % inputs.Count].CopyTo(classifier.Input);
            var start = Stopwatch.GetTimestamp();
            classifier.Run();
            ticks[i] = Stopwatch.GetTimestamp() - start;
        }

        var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)windows;
        Array.Sort(ticks);
        double Percentile(double p) => ticks[Math.Min(windows - 1, (int)Math.Ceiling(p * windows) - 1)] * 1e6 / Stopwatch.Frequency;
        var mean = ticks.Average() * 1e6 / Stopwatch.Frequency;
        var (p50, p99) = (Percentile(0.50), Percentile(0.99));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{precision,-5} p50 {p50,8:F1} µs   p99 {p99,8:F1} µs   mean {mean,8:F1} µs   max {ticks[^1] * 1e6 / Stopwatch.Frequency,8:F1} µs   {bytes:F1} bytes allocated per window"));
        return (p50, p99, bytes);
    }
}
