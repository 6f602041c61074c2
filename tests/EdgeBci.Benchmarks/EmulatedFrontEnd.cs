using System.Device.Gpio;
using System.Device.Spi;
using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Acquisition.Boards;
using EdgeBci.Acquisition.Emulation;
using EdgeBci.Acquisition.Emulation.Sources;

namespace EdgeBci.Benchmarks;

/// <summary>
/// The real-time benchmarks' front-end: an emulated chip converting by the wall clock behind the driver the unit runs
/// (8 MHz frame reads, 2 MHz commands, the emulator board's pins), powered up, identified and configured.
/// </summary>
internal static class EmulatedFrontEnd
{
    public static (Ads1299Emulator Emulator, Ads1299Device Device) Open(Ads1299DataRate dataRate)
    {
        var emulator = new Ads1299Emulator(new SyntheticSignalSource(8), new Ads1299EmulatorOptions { Pacing = EmulatorPacing.RealTime });
        var pins = BoardProfile.Get("emulator").Pins;
        var device = new Ads1299Device(new Ads1299EmulatorSpiDevice(emulator, Settings(8_000_000)),
            new GpioController(new Ads1299EmulatorGpioDriver(emulator, pins)), pins, 1,
            new Ads1299EmulatorSpiDevice(emulator, Settings(2_000_000)));
        device.PowerUp();
        device.ReadIdentity();
        device.Configure(new Ads1299Configuration { DataRate = dataRate });
        return (emulator, device);
    }

    private static SpiConnectionSettings Settings(int hz) => new(0, 0) { Mode = SpiMode.Mode1, ClockFrequency = hz };
}
