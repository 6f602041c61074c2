using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Pwm;
using System.Device.Spi;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.DifferentialDrive;
using EdgeBci.Control.Actuators.Mcp4922;
using EdgeBci.Control.Actuators.Pca9685;
using EdgeBci.Control.Actuators.Simulated;
using EdgeBci.Control.Supervision;
using EdgeBci.Control.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Control.Tests;

/// <summary>
/// One registration per actuator kind: the names, hand/simulated flags, default policies, option checks, e-stop rules and
/// factories that <see cref="ActuatorKinds"/>, <see cref="ControlOptions"/> and <see cref="ActuatorFactory"/> read from
/// <see cref="ActuatorRegistry"/>, each real driver built on recording fake buses.
/// </summary>
public class ActuatorRegistryTests
{
    /// <summary>Fake buses that record every handle opened, and can refuse the n-th open as a missing device would.</summary>
    private sealed class FakeBuses : IActuatorBuses
    {
        public int FailOpenNumber { get; init; }

        public List<IDisposable> Opened { get; } = [];

        public FakeGpioDriver Gpio { get; } = new();

        public SpiDevice OpenSpi(SpiConnectionSettings settings) => Open(() => new FakeSpiDevice(settings));

        public I2cDevice OpenI2c(I2cConnectionSettings settings) => Open(() => new FakeI2cDevice(settings.BusId, settings.DeviceAddress));

        public PwmChannel OpenPwm(int chip, int channel, int frequencyHz) => Open(() => new FakePwmChannel(frequencyHz));

        public GpioController OpenGpio() => Open(() => new GpioController(Gpio));

        private T Open<T>(Func<T> open)
            where T : IDisposable
        {
            if (Opened.Count + 1 == FailOpenNumber)
            {
                throw new IOException($"open number {FailOpenNumber} refused (no such device)");
            }

            var handle = open();
            Opened.Add(handle);
            return handle;
        }
    }

