using System.Text.RegularExpressions;
using EdgeBci.Recording;

namespace EdgeBci.Cli.Tests;

public class DeviceCommandTests
{
    private static readonly string[] FastEmulator = ["--board", "emulator", "--pacing", "FreeRunning"];

    [Test]
    public void Selftest_passes_on_the_emulator_with_a_row_per_channel()
    {
        var (exit, output) = CliRunner.Run(["selftest", .. FastEmulator]);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("Self-test passed"));
        Assert.That(output, Does.Contain("test signal").And.Contain("shorted-input noise").And.Contain("lead-off").And.Contain("CP4"));
    }

    [Test]
    public void Selftest_fails_and_names_the_channel_whose_electrode_is_off()
    {
        var (exit, output) = CliRunner.Run(["selftest", .. FastEmulator, "--inject", "electrode-off=3"]);
        Assert.That(exit, Is.EqualTo(1), output);
        var leadOffRow = output.Split('\n').Single(line => line.Contains("lead-off", StringComparison.Ordinal) && Regex.IsMatch(line, @"\bC3\b"));
        Assert.That(leadOffRow, Does.Contain("electrode off").And.Contain("FAIL"));
    }

    [Test]
    public void Selftest_fails_on_a_railed_channel()
    {
        var (exit, output) = CliRunner.Run(["selftest", .. FastEmulator, "--inject", "railed=8"]);
        Assert.That(exit, Is.EqualTo(1), output);
        var rows = output.Split('\n').Where(line => line.Contains("Pz", StringComparison.Ordinal) && line.Contains("FAIL", StringComparison.Ordinal)).ToList();
        Assert.That(rows, Is.Not.Empty);
    }

    [Test]
    public void Selftest_reports_a_dead_bus_id()
    {
        var (exit, output) = CliRunner.Run(["selftest", .. FastEmulator, "--inject", "wrong-id=0xFF"]);
        Assert.That(exit, Is.EqualTo(1), output);
        Assert.That(output, Does.Contain("0xFF").And.Contain("FAIL"));
    }

    [Test]
    public void Impedance_reads_the_emulated_electrodes_and_an_open_one()
    {
        var (exit, output) = CliRunner.Run(["impedance", "--board", "emulator", "--pacing", "FreeRunning", "--source", "synthetic", "--inject", "electrode-off=2"]);
        Assert.That(exit, Is.Zero, output);
        var fc3 = output.Split('\n').Single(line => line.Contains("FC3", StringComparison.Ordinal));
        Assert.That(fc3, Does.Match(@"[45]\.\d kΩ").And.Contain("good"));
        var fc4 = output.Split('\n').Single(line => line.Contains("FC4", StringComparison.Ordinal));
        Assert.That(fc4, Does.Contain("open"));
    }

    [Test]
    public void Info_lists_every_register()
    {
        var (exit, output) = CliRunner.Run(["info", .. FastEmulator]);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("ADS1299").And.Contain("CONFIG4").And.Contain("0x17").And.Contain("CH8SET"));
    }

    [Test]
    public void Record_writes_a_bdf_plus_file_that_reads_back()
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgebci-record-{Guid.NewGuid():N}.bdf");
        try
        {
            var (exit, output) = CliRunner.Run(["record", .. FastEmulator, "--seconds", "3", "--out", path]);
            Assert.That(exit, Is.Zero, output);
            var recording = EdfReader.Read(path);
            Assert.That(recording.Header.Format, Is.EqualTo(EdfFormat.Bdf));
            Assert.That(recording.Header.DataRecordCount, Is.EqualTo(3));
            var c3 = recording.FindSignal("EEG C3");
            Assert.That(c3, Is.GreaterThanOrEqualTo(0));
            Assert.That(recording.GetPhysical(c3), Has.Length.EqualTo(750));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("--board", "rpi9", "Board = 'rpi9' is not allowed")]
    [TestCase("--rate", "300", "Ads1299:SampleRate = 300 is not allowed")]
    [TestCase("--pacing", "Warp", "Emulator:Pacing = 'Warp' is not allowed")]
    [TestCase("--inject", "electrode-off=9", "give a channel 1..8")]
    public void Bad_input_gets_a_clear_error_and_exit_code_2(string option, string value, string expected)
    {
        var (exit, output) = CliRunner.Run(["selftest", option, value]);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain(expected));
        Assert.That(output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void A_real_board_that_is_not_there_is_a_hardware_error_with_exit_code_3()
    {
        // This machine is no Raspberry Pi 5: whether libgpiod is missing or the RP1 gpiochip is, the answer names the board.
        var (exit, output) = CliRunner.Run(["info", "--board", "rpi5"]);
        Assert.That(exit, Is.EqualTo(3), output);
        Assert.That(output, Does.Contain("Board rpi5:"));
        Assert.That(output, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void An_unknown_configuration_key_is_named()
    {
        var config = Path.Combine(Path.GetTempPath(), $"edgebci-{Guid.NewGuid():N}.json");
        File.WriteAllText(config, """{ "Ads1299": { "SampleRat": 500 } }""");
        try
        {
            var (exit, output) = CliRunner.Run(["info", "--board", "emulator", "--config", config]);
            Assert.That(exit, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain("SampleRat").And.Contain("Ads1299"));
        }
        finally
        {
            File.Delete(config);
        }
    }

    [Test]
    public void A_corrupt_recording_as_source_is_named_with_the_problem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgebci-corrupt-{Guid.NewGuid():N}.edf");
        File.WriteAllBytes(path, [.. "0       garbage"u8]);
        try
        {
            var (exit, output) = CliRunner.Run(["info", "--board", "emulator", "--source", path]);
            Assert.That(exit, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain("Emulator:Source").And.Contain(Path.GetFileName(path)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
