using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Acquisition.Streaming;

namespace EdgeBci.Benchmarks;

/// <summary>
/// Frame decoding throughput: 24-bit big-endian status and samples into ints, for one chip (27 bytes) and a
/// daisy chain (54 bytes); and the whole per-frame path through the emulated SPI bus, the driver and the ring.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(FramesPerSecondConfig))]
public class FrameDecodingBenchmark
{
    public const int FramesPerInvocation = 1024;

    private byte[] _frames = [];
    private uint[] _status = [];
    private int[] _samples = [];
    private Ads1299Device? _device;
    private AcquisitionLoop? _loop;
    private SampleRingReader? _reader;
    private byte[] _frameBuffer = [];

    [Params(1, 2)]
    public int Chips { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var length = Ads1299Frame.LengthFor(Chips);
        _frames = new byte[length * FramesPerInvocation];
        new Random(42).NextBytes(_frames);
        for (var f = 0; f < FramesPerInvocation; f++)
        {
            for (var chip = 0; chip < Chips; chip++)
            {
                _frames[(f * length) + (chip * Ads1299Frame.BytesPerChip)] = 0xC0;
            }
        }

        _status = new uint[Chips];
        _samples = new int[Chips * 8];

        var emulator = new Ads1299Emulator(new SyntheticSignalSource(Chips * 8), new Ads1299EmulatorOptions { Chips = Chips, Pacing = EmulatorPacing.FreeRunning });
        var pins = EdgeBci.Acquisition.Boards.BoardProfile.Get("emulator").Pins;
        var settings = new System.Device.Spi.SpiConnectionSettings(0, 0) { Mode = System.Device.Spi.SpiMode.Mode1, ClockFrequency = 2_000_000 };
        _device = new Ads1299Device(new Ads1299EmulatorSpiDevice(emulator, settings),
            new System.Device.Gpio.GpioController(new Ads1299EmulatorGpioDriver(emulator, pins)), pins, Chips);
        _device.PowerUp();
        _device.ReadIdentity();
        _device.Configure(new Ads1299Configuration { Channels = Ads1299Configuration.DefaultChannels(Chips * 8) });
        var ring = new SampleRing(Chips * 8, Chips, 4096);
        _reader = ring.CreateReader();
        _loop = new AcquisitionLoop(_device, ring, 250, dataReadyKeepsTime: false);
        _device.StartContinuous();
        _frameBuffer = new byte[_device.FrameLength];
    }

    [GlobalCleanup]
    public void Cleanup() => _device?.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = FramesPerInvocation)]
    public int DecodeFrames()
    {
        var length = Ads1299Frame.LengthFor(Chips);
        var bad = 0;
        for (var f = 0; f < FramesPerInvocation; f++)
        {
            bad += Ads1299Frame.Decode(_frames.AsSpan(f * length, length), _status, _samples);
        }

        return bad + _samples[0];
    }

    /// <summary>DRDY wait, SPI read through the emulated chip (which synthesises the signal), decode, ring publish and read.</summary>
    [Benchmark(OperationsPerInvoke = FramesPerInvocation)]
    public int EmulatedPerFramePath()
    {
        var sum = 0;
        for (var f = 0; f < FramesPerInvocation; f++)
        {
            _loop!.ReadOne(_frameBuffer);
            _reader!.TryRead(_samples, _status, out _);
            sum += _samples[0];
        }

        return sum;
    }

    private sealed class FramesPerSecondConfig : ManualConfig
    {
        public FramesPerSecondConfig()
        {
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10));
            AddColumn(new PerSecondColumn("FramesPerSecond", "Frames/s", "Frames decoded per second (one frame = 27 bytes per chip)"));
        }
    }
}
