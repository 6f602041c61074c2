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
    public static bool Run(double seconds, int rate, int priority, int cpu)
    {
        if (!Ads1299Values.TryParseDataRate(rate, out var dataRate))
        {
            Console.Error.WriteLine($"soak: {rate} SPS is not an ADS1299 data rate.");
            return false;
        }

        // First the machine alone: how often is a spinning thread stopped for a whole conversion period?
        var probeSeconds = Math.Min(10, seconds);
        var (stalls, stalledConversions, longest) = StallProbe.Run(TimeSpan.FromSeconds(probeSeconds), rate);

        var (emulator, device) = EmulatedFrontEnd.Open(dataRate);
        using var owned = device;

        var ring = new SampleRing(8, 1, rate);
        using var reader = ring.CreateReader();
        // As the firmware runs it: the acquisition thread at SCHED_FIFO 50 (Ads1299:RealTimePriority).
        using var loop = new AcquisitionLoop(device, ring, rate) { RealTimePriority = priority, Cpu = cpu };
        var samples = new int[8];
        long consumed = 0;
        var stop = false;
        var consumer = new Thread(() =>
        {
            // The consumer stays off the acquisition thread's CPU.
            RealTimeScheduling.TryPinCurrentThread(0);
            while (!Volatile.Read(ref stop))
            {
                // A block consumer, as the signal chain is: woken every 2 ms of data, not every frame.
                if (reader.WaitForData(Math.Max(1, rate / 500), TimeSpan.FromMilliseconds(50)))
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
        Console.WriteLine($"  acquisition thread {loop.Scheduling}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  frames read        {counters.Frames:N0} ({counters.Frames / elapsed:N1} per s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  conversions        {produced:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  missed (gaps)      {counters.MissedSamples:N0} in {counters.GapEvents:N0} gaps"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  bad frames         {counters.BadFrames:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ring overruns      {reader.Overruns:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  consumed           {consumed:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  allocated          {allocated:N0} bytes in the run ({GC.CollectionCount(0) - gcBefore} gen0 collections)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  dropped frames     {dropped:N0} ({100.0 * dropped / Math.Max(1, produced):0.###} %)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  machine stalls     a bare spinning thread was stopped {stalls / probeSeconds:N1} times a second for >= 1 period ({stalledConversions / probeSeconds:N1} periods/s, longest {longest.TotalMicroseconds:N0} µs; {probeSeconds:0} s probe before the run)"));

        return dropped == 0;
    }
}
