using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using EdgeBci.Signal.Chain;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Reference;

namespace EdgeBci.Benchmarks;

/// <summary>
/// The default filter chain (DC blocker 0.5 Hz + notch 50 Hz + Butterworth band-pass 8-30 Hz order 4, six sections)
/// on 8 channels at 250 SPS, one thread: the Q31 cascade against the double reference with the same block layout and
/// the same four-channels-per-vector structure. Each operation filters one 256-frame block, copied in fresh so both
/// see the same data every time; figures are per channel-sample.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ChannelSamplesConfig))]
public class SignalChainBenchmark
{
    public const int Channels = 8;
    public const int Frames = 256;

    private int[] _sourceQ31 = [];
    private double[] _sourceDouble = [];
    private int[] _blockQ31 = [];
    private double[] _blockDouble = [];
    private BiquadCascadeQ31? _fixed;
    private BiquadCascadeDouble? _reference;

    [GlobalSetup]
    public void Setup()
    {
        var sections = SignalChain.Design(new SignalOptions(), 250).Sections;
        _fixed = new BiquadCascadeQ31(sections, Channels);
        _reference = new BiquadCascadeDouble(_fixed.QuantisedSections, Channels);
        var random = new Random(11);
        _sourceQ31 = new int[Channels * Frames];
        _sourceDouble = new double[Channels * Frames];
        for (var i = 0; i < _sourceQ31.Length; i++)
        {
            // EEG-like level: a few hundred microvolts at gain 24 is about -50 dBFS.
            _sourceQ31[i] = Q31.FromDouble(0.003 * ((random.NextDouble() * 2) - 1));
            _sourceDouble[i] = _sourceQ31[i];
        }

        _blockQ31 = new int[_sourceQ31.Length];
        _blockDouble = new double[_sourceDouble.Length];
    }

    [Benchmark(OperationsPerInvoke = Channels * Frames)]
    public int FixedPointQ31()
    {
        _sourceQ31.CopyTo(_blockQ31, 0);
        _fixed!.Process(_blockQ31);
        return _blockQ31[^1];
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Channels * Frames)]
    public double DoubleReference()
    {
        _sourceDouble.CopyTo(_blockDouble, 0);
        _reference!.Process(_blockDouble);
        return _blockDouble[^1];
    }

    private sealed class ChannelSamplesConfig : ManualConfig
    {
        public ChannelSamplesConfig()
        {
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10));
            AddColumn(new PerSecondColumn("ChannelSamplesPerSecond", "Channel-samples/s", "Channel-samples filtered per second through all six sections, one thread"));
        }
    }
}
