using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using EdgeBci.Training.Engine;
using EdgeBci.Training.Model;

namespace EdgeBci.Benchmarks;

/// <summary>
/// Training throughput of the attention decoder at the unit's default shape (8 channels × 500 samples at 250 Hz,
/// 2 classes): one optimisation step on a batch of 16 windows (forward, loss, backward, gradient clipping, AdamW), and
/// the engine's inference forward pass on the same batch. Reported as windows per second; the batch is split over
/// the machine's cores as in training.
/// </summary>
[Config(typeof(WindowsConfig))]
public class DecoderTrainingBenchmark
{
    private const int BatchSize = 16;
    private const int Channels = 8;
    private const int Samples = 500;

    private AttentionDecoder _decoder = null!;
    private AdamW _optimizer = null!;
    private SoftmaxCrossEntropy _loss = null!;
    private Tensor _inputs = null!;
    private int[] _labels = null!;

    [GlobalSetup]
    public void Setup()
    {
        _decoder = new AttentionDecoder(new DecoderShape(Channels, Samples, 2));
        _optimizer = new AdamW(_decoder.Network.Parameters);
        _loss = new SoftmaxCrossEntropy();
        var random = new Random(5);
        var data = new float[BatchSize * Channels * Samples];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)((random.NextDouble() * 2) - 1);
        }

        _inputs = new Tensor(data, BatchSize, Channels, Samples);
        _labels = new int[BatchSize];
        for (var i = 0; i < BatchSize; i++)
        {
            _labels[i] = i % 2;
        }
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "train step, batch 16")]
    public double TrainStep()
    {
        _optimizer.ZeroGradients();
        var logits = _decoder.Network.Forward(_inputs, training: true);
        var loss = _loss.Forward(logits, _labels);
        _decoder.Network.Backward(_loss.Backward());
        GradientClipping.ClipGlobalNorm(_decoder.Network.Parameters, 5);
        _optimizer.Step();
        return loss;
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "engine inference, batch 16")]
    public float Inference() => _decoder.Network.Forward(_inputs, training: false).Data[0];

    private sealed class WindowsConfig : ManualConfig
    {
        public WindowsConfig()
        {
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10));
            AddColumn(new PerSecondColumn("WindowsPerSecond", "Windows/s", "Windows of 8 × 500 samples per second"));
        }
    }
}
