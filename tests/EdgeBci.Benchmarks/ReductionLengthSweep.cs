using System.Diagnostics;
using System.Globalization;
using EdgeBci.Training.Onnx;
using EdgeBci.Training.Onnx.Protos;
using EdgeBci.Training.Quantization;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;

namespace EdgeBci.Benchmarks;

/// <summary>
/// Where int8 starts to pay for a MatMul on this CPU: one [62 tokens, K] × [K, K] MatMul (62 is the decoder's token
/// count) followed by a Relu, float against its QDQ form, in ONNX Runtime with the unit's session settings (1 intra-op
/// thread, sequential, all optimisations, bound inputs and outputs), for K from 16 (the decoder's embedding) up. The
/// smallest K at which int8 is faster is what <see cref="FloatNodeRule.MatMulMaxReductionLength"/> should stay below.
/// </summary>
internal static class ReductionLengthSweep
{
    private const int Tokens = 62;

    public static void Run(int windows)
    {
        Console.WriteLine();
        Console.WriteLine($"MatMul [{Tokens}, K] × [K, K] → Relu, float vs int8 QDQ, p50 over {windows} runs (alternating blocks):");
        foreach (var k in new[] { 16, 32, 64, 128, 256 })
        {
            var random = new Random(k);
            var model = Model(k, random);
            var calibration = Enumerable.Range(0, 32).Select(_ => Values(random, Tokens * k)).ToList();
            var quantized = OnnxStaticQuantizer.Quantize(model, calibration).Model;
            using var fp32 = new TimedSession(model.ToByteArray(), k);
            using var int8 = new TimedSession(quantized.ToByteArray(), k);
            var input = calibration[0];
            for (var block = 0; block < windows; block += 250)
            {
                fp32.Time(input, 250);
                int8.Time(input, 250);
            }

            var (f, q) = (fp32.Median(), int8.Median());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  K = {k,4}: fp32 {f,8:F1} µs   int8 {q,8:F1} µs   int8/fp32 {q / f:F2}"));
        }
    }

    private static ModelProto Model(int k, Random random) =>
        new OnnxGraphBuilder("sweep")
            .AddInput("x", OnnxDim.Batch, Tokens, k)
            .AddInitializer("W", Values(random, k * k), [k, k])
            .AddNode("MatMul", ["x", "W"], ["h"])
            .AddNode("Relu", ["h"], ["y"])
            .AddOutput("y", OnnxDim.Batch, Tokens, k)
            .Build("EdgeBci.Benchmarks");

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    private sealed class TimedSession : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly RunOptions _runOptions = new();
        private readonly float[] _input;
        private readonly OrtValue _inputValue;
        private readonly OrtValue _outputValue;
        private readonly OrtIoBinding _binding;
        private readonly List<long> _ticks = [];

        public TimedSession(byte[] model, int k)
        {
            // The settings of OnnxWindowClassifier.CreateSession, the unit's.
            using var options = new SessionOptions
            {
                IntraOpNumThreads = 1,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            _session = new InferenceSession(model, options);
            _input = new float[Tokens * k];
            _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, Tokens, k]);
            _outputValue = OrtValue.CreateTensorValueFromMemory(new float[Tokens * k], [1, Tokens, k]);
            _binding = _session.CreateIoBinding();
            _binding.BindInput("x", _inputValue);
            _binding.BindOutput("y", _outputValue);
            for (var i = 0; i < 100; i++)
            {
                _session.RunWithBinding(_runOptions, _binding);
            }
        }

        public void Time(float[] input, int runs)
        {
            input.CopyTo(_input, 0);
            for (var i = 0; i < runs; i++)
            {
                var start = Stopwatch.GetTimestamp();
                _session.RunWithBinding(_runOptions, _binding);
                _ticks.Add(Stopwatch.GetTimestamp() - start);
            }
        }

        public double Median()
        {
            _ticks.Sort();
            return _ticks[_ticks.Count / 2] * 1e6 / Stopwatch.Frequency;
        }

        public void Dispose()
        {
            _binding.Dispose();
            _inputValue.Dispose();
            _outputValue.Dispose();
            _runOptions.Dispose();
            _session.Dispose();
        }
    }
}
