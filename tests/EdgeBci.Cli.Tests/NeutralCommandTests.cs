namespace EdgeBci.Cli.Tests;

/// <summary>
/// <c>edgebci neutral</c>, what systemd runs after the firmware stopped or died: it reads the firmware's own settings,
/// tries both the deadman and the actuator whatever the other did, and says what it could not reach.
/// </summary>
public class NeutralCommandTests
{
    private string _folder = "";

    [SetUp]
    public void CreateFirmwareFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"edgebci-neutral-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void RemoveFirmwareFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void On_the_emulator_there_is_nothing_to_write_and_it_says_so()
    {
        File.WriteAllText(Path.Combine(_folder, "appsettings.json"), """{ "Board": "emulator", "Control": { "Actuator": "simulated-wheelchair" } }""");

        var (code, output) = CliRunner.Run("neutral", "--firmware", _folder);

        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("Board = emulator: no deadman line and no actuator hardware on this unit; nothing to write (simulated-wheelchair)"));
    }

    [Test]
    public void On_a_unit_both_the_deadman_and_the_actuator_are_tried_and_each_failure_is_named()
    {
        // The production layer names the board, as install.sh's /etc/edgebci/appsettings.Production.json does. No machine
        // running these tests has the Pi 5's gpiochip and SPI device, so both steps fail, each with its own line.
        File.WriteAllText(Path.Combine(_folder, "appsettings.json"), """{ "Board": "emulator", "Control": { "Actuator": "joystick-dac", "FirmwareOnlyKeyIsIgnored": 1 } }""");
        File.WriteAllText(Path.Combine(_folder, "appsettings.Production.json"), """{ "Board": "rpi5", "Control": { "Joystick": { "SpiBus": 7 } } }""");

        var (code, output) = CliRunner.Run("neutral", "--firmware", _folder);

        Assert.That(code, Is.EqualTo(3), output);
        Assert.That(output, Does.Contain("error: deadman:").And.Contain("rpi5"), "the deadman's lines are tried on the board the production layer names");
        Assert.That(output, Does.Contain("error: joystick-dac:").And.Contain("/dev/spidev7.0"), "the actuator is tried even though the deadman failed, on its configured bus");
    }

    [Test]
    public void A_policy_that_could_not_drive_the_actuator_does_not_keep_it_from_being_made_neutral()
    {
        File.WriteAllText(Path.Combine(_folder, "appsettings.json"),
            """{ "Board": "rpi4", "Control": { "Actuator": "prosthetic-hand", "Policy": { "left": "turn-left" } } }""");

        var (code, output) = CliRunner.Run("neutral", "--firmware", _folder);

        Assert.That(output, Does.Not.Contain("Policy"), output);
        Assert.That(code, Is.EqualTo(3), output);
        Assert.That(output, Does.Contain("error: prosthetic-hand:"));
    }

    [Test]
    public void Settings_that_cannot_be_read_are_a_configuration_error_naming_the_file_or_the_key()
    {
        var (missingCode, missing) = CliRunner.Run("neutral", "--firmware", Path.Combine(_folder, "absent"));
        Assert.That(missingCode, Is.EqualTo(2), missing);
        Assert.That(missing, Does.Contain("no appsettings.json there"));

        File.WriteAllText(Path.Combine(_folder, "appsettings.json"), "{ \"Board\": \"rpi4\",\n  \"Control\": { \"Actuator\": }\n}");
        var (syntaxCode, syntax) = CliRunner.Run("neutral", "--firmware", _folder);
        Assert.That(syntaxCode, Is.EqualTo(2), syntax);
        Assert.That(syntax, Does.Contain("appsettings.json").And.Contain("line 2"));

        File.WriteAllText(Path.Combine(_folder, "appsettings.json"), """{ "Board": "rpi4", "Control": { "Actuator": "joystick-dac", "HeartbeatTimeoutMs": "soon" } }""");
        var (valueCode, value) = CliRunner.Run("neutral", "--firmware", _folder);
        Assert.That(valueCode, Is.EqualTo(2), value);
        Assert.That(value, Does.Contain("Control:HeartbeatTimeoutMs"));
    }
}
