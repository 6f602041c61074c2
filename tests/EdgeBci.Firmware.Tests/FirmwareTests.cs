using System.Globalization;
using System.Text.RegularExpressions;

namespace EdgeBci.Firmware.Tests;

public partial class FirmwareTests
{
    [Test]
    public void Default_configuration_streams_the_demo_recording_at_250_sps()
    {
        using var firmware = new FirmwareProcess();
        var streamed = firmware.WaitUntil(o => SecondLine().Matches(o).Count >= 8, TimeSpan.FromSeconds(45));
        Assert.That(streamed, Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Contain("ADS1299 0x3E").And.Contain("eegmmidb-S001R04-8ch.bdf").And.Contain("FC3, FC4, C3, Cz, C4, CP3, CP4, Pz"));
        Assert.That(firmware.Output, Does.Contain("Signal chain: Butterworth bandpass 8-30 Hz order 4"));
        Assert.That(firmware.Output, Does.Contain("quality: FC3 good, FC4 good, C3 good, Cz good, C4 good, CP3 good, CP4 good, Pz good"),
            "real EEG from the demo recording is good on every channel");

        var lines = SecondLine().Matches(firmware.Output);
        var last = lines[^1];
        // Conversions over the last five one-second reports, after start-up: frames read plus those the DRDY timing says
        // were missed (on a loaded 2-core CI machine the reader is sometimes preempted past a conversion; every one is
        // counted, and the soak benchmark measures the losses). Most must still be read.
        var read = Frames(lines[^1]) - Frames(lines[^6]);
        var missed = 0L;
        for (var i = 1; i <= 5; i++)
        {
            missed += long.Parse(lines[^i].Groups["missed"].Value, CultureInfo.InvariantCulture);
        }

        var rate = (read + missed) / 5.0;
        Assert.That(read / 5.0, Is.GreaterThan(200), firmware.Output);
        Assert.Multiple(() =>
        {
            Assert.That(rate, Is.EqualTo(250).Within(5), firmware.Output);
            Assert.That(last.Groups["bad"].Value, Is.EqualTo("0"), last.Value);
            Assert.That(last.Groups["leadoff"].Value, Is.EqualTo("none"), last.Value);
            Assert.That(last.Value, Does.Match(@"RMS µV FC3 \d+\.\d"), "RMS per channel, real EEG is tens of microvolts");
        });
    }

    [TestCase("--Ads1299:Gain=5", "Ads1299:Gain = 5 is not allowed")]
    [TestCase("--Ads1299:Gian=24", "Gian")]
    [TestCase("--Ads1299:SampleRate=fast", "Ads1299:SampleRate")]
    [TestCase("--Board=rpi9", "Board = 'rpi9' is not allowed")]
    [TestCase("--Emulator:Source=/no/such/recording.bdf", "no such file")]
    [TestCase("--Ads1299:SampleRate=16000", "cannot carry 16000 SPS")]
    [TestCase("--Signal:NotchHz=55", "Signal:NotchHz = 55 is not allowed")]
    [TestCase("--Signal:Reference=bipolar:C3-Q9", "Signal:Reference")]
    public void A_bad_configuration_stops_start_up_with_the_key_and_exit_code_2(string argument, string expected)
    {
        using var firmware = new FirmwareProcess(argument);
        var exitCode = firmware.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.That(exitCode, Is.EqualTo(2), firmware.Output);
        Assert.That(firmware.Output, Does.Contain(expected));
        Assert.That(firmware.Output, Does.Not.Contain("   at "), "a message, not a stack trace");
    }

    [TestCase("--Emulator:Source=demo/README.md", "not a recording this product reads")]
    public void A_source_that_is_not_a_recording_stops_start_up_with_exit_code_2(string argument, string expected)
    {
        using var firmware = new FirmwareProcess(argument);
        Assert.That(firmware.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(2), firmware.Output);
        Assert.That(firmware.Output, Does.Contain(expected).And.Contain("Emulator:Source"));
    }

    [Test]
    public void A_board_that_is_not_attached_stops_start_up_as_a_hardware_error_with_exit_code_3()
    {
        using var firmware = new FirmwareProcess("--Board=rpi4");
        Assert.That(firmware.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(3), firmware.Output);
        Assert.That(firmware.Output, Does.Contain("Board rpi4:"));
        Assert.That(firmware.Output, Does.Not.Contain("   at "), "a message, not a stack trace");
    }

    private static long Frames(Match line) => long.Parse(line.Groups["frames"].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"(?<rate>\d+\.\d) SPS \| frames (?<frames>\d+) \| bad (?<bad>\d+) \| missed (?<missed>\d+) \| overruns \d+ \| lead-off (?<leadoff>\S+) \| RMS µV .*")]
    private static partial Regex SecondLine();
}
