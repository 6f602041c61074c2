using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Simulated;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Control.Tests;

public class SimulatedPlatformTests
{
    private static void Hold(ActuatorBase actuator, FakeTimeProvider time, ActuatorCommand command, TimeSpan duration)
    {
        for (var t = TimeSpan.Zero; t < duration; t += TimeSpan.FromMilliseconds(10))
        {
            actuator.Apply(command);
            actuator.Heartbeat();
            time.Advance(TimeSpan.FromMilliseconds(10));
        }
    }

    [Test]
    public void The_wheelchair_accelerates_on_its_ramp_and_drives_straight()
    {
        var time = new FakeTimeProvider();
        using var chair = new SimulatedWheelchair(new ControlOptions { Acceleration = 0.5 }, time);
        Hold(chair, time, ActuatorCommand.Motion(0.5, 0), TimeSpan.FromSeconds(2));
        var state = chair.State;
        Assert.Multiple(() =>
        {
            Assert.That(state.Speed, Is.EqualTo(0.5).Within(1e-9));
            Assert.That(state.X, Is.EqualTo(0.25 + 0.5).Within(0.01), "1 s ramp (0.25 m) then 1 s at 0.5 m/s");
            Assert.That(state.Y, Is.Zero.Within(1e-9));
            Assert.That(state.Heading, Is.Zero.Within(1e-9));
        });
    }

    [Test]
    public void On_neutral_the_wheelchair_brakes_at_the_platforms_fastest_deceleration()
    {
        var time = new FakeTimeProvider();
        using var chair = new SimulatedWheelchair(new ControlOptions { Acceleration = 0.5, PlatformMaxDeceleration = 2.0 }, time);
        Hold(chair, time, ActuatorCommand.Motion(0.8, 0), TimeSpan.FromSeconds(3));
        var before = chair.State;
        chair.Neutral();
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.That(chair.State.Speed, Is.EqualTo(0.4).Within(1e-9));
        time.Advance(TimeSpan.FromMilliseconds(300));
        var after = chair.State;
        Assert.Multiple(() =>
        {
            Assert.That(after.Speed, Is.Zero);
            Assert.That(after.Distance - before.Distance, Is.EqualTo(0.8 * 0.8 / (2 * 2.0)).Within(0.002), "stopping distance v²/2a");
        });
    }

    [Test]
    public void Turning_while_driving_follows_a_circle_of_radius_v_over_omega()
    {
        var time = new FakeTimeProvider();
        using var chair = new SimulatedWheelchair(new ControlOptions { Acceleration = 3, AngularAcceleration = 10 }, time);
        Hold(chair, time, ActuatorCommand.Motion(0.5, 0.5), TimeSpan.FromSeconds(Math.PI * 2 / 0.5));
        var state = chair.State;
        Assert.That(Math.Sqrt((state.X * state.X) + (state.Y * state.Y)), Is.LessThan(0.1), "back near the start after one turn");
        Assert.That(state.Heading, Is.EqualTo(2 * Math.PI).Within(0.05));
    }

    [Test]
    public void The_wheelchair_keeps_its_limits_and_reports_simulated_faults()
    {
        var time = new FakeTimeProvider();
        using var chair = new SimulatedWheelchair(new ControlOptions { MaxSpeed = 0.5 }, time);
        Hold(chair, time, ActuatorCommand.Motion(3, 0), TimeSpan.FromSeconds(4));
        Assert.That(chair.State.Speed, Is.EqualTo(0.5).Within(1e-9));

        var acknowledged = chair.Acknowledged;
        chair.Faults.StopAcknowledging = true;
        time.Advance(TimeSpan.FromMilliseconds(10));
        chair.Apply(ActuatorCommand.Motion(0.5, 0));
        Assert.That(chair.Acknowledged, Is.EqualTo(acknowledged));

        chair.Faults.ThrowOnApply = true;
        Assert.Throws<ActuatorException>(() => chair.Apply(ActuatorCommand.Motion(0.5, 0)));
        Assert.That(chair.Command.IsNeutral);
    }

    [Test]
    public void The_simulated_hand_reaches_each_pattern_within_the_joint_limits_and_holds_on_neutral()
    {
        var time = new FakeTimeProvider();
        var options = new ControlOptions { Actuator = ActuatorKinds.SimulatedHand };
        using var hand = new SimulatedHand(options, time);
        Hold(hand, time, ActuatorCommand.Hand(GripPattern.Pinch), TimeSpan.FromSeconds(2));
        Assert.Multiple(() =>
        {
            Assert.That(hand.AtTarget);
            Assert.That(hand.Grip, Is.EqualTo(GripPattern.Pinch));
            Assert.That(hand.Positions, Is.EqualTo(new[] { 0.7, 0.8, 0, 0, 0 }).Within(1e-9));
            Assert.That(hand.JointNames, Is.EqualTo(new[] { "thumb", "index", "middle", "ring", "little" }));
        });

        Hold(hand, time, ActuatorCommand.Hand(GripPattern.Close), TimeSpan.FromMilliseconds(200));
        var part = hand.Positions.ToArray();
        hand.Neutral();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.That(hand.Positions, Is.EqualTo(part), "neutral holds where the hand is");
        Assert.That(hand.Grip, Is.Null);
    }
}
