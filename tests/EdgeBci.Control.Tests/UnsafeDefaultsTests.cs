using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>Every safety input reads unsafe until someone reports it: an input nobody wired cannot allow movement.</summary>
public class UnsafeDefaultsTests
{
    [Test]
    public void Every_supervisor_input_starts_at_its_unsafe_reading()
    {
        AssertUnsafe(new SupervisorInputs());
        AssertUnsafe(new ControlInputs().Snapshot());
    }

    [Test]
    public void An_inhibit_input_nobody_reports_forbids_translation_but_not_turning_in_place()
    {
        var inputs = new ControlInputs();
        inputs.SetEStopClosed(true);
        inputs.SetModelVerified(true);
        inputs.SetModel("unit-test v1");
        inputs.SetDecoderHealthy(true);
        inputs.ReportChannels([new("C3", true), new("C4", true)]);
        var supervisor = new SafetySupervisor(new ControlOptions());
        var className = "rest";
        long sample = 0;
        var now = TimeSpan.FromSeconds(10);
        var outputs = new List<SupervisorOutput>();

        void RunFor(TimeSpan duration)
        {
            for (var end = now + duration; now < end; now += TimeSpan.FromMilliseconds(10))
            {
                inputs.ReportFrame(now);
                if (now.Ticks % TimeSpan.FromMilliseconds(250).Ticks == 0)
                {
                    inputs.ReportDecision(new IntentDecision(className, 0.95, 0.95, sample += 1000, now - TimeSpan.FromMilliseconds(20), now));
                }

                outputs.Add(supervisor.Tick(now, inputs.Snapshot() with { ActuatorAcknowledged = now }));
            }
        }

        RunFor(TimeSpan.FromMilliseconds(300));
        inputs.Request(new OperatorRequest(RequestKind.Arm, RequestOrigin.LocalCli));
        RunFor(TimeSpan.FromMilliseconds(300));
        Assert.That(supervisor.State, Is.EqualTo(SupervisorState.Armed), "the inhibit input is not an arming precondition");

        className = "feet";
        RunFor(TimeSpan.FromSeconds(2));
        Assert.That(outputs.All(o => o.Command.IsNeutral), "forward stays inhibited while the inhibit input is unreported");

        className = "left";
        RunFor(TimeSpan.FromSeconds(2));
        Assert.That(outputs[^1].Command.TurnRate, Is.GreaterThan(0), "turning in place is what allow-turn still permits");

        inputs.SetInhibit(false);
        className = "rest";
        RunFor(TimeSpan.FromSeconds(1));
        className = "feet";
        RunFor(TimeSpan.FromSeconds(2));
        Assert.That(outputs[^1].Command.LinearSpeed, Is.GreaterThan(0), "once reported clear, forward moves");
    }

    private static void AssertUnsafe(SupervisorInputs inputs)
    {
        Assert.Multiple(() =>
        {
            Assert.That(inputs.LastFrameTime, Is.Null, "no frame");
            Assert.That(inputs.LastDecision, Is.Null, "no decision");
            Assert.That(inputs.Channels, Is.Empty, "no channel quality");
            Assert.That(inputs.EStopClosed, Is.False, "e-stop open");
            Assert.That(inputs.InhibitTripped, Is.True, "inhibit tripped");
            Assert.That(inputs.ModelVerified, Is.False, "model unverified");
            Assert.That(inputs.ModelIdentity, Is.Null, "model unknown");
            Assert.That(inputs.DecoderHealthy, Is.False, "decoder unhealthy");
            Assert.That(inputs.Focus, Is.Null, "focus unknown");
            Assert.That(inputs.ActuatorAcknowledged, Is.Null, "no acknowledgement");
            Assert.That(inputs.Requests, Is.Empty);
        });
    }
}
