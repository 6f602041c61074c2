using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Firmware.Tests.Web;

public class StartupImpedanceTests
{
    [Test]
    public void On_the_emulator_every_electrode_is_measured_once_with_its_time()
    {
        var before = DateTimeOffset.UtcNow;
        using var frontEnd = FrontEnd.Open("emulator", new Ads1299Options { Channels = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"] }, new EmulatorOptions { Source = EmulatorOptions.SyntheticSource, Pacing = "FreeRunning" },
            AppContext.BaseDirectory);
        frontEnd.Initialize();
        var impedance = new StartupImpedance(TimeProvider.System);
        Assert.That(impedance.Last, Is.Null);

        Assert.That(impedance.Measure(frontEnd, seconds: 0.25), Is.True, impedance.Failure);

        Assert.Multiple(() =>
        {
            Assert.That(impedance.Last!.Measured, Is.InRange(before, DateTimeOffset.UtcNow));
            Assert.That(impedance.Last.Electrodes.Select(e => e.Channel), Is.EqualTo(frontEnd.ChannelNames));
            Assert.That(impedance.Failure, Is.Null);
        });
    }
}
