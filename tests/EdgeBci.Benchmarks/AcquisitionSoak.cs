using System.Diagnostics;
using System.Globalization;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Emulation.Sources;
using EdgeBci.Acquisition.Streaming;

namespace EdgeBci.Benchmarks;

/// <summary>
/// Real-time acquisition soak: the emulated chip converts at the data rate by the wall clock, the acquisition thread
/// reads every frame over emulated SPI, a consumer drains the ring. A late read loses conversions exactly as the chip
/// would, so "0 dropped" means the thread kept up with every DRDY for the whole run.
/// </summary>
internal static class AcquisitionSoak
{
    public static bool Run(double seconds, int rate)
    {
        if (!Ads1299Values.TryParseDataRate(rate, out var dataRate))
        {
            Console.Error.WriteLine($"soak: {rate} SPS is not an ADS1299 data rate.");
            return false;
        }

        var emulator = new Ads1299Emulator(new SyntheticSignalSource(8), new Ads1299EmulatorOptions { Pacing = EmulatorPacing.RealTime });
        var pins = EdgeBci.Acquisition.Boards.BoardProfile.Get("emulator").Pins;
        System.Device.Spi.SpiConnectionSettings Settings(int hz) => new(0, 0) { Mode = System.Device.Spi.SpiMode.Mode1, ClockFrequency = hz };
        using var device = new Ads1299Device(new Ads1299EmulatorSpiDevice(emulator, Settings(8_000_000)),
            new System.Device.Gpio.GpioController(new Ads1299EmulatorGpioDriver(emulator, pins)), pins, 1,
            new Ads1299EmulatorSpiDevice(emulator, Settings(2_000_000)));
        device.PowerUp();
        device.ReadIdentity();
        device.Configure(new Ads1299Configuration { DataRate = dataRate });

        var ring = new SampleRing(8, 1, rate);
        using var reader = ring.CreateReader();
        using var loop = new AcquisitionLoop(device, ring, rate);
        var samples = new int[8];
        long consumed = 0;
        var stop = false;
        var consumer = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                if (reader.WaitForData(TimeSpan.FromMilliseconds(50)))
                {
                    while (reader.TryRead(samples, default, out _))
                    {
                        consumed++;
                    }
                }
            }
        }) { Name = "soak-consumer" };

        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var gcBefore = GC.CollectionCount(0);
        var stopwatch = Stopwatch.StartNew();
        loop.Start();
        consumer.Start();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        loop.Stop();
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        consumer.Join();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

        var counters = loop.Counters;
        var produced = emulator.ConversionsProduced;
        var dropped = counters.MissedSamples + counters.BadFrames + reader.Overruns;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Acquisition soak: {seconds:0} s at {rate} SPS, real-time emulated ADS1299 over SPI"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  frames read        {counters.Frames:N0} ({counters.Frames / elapsed:N1} per s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  conversions        {produced:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  missed (gaps)      {counters.MissedSamples:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  bad frames         {counters.BadFrames:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ring overruns      {reader.Overruns:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  consumed           {consumed:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  allocated          {allocated:N0} bytes in the run ({GC.CollectionCount(0) - gcBefore} gen0 collections)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  dropped frames     {dropped:N0}"));
        return dropped == 0;
    }
}
