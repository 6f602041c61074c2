using EdgeBci.Control.Actuators;
using EdgeBci.Control.Actuators.Simulated;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

public class PipelineTests
{
    private static Bench ChairBench(ControlOptions? options = null) =>
        new(options, (o, time) => new SimulatedWheelchair(o, time));

    private static SimulatedWheelchair Chair(Bench bench) => (SimulatedWheelchair)bench.Actuator!;

    [Test]
    public void The_bench_clock_and_the_actuators_clock_agree()
    {
        var bench = ChairBench();
        bench.RunFor(TimeSpan.FromMilliseconds(50));
        Assert.That(bench.Time!.MonotonicNow(), Is.EqualTo(bench.Now - bench.Period));
        Assert.That(bench.Actuator!.Acknowledged, Is.EqualTo(bench.Now - bench.Period), "the actuator acknowledged the last tick");
    }

    [Test]
    public void Commands_reach_the_chair_and_it_moves()
    {
        var bench = ChairBench();
        bench.ArmAndMove();
        bench.RunFor(TimeSpan.FromSeconds(2));
        var state = Chair(bench).State;
        Assert.That(state.Speed, Is.EqualTo(0.8).Within(1e-9));
        Assert.That(state.X, Is.GreaterThan(1));
    }

    [Test]
    public void An_exception_in_apply_goes_neutral_and_latches_in_the_same_tick()
    {
        var bench = ChairBench();
        bench.ArmAndMove();
        Chair(bench).Faults.ThrowOnApply = true;
        var faultAt = bench.Now - bench.Period + TimeSpan.FromTicks(1);
        var output = bench.Tick();
        var at = bench.Now - bench.Period;
        Assert.Multiple(() =>
        {
            Assert.That(output.Command.IsNeutral);
            Assert.That(Chair(bench).Command.IsNeutral, "the chair itself was driven neutral");
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.ActuatorFault));
            Assert.That(output.Events.Single().Message, Does.Contain("simulated bus error"));
            Assert.That(at - faultAt, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(10)));
            Assert.That(bench.Pipeline!.Faults, Is.EqualTo(1));
        });

        Chair(bench).Faults.ThrowOnApply = false;
        bench.RunFor(TimeSpan.FromSeconds(1));
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.SafeStop), "latched");
    }

    [Test]
    public void A_chair_that_stops_acknowledging_is_stopped_within_the_ack_bound()
    {
        var bench = ChairBench();
        bench.ArmAndMove();
        Chair(bench).Faults.StopAcknowledging = true;
        var lastAck = bench.Actuator!.Acknowledged!.Value;
        var neutral = bench.TimeToNeutral(TimeSpan.FromSeconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(bench.Supervisor.LatchedReason, Is.EqualTo(SupervisorReason.ActuatorNoAck));
            Assert.That(neutral - (lastAck + bench.Options.ActuatorAckTimeout), Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(10)));
        });
    }

    [Test]
    public void A_stalled_loop_leaves_the_chair_neutral_by_its_watchdog_and_latches_when_it_resumes()
    {
        var bench = ChairBench();
        bench.ArmAndMove();
        Assert.That(Chair(bench).Command.IsNeutral, Is.False);

        bench.Stall(TimeSpan.FromMilliseconds(90));
        Assert.That(Chair(bench).Command.IsNeutral, Is.False, "within the 100 ms heartbeat timeout");
        bench.Stall(TimeSpan.FromMilliseconds(50));
        Assert.Multiple(() =>
        {
            Assert.That(Chair(bench).Command.IsNeutral, "the driver went neutral by itself");
            Assert.That(bench.Actuator!.WatchdogTripped);
        });

        var output = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(output.Command.IsNeutral);
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(output.Events.Select(e => e.Reason), Does.Contain(SupervisorReason.ActuatorWatchdog));
            Assert.That(bench.Actuator!.WatchdogTripped, Is.False, "the neutral command cleared the driver's latch");
        });
    }

    [Test]
    public void The_one_apply_clamps_whatever_it_is_given()
    {
        var bench = ChairBench(new ControlOptions { MaxSpeed = 0.5 });
        bench.Pipeline!.ApplyOutput(ActuatorCommand.Motion(10, -10));
        Assert.That(Chair(bench).Command, Is.EqualTo(ActuatorCommand.Motion(0.5, -0.8)));
        bench.Pipeline.ApplyOutput(ActuatorCommand.Motion(double.NaN, 0));
        Assert.That(Chair(bench).Command.IsNeutral);
    }

    [Test]
    public void FailSafe_from_another_thread_of_the_pipeline_goes_neutral_and_latches()
    {
        var bench = ChairBench();
        bench.ArmAndMove();
        var output = bench.Pipeline!.FailSafe(bench.Now, SupervisorReason.PipelineException, "decoder thread threw");
        Assert.Multiple(() =>
        {
            Assert.That(Chair(bench).Command.IsNeutral);
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(output.Events.Single().Message, Is.EqualTo("decoder thread threw"));
        });
    }

    [Test]
    public void The_hand_pipeline_moves_grips_and_stops_on_rest()
    {
        var options = new ControlOptions { Actuator = ActuatorKinds.SimulatedHand };
        options.Policy.Clear();
        options.Policy["left"] = IntentCommands.GripOpen;
        options.Policy["right"] = IntentCommands.GripClose;
        options.Policy["rest"] = IntentCommands.Stop;
        options.Hand.Joints = HandOptions.DefaultJoints;
        foreach (var joint in options.Hand.Joints)
        {
            joint.MaxRatePerSecond = 0.2;
        }

        var bench = new Bench(options, (o, time) => new SimulatedHand(o, time));
        var hand = (SimulatedHand)bench.Actuator!;
        bench.ArmAndMove("right");
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        var closing = hand.Positions.ToArray();
        Assert.That(hand.Grip, Is.EqualTo(GripPattern.Close));

        bench.World.ClassName = "rest";
        bench.RunUntil(o => o.Command.IsNeutral, TimeSpan.FromMilliseconds(400));
        var stopped = hand.Positions.ToArray();
        bench.RunFor(TimeSpan.FromSeconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(stopped[1], Is.GreaterThan(closing[1]));
            Assert.That(hand.Positions, Is.EqualTo(stopped), "holds where it stopped");
            Assert.That(hand.Grip, Is.Null);
        });
    }
}
