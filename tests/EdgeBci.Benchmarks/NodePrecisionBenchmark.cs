using System.Diagnostics;
using System.Globalization;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Tests.Shared;
using EdgeBci.Training.Bundle;
using EdgeBci.Training.Data;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Onnx.Protos;
using EdgeBci.Training.Quantization;
using Google.Protobuf;

namespace EdgeBci.Benchmarks;

/// <summary>
/// <c>-- int8 [bundle] [windows]</c>: what each node group of the decoder costs and gives in int8, and whether the
/// default per-node precision (<see cref="DecoderBundleBuilder.DefaultQuantization"/>) makes the unit's int8 model no
/// slower than its fp32 model. The bundle's fp32 model is re-quantized as the bundle builder does it (same
/// calibration windows: the bundle's own training trials), once with everything quantised (today's model) and once
/// per configuration: each group alone kept float, each group alone quantised, and the default rule. Every model
/// runs through the unit's own <see cref="OnnxWindowClassifier"/> (1 intra-op thread, all optimisations, batch 1);
/// the latency is a Stopwatch around each <see cref="OnnxWindowClassifier.Run"/>, the configurations taking turns in
/// blocks of windows so that a load change on this shared machine falls on all of them alike.
/// <para>
/// Agreement with fp32 is counted on windows the calibration never saw in that position: S001 run 12 and S002/S003
/// runs 4 and 8 (never their test run 12), each trial cut at nine onsets 0–2 s after the cue. Accuracy is on S001 run
/// 12 at the bundle's own window (trials the shipped model was trained on: a check that nothing drops, not a
/// generalisation figure) and over all those windows.
/// </para>
/// </summary>
internal static class NodePrecisionBenchmark
{
    private const int BlockWindows = 50;
    private const int WarmUpWindows = 200;
    private const double NoiseBand = 0.03;

    /// <summary>The decoder's node groups, by the names its exporter gives them (for the ablations only: the default
    /// rule looks at shapes, not names).</summary>
    private static readonly (string Name, NodePattern Pattern)[] Groups =
    [
        ("temporal Conv", new NodePattern("Conv", "^temporal")),
        ("spatial Conv", new NodePattern("Conv", "^spatial")),
        ("embed MatMul", new NodePattern("MatMul", "^embed")),
        ("attention MatMuls", new NodePattern("MatMul", @"attention\.")),
        ("feed-forward MatMuls", new NodePattern("MatMul", "feedforward")),
        ("classifier Gemm", new NodePattern("Gemm", "^classifier")),
    ];

