using System.Device.Gpio;
using EdgeBci.Control.Supervision;
using EdgeBci.Control.Tests.Fakes;

namespace EdgeBci.Control.Tests;

public class GpioSafetyInputsTests
{
    private const int Arm = 5;
    private const int EStop = 6;
    private const int Inhibit = 13;

    private static (GpioSafetyInputs Switches, FakeGpioDriver Lines, ControlInputs Inputs) Create(PinValue armAtSwitchOn)
    {
        var lines = new FakeGpioDriver();
        lines.Drive(Arm, armAtSwitchOn);
        var inputs = new ControlInputs();
        var switches = new GpioSafetyInputs(new GpioController(lines), new ControlOptions { ArmButtonPin = Arm, EStopPin = EStop, InhibitPin = Inhibit }, inputs);
        return (switches, lines, inputs);
    }

    [Test]
    public void Safety_inputs_are_pulled_so_a_broken_wire_stops()
    {
        var (switches, lines, inputs) = Create(PinValue.High);
        using (switches)
        {
            Assert.Multiple(() =>
            {
                Assert.That(lines.Mode(EStop), Is.EqualTo(PinMode.InputPullDown));
                Assert.That(lines.Mode(Inhibit), Is.EqualTo(PinMode.InputPullDown));
                Assert.That(lines.Mode(Arm), Is.EqualTo(PinMode.InputPullUp));
            });

            switches.Poll(TimeSpan.FromSeconds(1));
            var open = inputs.Snapshot();
            Assert.That(open.EStopClosed, Is.False, "nothing drives the loop: open");
            Assert.That(open.InhibitTripped, "nothing drives the sensor: tripped");

            lines.Drive(EStop, PinValue.High);
            lines.Drive(Inhibit, PinValue.High);
            switches.Poll(TimeSpan.FromSeconds(1.01));
            var closed = inputs.Snapshot();
            Assert.That(closed.EStopClosed);
            Assert.That(closed.InhibitTripped, Is.False);
        }
    }

    [Test]
    public void A_debounced_press_is_one_local_arm_request_and_bounces_are_not()
    {
        var (switches, lines, inputs) = Create(PinValue.High);
        using (switches)
        {
            var t = TimeSpan.FromSeconds(1);
            void Step(PinValue level, int ms)
            {
                lines.Drive(Arm, level);
                for (var i = 0; i < ms; i += 10)
                {
                    switches.Poll(t);
                    t += TimeSpan.FromMilliseconds(10);
                }
            }

            Step(PinValue.Low, 10);
            Step(PinValue.High, 10);
            Step(PinValue.Low, 10);
            Step(PinValue.High, 100);
            Assert.That(inputs.Snapshot().Requests, Is.Empty, "10 ms bounces are not a press");

            Step(PinValue.Low, 100);
            Step(PinValue.High, 100);
            Assert.That(inputs.Snapshot().Requests, Is.EqualTo(new[] { new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalButton) }));
            Assert.That(switches.ArmPresses, Is.EqualTo(1));
        }
    }

    [Test]
    public void A_button_held_at_switch_on_does_not_arm()
    {
        var (switches, lines, inputs) = Create(PinValue.Low);
        using (switches)
        {
            for (var i = 0; i < 50; i++)
            {
                switches.Poll(TimeSpan.FromMilliseconds(1000 + (i * 10)));
            }

            Assert.That(inputs.Snapshot().Requests, Is.Empty);
            lines.Drive(Arm, PinValue.High);
            for (var i = 0; i < 10; i++)
            {
                switches.Poll(TimeSpan.FromMilliseconds(2000 + (i * 10)));
            }

            lines.Drive(Arm, PinValue.Low);
            for (var i = 0; i < 10; i++)
            {
                switches.Poll(TimeSpan.FromMilliseconds(3000 + (i * 10)));
            }

            Assert.That(inputs.Snapshot().Requests, Has.Count.EqualTo(1), "released, then pressed: that arms");
        }
    }
}