    [Test]
    public void Actuator_kinds_are_the_registered_names_in_the_documented_order()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ActuatorKinds.All, Is.EqualTo(new[] { "simulated-wheelchair", "joystick-dac", "differential-drive", "prosthetic-hand", "simulated-hand" }));
            Assert.That(ActuatorRegistry.All.Select(kind => kind.Name), Is.EqualTo(ActuatorKinds.All));
            Assert.That(ActuatorRegistry.All.Select(kind => kind.Name), Is.Unique);
            Assert.That(ActuatorRegistry.Find("Joystick-DAC"), Is.Null, "Control:Actuator is matched exactly, as before");
            Assert.That(ActuatorRegistry.Find("hoverboard"), Is.Null);
        });
    }

    [TestCase(ActuatorKinds.SimulatedWheelchair, false, true, EStopRule.None, typeof(SimulatedWheelchairRegistration))]
    [TestCase(ActuatorKinds.JoystickDac, false, false, EStopRule.WiredOrHardwareCut, typeof(JoystickDacRegistration))]
    [TestCase(ActuatorKinds.DifferentialDrive, false, false, EStopRule.WiredOrHardwareCut, typeof(DifferentialDriveRegistration))]
    [TestCase(ActuatorKinds.ProstheticHand, true, false, EStopRule.WiredOrHardwareCut, typeof(ProstheticHandRegistration))]
    [TestCase(ActuatorKinds.SimulatedHand, true, true, EStopRule.None, typeof(SimulatedHandRegistration))]
    public void Each_kind_is_one_registration_that_says_what_it_is(string kind, bool hand, bool simulated, EStopRule eStop, Type registrationType)
    {
        var registration = ActuatorRegistry.Find(kind)!;
        var policy = ControlOptions.DefaultPolicy(kind);
        Assert.Multiple(() =>
        {
            Assert.That(registration, Is.TypeOf(registrationType));
            Assert.That(registration.IsHand, Is.EqualTo(hand));
            Assert.That(ActuatorKinds.IsHand(kind), Is.EqualTo(hand));
            Assert.That(registration.IsSimulated, Is.EqualTo(simulated));
            Assert.That(registration.EStopRule, Is.EqualTo(eStop), "every real actuator, the hand included, needs its e-stop");
            Assert.That(policy, Is.EquivalentTo(registration.DefaultPolicy()));
            Assert.That(policy["rest"], Is.EqualTo(IntentCommands.Stop), "every default policy has a rest class");
            Assert.That(policy["left"], Is.EqualTo(hand ? IntentCommands.GripOpen : IntentCommands.TurnLeft));
            Assert.That(new ControlOptions { Actuator = kind }.Validate(), Is.Empty, "the defaults are valid for every kind");
        });
    }

    [Test]
    public void A_default_policy_is_a_fresh_copy_each_time()
    {
        var first = (Dictionary<string, string>)ControlOptions.DefaultPolicy(ActuatorKinds.JoystickDac);
        first["rest"] = IntentCommands.Forward;
        Assert.That(ControlOptions.DefaultPolicy(ActuatorKinds.JoystickDac)["rest"], Is.EqualTo(IntentCommands.Stop));
    }

    [Test]
    public void Options_of_a_kind_not_selected_are_not_checked()
    {
        var chair = new ControlOptions { Actuator = ActuatorKinds.SimulatedWheelchair };
        chair.Joystick.ClockHz = 30_000_000;
        chair.Hand.PwmFrequencyHz = 5000;
        chair.DifferentialDrive.TrackWidth = 5;
        Assert.That(chair.Validate(), Is.Empty);
    }

    [Test]
    public void The_factory_builds_each_real_driver_through_its_registration_on_the_buses_given()
    {
        var time = new FakeTimeProvider();
        var joystickBuses = new FakeBuses();
        var joystick = new ControlOptions { Actuator = ActuatorKinds.JoystickDac };
        joystick.Joystick.LdacPin = 22;
        using (var dac = ActuatorFactory.Create(joystick, time, joystickBuses))
        {
            Assert.That(dac, Is.TypeOf<JoystickDacActuator>());
            Assert.That(joystickBuses.Opened, Has.Count.EqualTo(2), "SPI and the LDAC line");
            var spi = (FakeSpiDevice)joystickBuses.Opened[0];
            Assert.That(spi.ConnectionSettings.Mode, Is.EqualTo(SpiMode.Mode0));
            Assert.That(spi.Words.Take(2), Is.EqualTo(new ushort[] { 0x3800, 0xB800 }), "neutral (the centre) at switch-on");
        }

        var driveBuses = new FakeBuses();
        using (var drive = ActuatorFactory.Create(new ControlOptions { Actuator = ActuatorKinds.DifferentialDrive }, time, driveBuses))
        {
            Assert.That(drive, Is.TypeOf<DifferentialDriveActuator>());
            Assert.That(driveBuses.Opened.Select(handle => handle.GetType()), Is.EqualTo(new[] { typeof(FakePwmChannel), typeof(FakePwmChannel), typeof(GpioController) }));
        }

        var handBuses = new FakeBuses();
        using (var hand = ActuatorFactory.Create(new ControlOptions { Actuator = ActuatorKinds.ProstheticHand }, time, handBuses))
        {
            Assert.That(hand, Is.TypeOf<ProstheticHandActuator>());
            Assert.That(((FakeI2cDevice)handBuses.Opened.Single()).ConnectionSettings.DeviceAddress, Is.EqualTo(0x40));
        }

        using var simulated = ActuatorFactory.Create(new ControlOptions { Actuator = ActuatorKinds.SimulatedHand }, time, new FakeBuses { FailOpenNumber = 1 });
        Assert.That(simulated, Is.TypeOf<SimulatedHand>(), "a simulated kind opens no bus");
    }

    [Test]
    public void A_driver_that_fails_half_way_leaves_no_handle_open()
    {
        var buses = new FakeBuses { FailOpenNumber = 2 };
        var error = Assert.Throws<IOException>(() => ActuatorFactory.Create(new ControlOptions { Actuator = ActuatorKinds.DifferentialDrive }, new FakeTimeProvider(), buses));
        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("open number 2 refused"));
            Assert.That(((FakePwmChannel)buses.Opened.Single()).Disposed, Is.True, "the left channel opened before the failure is closed");
        });
    }
}