    public static int Run(string? bundlePath, int windows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windows, 10 * BlockWindows);
        bundlePath ??= Path.Combine(PipelineReplay.RepositoryRoot(), "firmware", "EdgeBci.Firmware", "models", "s001-left-vs-right");
        var bundle = ModelBundle.Load(bundlePath, ModelTrustPolicy.None);
        var manifest = bundle.Manifest;
        var task = manifest.Task ?? throw new InvalidOperationException($"{bundlePath}: the manifest records no task; the calibration windows cannot be cut.");
        var definition = new TaskDefinition(task.Name, [.. task.Runs], task.ClassByAnnotation, task.WindowStartSeconds, task.WindowEndSeconds);
        var training = Cut(1, definition.Runs, definition, manifest);
        var calibration = DecoderEvaluation.CalibrationWindows(training);
        var held = HeldOutWindows(definition, manifest);
        var ownWindow = Cut(1, [definition.Runs[^1]], definition, manifest);
        var fp32Bytes = File.ReadAllBytes(bundle.Fp32ModelPath);
        var fp32 = ModelProto.Parser.ParseFrom(fp32Bytes);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Bundle {manifest.ModelId} {manifest.ModelVersion}: {manifest.Channels.Count} × {manifest.WindowSamples}, calibrated on {calibration.Count} training windows; " +
            $"agreement on {held.Count} windows (S001 run {definition.Runs[^1]}, S002/S003 runs {string.Join("/", definition.Runs[..^1])}, 9 onsets each); " +
            $"{windows} timed windows per configuration after {WarmUpWindows} warm-up, 1 intra-op thread, {Environment.ProcessorCount} cores"));
        PrintNodes(fp32);

        var configurations = new List<Configuration>
        {
            new("fp32", fp32Bytes, null),
            new("int8 shipped (model.onnx)", File.ReadAllBytes(bundle.Int8ModelPath), null),
            Quantized("all int8 (today's rule)", fp32, calibration, FloatNodeRule.InputTransformsOnly),
        };
        foreach (var (name, pattern) in Groups)
        {
            configurations.Add(Quantized($"all int8 but {name}", fp32, calibration, new FloatNodeRule { Patterns = [pattern] }));
        }

        foreach (var (name, _) in Groups)
        {
            var others = Groups.Where(g => g.Name != name).Select(g => g.Pattern).ToArray();
            configurations.Add(Quantized($"only {name} int8", fp32, calibration, new FloatNodeRule { Patterns = others }));
        }

        configurations.Add(Quantized("all float (QDQ-free)", fp32, calibration, new FloatNodeRule { Patterns = [.. Groups.Select(g => g.Pattern)] }));
        var chosen = Quantized("default rule (chosen)", fp32, calibration, DecoderBundleBuilder.DefaultQuantization.FloatNodes);
        configurations.Add(chosen);

        foreach (var configuration in configurations)
        {
            Score(configuration, fp32Bytes, held, ownWindow, manifest);
        }

        Time(configurations, bundle, training.Windows, windows);
        var reference = configurations[0];
        Console.WriteLine();
        Console.WriteLine($"{"configuration",-34} {"float nodes",11} {"p50 µs",8} {"p99 µs",8} {"/fp32",6} {"agree",7} {"acc own",8} {"acc all",8} {"bytes",7}");
        foreach (var c in configurations)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Name,-34} {c.FloatNodes?.ToString(CultureInfo.InvariantCulture) ?? "-",11} {c.P50,8:F1} {c.P99,8:F1} {c.P50 / reference.P50,6:F2} {c.Agreement,7:P1} {c.OwnAccuracy,8:P1} {c.HeldAccuracy,8:P1} {c.Model.Length,7}"));
        }

        ReductionLengthSweep.Run(windows);
        Console.WriteLine();
        if (chosen.FloatNames is { Count: > 0 } names)
        {
            Console.WriteLine($"Default rule keeps float: {string.Join(", ", names)}");
        }

        // Two runs of one model differ by a few per cent here (a shared 2-core VM): within that band the goal is met.
        var identical = chosen.Model.AsSpan().SequenceEqual(reference.Model);
        var fast = chosen.P50 <= reference.P50 * (1 + NoiseBand);
        if (identical)
        {
            Console.WriteLine("The default rule leaves this model's graph exactly as fp32 (byte-identical): no operator is big enough for int8 to pay.");
        }

        var agrees = chosen.Agreement >= 0.98;
        var accurate = chosen.OwnAccuracy >= configurations[2].OwnAccuracy && chosen.HeldAccuracy >= configurations[2].HeldAccuracy - 1e-9;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Goal int8 p50 ≤ fp32 p50 (within the {NoiseBand:P0} noise of this machine): {(fast ? "met" : "MISSED")} ({chosen.P50:F1} vs {reference.P50:F1} µs); agreement ≥ 98 %: {(agrees ? "met" : "MISSED")} ({chosen.Agreement:P1}); " +
            $"accuracy not below all-int8: {(accurate ? "met" : "MISSED")}"));
        return fast && agrees && accurate ? 0 : 1;
    }

    private static Configuration Quantized(string name, ModelProto fp32, IReadOnlyList<float[]> calibration, FloatNodeRule rule)
    {
        var result = OnnxStaticQuantizer.Quantize(fp32, calibration, DecoderBundleBuilder.DefaultQuantization with { FloatNodes = rule });
        return new Configuration(name, result.Model.ToByteArray(), [.. result.Report.FloatNodes.Select(n => n.NodeName)]);
    }

    private static void PrintNodes(ModelProto model)
    {
        var initializers = model.Graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        Console.WriteLine("Quantisable nodes (op, name, weight shape, group):");
        foreach (var node in model.Graph.Node.Where(n => n.OpType is "Conv" or "MatMul" or "Gemm"))
        {
            var weight = node.Input.Count > 1 && initializers.TryGetValue(node.Input[1], out var w) ? $"[{string.Join(", ", w.Dims)}]" : "(computed)";
            var group = node.Attribute.FirstOrDefault(a => a.Name == "group")?.I;
            Console.WriteLine($"  {node.OpType,-6} {node.Name,-36} {weight,-16} {(group is { } g ? $"group {g}" : "")}");
        }
    }

    private static EpochDataset Cut(int subject, IReadOnlyList<int> runs, TaskDefinition task, ModelManifest manifest)
    {
        var paths = runs.Select(run => SharedData.Path(string.Create(CultureInfo.InvariantCulture, $"eegmmidb/S{subject:000}/S{subject:000}R{run:00}.edf"))).ToArray();
        return DatasetBuilder.Build(paths, task, manifest.Channels, ReplaySettings.Default, manifest.SignalChain);
    }

    private static LabelledWindows HeldOutWindows(TaskDefinition task, ModelManifest manifest)
    {
        var result = new LabelledWindows();
        for (var onset = 0.0; onset <= 2.0 + 1e-9; onset += 0.25)
        {
            var shifted = task with { WindowStartSeconds = onset, WindowEndSeconds = onset + task.WindowSeconds };
            result.Add(Cut(1, [task.Runs[^1]], shifted, manifest));
            foreach (var subject in new[] { 2, 3 })
            {
                result.Add(Cut(subject, task.Runs[..^1], shifted, manifest));
            }
        }

        return result;
    }

    private static void Score(Configuration configuration, byte[] fp32Bytes, LabelledWindows held, EpochDataset own, ModelManifest manifest)
    {
        var channels = manifest.Channels.Count;
        using var fp32 = new OnnxClassifier(fp32Bytes, channels, manifest.WindowSamples, manifest.Tensors.Input, manifest.Tensors.Probabilities);
        using var model = new OnnxClassifier(configuration.Model, channels, manifest.WindowSamples, manifest.Tensors.Input, manifest.Tensors.Probabilities);
        var reference = Predictions(fp32.Probabilities(held.Windows, out var classes), classes);
        var predicted = Predictions(model.Probabilities(held.Windows, out _), classes);
        var ownPredicted = Predictions(model.Probabilities(own.Windows, out _), classes);
        int agreeing = 0, correct = 0, ownCorrect = 0;
        for (var i = 0; i < predicted.Length; i++)
        {
            agreeing += predicted[i] == reference[i] ? 1 : 0;
            correct += predicted[i] == held.Labels[i] ? 1 : 0;
        }

        for (var i = 0; i < ownPredicted.Length; i++)
        {
            ownCorrect += ownPredicted[i] == own.Labels[i] ? 1 : 0;
        }

        configuration.Agreement = agreeing / (double)predicted.Length;
        configuration.HeldAccuracy = correct / (double)predicted.Length;
        configuration.OwnAccuracy = ownCorrect / (double)ownPredicted.Length;
    }

    private static int[] Predictions(float[] probabilities, int classes)
    {
        var result = new int[probabilities.Length / classes];
        for (var i = 0; i < result.Length; i++)
        {
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                best = probabilities[(i * classes) + c] > probabilities[(i * classes) + best] ? c : best;
            }

            result[i] = best;
        }

        return result;
    }

    /// <summary>Each configuration as a bundle through the unit's classifier; blocks of windows in turn.</summary>
    private static void Time(List<Configuration> configurations, ModelBundle source, IReadOnlyList<float[]> inputs, int windows)
    {
        var root = Path.Combine(Path.GetTempPath(), $"edgebci-int8-benchmark-{Guid.NewGuid():N}");
        var classifiers = new List<OnnxWindowClassifier>();
        try
        {
            foreach (var (configuration, index) in configurations.Select((c, i) => (c, i)))
            {
                var folder = Path.Combine(root, index.ToString(CultureInfo.InvariantCulture));
                var files = new Dictionary<string, byte[]>(StringComparer.Ordinal)
                {
                    [ModelManifest.Int8ModelFile] = configuration.Model,
                    [ModelManifest.Fp32ModelFile] = File.ReadAllBytes(source.Fp32ModelPath),
                };
                ModelBundle.Write(folder, source.Manifest with { Files = [] }, files);
                var classifier = new OnnxWindowClassifier(ModelBundle.Load(folder, ModelTrustPolicy.None), new InferenceOptions { Precision = ModelPrecision.Int8, IntraOpThreads = 1 });
                classifiers.Add(classifier);
                for (var i = 0; i < WarmUpWindows; i++)
                {
                    inputs[i % inputs.Count].CopyTo(classifier.Input);
                    classifier.Run();
                }

                configuration.Ticks = new long[windows];
            }

            for (var start = 0; start < windows; start += BlockWindows)
            {
                var end = Math.Min(windows, start + BlockWindows);

                // Each round starts with the next configuration, so none is always the first or last of a round.
                for (var turn = 0; turn < classifiers.Count; turn++)
                {
                    var c = (turn + (start / BlockWindows)) % classifiers.Count;
                    var classifier = classifiers[c];
                    var ticks = configurations[c].Ticks;
                    for (var i = start; i < end; i++)
                    {
                        inputs[i % inputs.Count].CopyTo(classifier.Input);
                        var begin = Stopwatch.GetTimestamp();
                        classifier.Run();
                        ticks[i] = Stopwatch.GetTimestamp() - begin;
                    }
                }
            }

            foreach (var configuration in configurations)
            {
                Array.Sort(configuration.Ticks);
                configuration.P50 = Microseconds(configuration.Ticks, 0.50);
                configuration.P99 = Microseconds(configuration.Ticks, 0.99);
            }
        }
        finally
        {
            foreach (var classifier in classifiers)
            {
                classifier.Dispose();
            }

            Directory.Delete(root, recursive: true);
        }
    }

    private static double Microseconds(long[] sorted, double p) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)] * 1e6 / Stopwatch.Frequency;

    private sealed class Configuration(string name, byte[] model, IReadOnlyList<string>? floatNames)
    {
        public string Name { get; } = name;

        public byte[] Model { get; } = model;

        public IReadOnlyList<string>? FloatNames { get; } = floatNames;

        public int? FloatNodes => FloatNames?.Count;

        public long[] Ticks { get; set; } = [];

        public double P50 { get; set; }

        public double P99 { get; set; }

        public double Agreement { get; set; }

        public double HeldAccuracy { get; set; }

        public double OwnAccuracy { get; set; }
    }

    private sealed class LabelledWindows
    {
        public List<float[]> Windows { get; } = [];

        public List<int> Labels { get; } = [];

        public int Count => Windows.Count;

        public void Add(EpochDataset dataset)
        {
            Windows.AddRange(dataset.Windows);
            Labels.AddRange(dataset.Labels);
        }
    }
}
