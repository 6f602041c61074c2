using System.Device.Gpio;
using System.Device.Spi;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Emulation;
using EdgeBci.Control.Actuators.Mcp4922;
using EdgeBci.Control.Actuators.Pca9685;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Control.Tests;

/// <summary>The real drivers, opened through the factory on the emulated actuator board, drive what the devices would.</summary>
public class EmulatedBusesTests
{
    private const double Lsb = 5.0 / 4096;

    private static ControlOptions Options(string actuator)
    {
        var options = new ControlOptions { Actuator = actuator };
        options.Policy.Clear();
        return options;
    }

    [Test]
    public void The_joystick_DAC_centres_at_switch_on_and_its_emulated_outputs_carry_the_commanded_deflection()
    {
        var options = Options(ActuatorKinds.JoystickDac);
        options.Joystick.LdacPin = 5;
        var buses = new EmulatedActuatorBuses(options);
        using var joystick = ActuatorFactory.Create(options, new FakeTimeProvider(), buses);
        var dac = buses.Dac!;
        Assert.Multiple(() =>
        {
            Assert.That(dac.OutputVolts(Mcp4922Channel.A), Is.EqualTo(2.5).Within(Lsb), "Y centred");
            Assert.That(dac.OutputVolts(Mcp4922Channel.B), Is.EqualTo(2.5).Within(Lsb), "X centred");
            Assert.That(buses.Gpio.Level(5), Is.EqualTo(PinValue.High), "LDAC rests high between updates");
        });

        joystick.Apply(ActuatorCommand.Motion(0.75, 0.75));
        Assert.Multiple(() =>
        {
            Assert.That(dac.OutputVolts(Mcp4922Channel.A), Is.EqualTo(3.0).Within(Lsb), "half of the 1.5 m/s full scale forward: centre + half the 1 V span");
            Assert.That(dac.OutputVolts(Mcp4922Channel.B), Is.EqualTo(2.0).Within(Lsb), "a left turn pushes the stick left");
            Assert.That(buses.Describe(), Does.StartWith("MCP4922 A 3.000 V, B 2.000 V"));
        });

        joystick.Neutral();
        Assert.That(dac.OutputVolts(Mcp4922Channel.A), Is.EqualTo(2.5).Within(Lsb));
    }

    [Test]
    public void The_emulated_MCP4922_decodes_gain_shutdown_and_LDAC_as_the_datasheet_says()
    {
        var settings = new SpiConnectionSettings(0, 0) { Mode = SpiMode.Mode0 };
        using var dac = new EmulatedMcp4922(settings, referenceVolts: 4.096, ldacWired: true);
        dac.Write([0x38, 0x00]); // A, gain 1x, active, code 2048
        Assert.That(dac.OutputVolts(Mcp4922Channel.A), Is.Null, "LDAC high holds the output");
        dac.SetLdac(PinValue.Low);
        Assert.That(dac.OutputVolts(Mcp4922Channel.A), Is.EqualTo(2.048).Within(1e-9));
        dac.SetLdac(PinValue.High);
        dac.Write([0x98, 0x00]); // B, gain 2x, active, code 2048
        dac.Write([0x20, 0x00]); // A shut down
        dac.SetLdac(PinValue.Low);
        Assert.Multiple(() =>
        {
            Assert.That(dac.OutputVolts(Mcp4922Channel.B), Is.EqualTo(4.096).Within(1e-9), "gain 2x");
            Assert.That(dac.OutputVolts(Mcp4922Channel.A), Is.Null, "SHDN = 0: high impedance");
            Assert.That(() => dac.Write([0x30, 0x00, 0x00]), Throws.TypeOf<IOException>().With.Message.Contains("3 bytes"));
            Assert.That(() => dac.ReadByte(), Throws.TypeOf<NotSupportedException>());
        });
    }

    [Test]
    public void The_hand_initialises_the_emulated_PCA9685_reads_it_back_and_drives_servo_pulses_then_sleeps_it()
    {
        var options = Options(ActuatorKinds.ProstheticHand);
        var buses = new EmulatedActuatorBuses(options);
        var hand = ActuatorFactory.Create(options, new FakeTimeProvider(), buses);
        var pca = buses.Pca9685!;
        Assert.Multiple(() =>
        {
            Assert.That(pca.Register(Pca9685Register.PRE_SCALE), Is.EqualTo(121), "read back by the driver");
            Assert.That(pca.Sleeping, Is.False);
            Assert.That(buses.Describe(), Is.EqualTo("PCA9685 all off"), "no pulses before the first movement");
        });

        hand.Apply(ActuatorCommand.Hand(GripPattern.Close));
        var pulses = Enumerable.Range(0, 16).Select(pca.PulseMicroseconds).Where(pulse => pulse is not null).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(pulses, Is.Not.Empty);
            Assert.That(pulses, Has.All.InRange(500.0, 2500.0), "servo pulses");
            Assert.That(buses.Describe(), Does.Match(@"^PCA9685 ch0 \d+ µs"));
        });

        hand.Dispose();
        Assert.That(pca.Sleeping, Is.True, "dispose sleeps the oscillator: no pulses");
    }

    [Test]
    public void The_differential_drive_sets_emulated_duties_directions_and_enable()
    {
        var options = Options(ActuatorKinds.DifferentialDrive);
        options.DifferentialDrive.EnablePin = 22;
        var buses = new EmulatedActuatorBuses(options);
        using var drive = ActuatorFactory.Create(options, new FakeTimeProvider(), buses);
        Assert.That(buses.PwmChannels.Select(p => p.EffectiveDuty), Is.EqualTo(new[] { 0.0, 0.0 }));

        drive.Apply(ActuatorCommand.Motion(0.5, 0));
        Assert.Multiple(() =>
        {
            Assert.That(buses.PwmChannels.Select(p => p.EffectiveDuty), Is.EqualTo(new[] { 0.25, 0.25 }).Within(1e-9), "0.5 m/s of 2 m/s at full duty");
            Assert.That(buses.Describe(), Is.EqualTo("PWM left 0.250 forward, right 0.250 forward, EN high"));
        });

        drive.Neutral();
        Assert.That(buses.Describe(), Is.EqualTo("PWM left 0.000 forward, right 0.000 forward, EN low"));
    }

    [Test]
    public void A_line_held_by_one_controller_is_refused_to_another_and_every_write_is_reported_with_its_time()
    {
        var chip = new EmulatedGpioChip();
        var writes = new List<GpioLineWrite>();
        chip.Subscribe(writes.Add);
        using var first = new GpioController(chip.CreateDriver());
        using var second = new GpioController(chip.CreateDriver());
        first.OpenPin(40, PinMode.Output, PinValue.Low);
        first.Write(40, PinValue.High);
        Assert.Multiple(() =>
        {
            Assert.That(() => second.OpenPin(40, PinMode.Output), Throws.TypeOf<IOException>().With.Message.Contains("line 40 is busy"));
            Assert.That(writes.Select(w => (w.Line, w.Value)), Is.EqualTo(new[] { (40, PinValue.Low), (40, PinValue.High) }));
            Assert.That(writes[1].Timestamp, Is.GreaterThanOrEqualTo(writes[0].Timestamp));
            Assert.That(chip.Level(40), Is.EqualTo(PinValue.High));
        });

        first.ClosePin(40);
        Assert.That(() => second.OpenPin(40, PinMode.Output), Throws.Nothing, "released on close");
    }
}
