using System.Device.Gpio;
using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.DifferentialDrive;
using EdgeBci.Control.Tests.Fakes;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Control.Tests;

public class DifferentialDriveTests
{
    private const int LeftDirection = 23;
    private const int RightDirection = 24;
    private const int Enable = 25;

    private sealed class Rig : IDisposable
    {
        public Rig()
        {
            Actuator = new DifferentialDriveActuator(Left, Right, new GpioController(Gpio), new DifferentialDrivePins(LeftDirection, RightDirection, Enable),
                new DifferentialDriveOptions { TrackWidth = 0.5, WheelSpeedAtFullDuty = 2.0 }, new CommandLimits(0.8, 0.3, 0.8), TimeSpan.FromMilliseconds(100), Time);
        }

        public FakePwmChannel Left { get; } = new();

        public FakePwmChannel Right { get; } = new();

        public FakeGpioDriver Gpio { get; } = new();

        public FakeTimeProvider Time { get; } = new();

        public DifferentialDriveActuator Actuator { get; }

        public void Dispose() => Actuator.Dispose();
    }

    [Test]
    public void Switch_on_brakes_and_zeroes_both_duties_before_the_PWM_runs()
    {
        using var rig = new Rig();
        Assert.Multiple(() =>
        {
            Assert.That(rig.Gpio.Writes.First(), Is.EqualTo((Enable, PinValue.Low)));
            Assert.That(rig.Left.Duties, Is.EqualTo(new[] { 0.0 }));
            Assert.That(rig.Right.Duties, Is.EqualTo(new[] { 0.0 }));
            Assert.That(rig.Left.Running && rig.Right.Running);
        });
    }

    [Test]
    public void Forward_drives_both_wheels_forward_at_the_speed_over_full_duty_speed()
    {
        using var rig = new Rig();
        rig.Actuator.Apply(ActuatorCommand.Motion(0.8, 0));
        Assert.Multiple(() =>
        {
            Assert.That(rig.Left.DutyCycle, Is.EqualTo(0.4).Within(1e-12));
            Assert.That(rig.Right.DutyCycle, Is.EqualTo(0.4).Within(1e-12));
            Assert.That(rig.Gpio.Level(LeftDirection), Is.EqualTo(PinValue.High));
            Assert.That(rig.Gpio.Level(RightDirection), Is.EqualTo(PinValue.High));
            Assert.That(rig.Gpio.Level(Enable), Is.EqualTo(PinValue.High));
        });
    }

    [Test]
    public void A_left_turn_in_place_runs_the_left_wheel_backwards_having_stopped_it_first()
    {
        using var rig = new Rig();
        rig.Actuator.Apply(ActuatorCommand.Motion(0.8, 0));
        rig.Actuator.Apply(ActuatorCommand.Motion(0, 0.8));
        Assert.Multiple(() =>
        {
            // ω·W/2 = 0.8 × 0.25 = 0.2 m/s per wheel: duty 0.1.
            Assert.That(rig.Left.DutyCycle, Is.EqualTo(0.1).Within(1e-12));
            Assert.That(rig.Right.DutyCycle, Is.EqualTo(0.1).Within(1e-12));
            Assert.That(rig.Gpio.Level(LeftDirection), Is.EqualTo(PinValue.Low), "left wheel reverses");
            Assert.That(rig.Gpio.Level(RightDirection), Is.EqualTo(PinValue.High));
            Assert.That(rig.Left.Duties, Is.EqualTo(new[] { 0.0, 0.4, 0.0, 0.1 }).Within(1e-12), "duty 0 before the direction flips");
            Assert.That(rig.Right.Duties, Is.EqualTo(new[] { 0.0, 0.4, 0.1 }).Within(1e-12));
        });
    }

    [Test]
    public void Neutral_zeroes_the_duties_and_brakes()
    {
        using var rig = new Rig();
        rig.Actuator.Apply(ActuatorCommand.Motion(0.5, 0.3));
        rig.Actuator.Neutral();
        Assert.Multiple(() =>
        {
            Assert.That(rig.Left.DutyCycle, Is.Zero);
            Assert.That(rig.Right.DutyCycle, Is.Zero);
            Assert.That(rig.Gpio.Level(Enable), Is.EqualTo(PinValue.Low));
        });
    }

    [Test]
    public void A_failed_write_zeroes_what_still_answers_and_the_error_propagates()
    {
        using var rig = new Rig();
        rig.Actuator.Apply(ActuatorCommand.Motion(0.8, 0));
        rig.Right.FailNextWrites = 1;
        Assert.Throws<IOException>(() => rig.Actuator.Apply(ActuatorCommand.Motion(0.6, 0)));
        Assert.Multiple(() =>
        {
            Assert.That(rig.Left.DutyCycle, Is.Zero);
            Assert.That(rig.Right.DutyCycle, Is.Zero);
            Assert.That(rig.Gpio.Level(Enable), Is.EqualTo(PinValue.Low));
            Assert.That(rig.Actuator.Output.IsNeutral);
        });
    }

    [Test]
    public void Neutral_tries_every_line_even_when_one_fails()
    {
        using var rig = new Rig();
        rig.Actuator.Apply(ActuatorCommand.Motion(0.8, 0));
        rig.Left.FailNextWrites = 1;
        Assert.Throws<ActuatorException>(rig.Actuator.Neutral);
        Assert.Multiple(() =>
        {
            Assert.That(rig.Right.DutyCycle, Is.Zero);
            Assert.That(rig.Gpio.Level(Enable), Is.EqualTo(PinValue.Low));
        });
    }

    [Test]
    public void Dispose_and_the_heartbeat_watchdog_leave_it_braked()
    {
        var rig = new Rig();
        rig.Actuator.Apply(ActuatorCommand.Motion(0.8, 0));
        rig.Actuator.Heartbeat();
        rig.Time.Advance(TimeSpan.FromMilliseconds(130));
        Assert.Multiple(() =>
        {
            Assert.That(rig.Actuator.WatchdogTripped);
            Assert.That(rig.Left.DutyCycle, Is.Zero);
            Assert.That(rig.Gpio.Level(Enable), Is.EqualTo(PinValue.Low));
        });

        rig.Actuator.Neutral();
        rig.Actuator.Apply(ActuatorCommand.Motion(0.8, 0));
        rig.Dispose();
        Assert.Multiple(() =>
        {
            Assert.That(rig.Left.DutyCycle, Is.Zero);
            Assert.That(rig.Right.DutyCycle, Is.Zero);
            Assert.That(rig.Left.Running || rig.Right.Running, Is.False);
            Assert.That(rig.Left.Disposed && rig.Right.Disposed);
        });
    }
}
