using System.Device.Gpio;
using System.Device.Spi;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Boards;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Emulation.Sources;

namespace EdgeBci.Acquisition.Tests;

/// <summary>The real driver wired to the emulated chip through the platform's SPI and GPIO abstractions.</summary>
internal sealed class EmulatedRig : IDisposable
{
    public EmulatedRig(IEmulatorSignalSource source, EmulatorPacing pacing, int chips = 1, int dataClockHz = 2_000_000,
        int? commandClockHz = null, bool recordBus = false, Func<SpiDevice, SpiDevice>? wrapCommandSpi = null,
        Func<SpiDevice, SpiDevice>? wrapDataSpi = null)
    {
        Emulator = new Ads1299Emulator(source, new Ads1299EmulatorOptions { Chips = chips, Pacing = pacing, RecordBusActivity = recordBus });
        Pins = BoardProfile.Get(BoardProfile.EmulatorName).Pins;
        DataSpi = new Ads1299EmulatorSpiDevice(Emulator, Settings(dataClockHz));
        SpiDevice? command = commandClockHz is { } hz ? new Ads1299EmulatorSpiDevice(Emulator, Settings(hz)) : null;
        if (wrapCommandSpi is not null)
        {
            command = wrapCommandSpi(command ?? DataSpi);
        }

        var data = wrapDataSpi is null ? DataSpi : wrapDataSpi(DataSpi);
        Device = new Ads1299Device(data, new GpioController(new Ads1299EmulatorGpioDriver(Emulator, Pins)), Pins, chips, command);
    }

    public Ads1299Emulator Emulator { get; }

    public Ads1299Pins Pins { get; }

    public Ads1299EmulatorSpiDevice DataSpi { get; }

    public Ads1299Device Device { get; }

    public static SpiConnectionSettings Settings(int clockHz) => new(0, 0) { Mode = SpiMode.Mode1, ClockFrequency = clockHz };

    public static SyntheticSignalSource QuietSource(int channels) =>
        new(channels, new SyntheticSignalOptions { WhiteNoiseRms = 0, PinkNoiseRms = 0, AlphaAmplitude = 0 });

    /// <summary>Power-up, ID and configuration, as the firmware does.</summary>
    public Ads1299Configuration Initialize(Ads1299Configuration? configuration = null)
    {
        Device.PowerUp();
        Device.ReadIdentity();
        configuration ??= new Ads1299Configuration { Channels = Ads1299Configuration.DefaultChannels(Device.ChannelCount) };
        Device.Configure(configuration);
        return configuration;
    }

    public void Dispose() => Device.Dispose();
}

/// <summary>A distinct, known sine per channel, so channel order and scaling can be checked sample by sample.</summary>
internal sealed class PerChannelSineSource(int channels) : IEmulatorSignalSource
{
    public int ChannelCount => channels;

    public string Description => "per-channel sines";

    public static double Expected(int channel, long sampleIndex, double sampleRate) =>
        (10.0 * (channel + 1)) * Math.Sin(2 * Math.PI * (channel + 3) * sampleIndex / sampleRate);

    public void Generate(long sampleIndex, double sampleRate, Span<double> microvolts)
    {
        for (var c = 0; c < channels; c++)
        {
            microvolts[c] = Expected(c, sampleIndex, sampleRate);
        }
    }
}

/// <summary>
/// Writes each conversion's number into the data (channel 1: number mod 1000, channel 2: number / 1000 mod 1000,
/// 100 µV a step at gain 24), so a test can count conversions, read or lost, by the chip's own clock.
/// </summary>
internal sealed class ConversionNumberSource(int channels) : IEmulatorSignalSource
{
    private const double MicrovoltsPerStep = 100;

    public int ChannelCount => channels;

    public string Description => "conversion numbers";

    public void Generate(long sampleIndex, double sampleRate, Span<double> microvolts)
    {
        microvolts.Clear();
        microvolts[0] = sampleIndex % 1000 * MicrovoltsPerStep;
        microvolts[1] = sampleIndex / 1000 % 1000 * MicrovoltsPerStep;
    }

    /// <summary>Every frame in the ring as (conversion number, arrival timestamp); the first number not read, or -1.</summary>
    public static List<(long Conversion, long Timestamp)> Read(Streaming.SampleRing ring, out long firstMissing)
    {
        using var reader = ring.CreateReaderAtOldest();
        var samples = new int[ring.ChannelCount];
        var frames = new List<(long Conversion, long Timestamp)>();
        var countsPerStep = MicrovoltsPerStep / Ads1299Scaling.MicrovoltsPerCount(Ads1299Gain.X24);
        firstMissing = -1;
        while (reader.TryRead(samples, default, out var stamp))
        {
            var conversion = (long)Math.Round(samples[0] / countsPerStep) + (1000 * (long)Math.Round(samples[1] / countsPerStep));
            if (firstMissing < 0 && frames.Count > 0 && conversion != frames[^1].Conversion + 1)
            {
                firstMissing = frames[^1].Conversion + 1;
            }

            frames.Add((conversion, stamp.Timestamp));
        }

        return frames;
    }
}
