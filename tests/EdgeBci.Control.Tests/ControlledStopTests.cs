using System.Globalization;
using EdgeBci.Control.Actuators.Simulated;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>
/// Controlled stops (an intent stop, a disarm) ramp the command down at the configured decelerations while every
/// precondition holds; emergency stops (every STOP rule, a stop request, switch-off, the obstacle input) are neutral in
/// the tick they are seen, including in the middle of a ramp.
/// </summary>
public class ControlledStopTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    [Test]
    public void A_controlled_stop_ramps_the_speed_down_at_the_deceleration_and_never_up()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.RunUntil(o => o.Command.LinearSpeed == 0.8, TimeSpan.FromSeconds(3));
        bench.World.ClassName = "rest";
        var (first, _) = bench.RunUntil(o => o.Events.Count > 0, TimeSpan.FromMilliseconds(300));
        var ramp = new List<SupervisorOutput> { first };
        while (!ramp[^1].Command.IsNeutral)
        {
            ramp.Add(bench.Tick());
        }

        Assert.Multiple(() =>
        {
            Assert.That(first.Events.Single().StopKind, Is.EqualTo(StopKind.Controlled));
            Assert.That(first.Command.LinearSpeed, Is.EqualTo(0.8 - (1.0 * 0.01)).Within(1e-9), "the first step is one tick of deceleration (1 m/s²)");
            Assert.That(ramp.Count, Is.EqualTo(80), "0.8 m/s at 1 m/s² is 0.8 s: 80 ticks");
            Assert.That(ramp.All(o => o.State == SupervisorState.Armed), "an intent stop is not a fault");
            Assert.That(ramp.SkipLast(1).All(o => o.Ramping && o.Command.LinearSpeed > 0 && o.Command.TurnRate == 0));
            Assert.That(ramp[^1].Ramping, Is.False, "the ramp ends at neutral");
            for (var i = 1; i < ramp.Count; i++)
            {
                Assert.That(ramp[i - 1].Command.LinearSpeed - ramp[i].Command.LinearSpeed, Is.EqualTo(0.01).Within(1e-9).Or.EqualTo(ramp[i - 1].Command.LinearSpeed),
                    "one tick of deceleration, or the rest of the way to zero");
            }
        });
    }

    [Test]
    public void A_turn_ramps_down_at_the_angular_deceleration()
    {
        var bench = new Bench(new ControlOptions { AngularDeceleration = 2.0 });
        bench.ArmAndMove("left");
        bench.RunUntil(o => o.Command.TurnRate == 0.8, TimeSpan.FromSeconds(3));
        bench.World.Confidence = 0.2;
        var (first, _) = bench.RunUntil(o => o.Events.Count > 0, TimeSpan.FromMilliseconds(300));
        var (last, end) = bench.RunUntil(o => o.Command.IsNeutral, TimeSpan.FromSeconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(first.Events.Single().Reason, Is.EqualTo(SupervisorReason.ConfidenceDrop));
            Assert.That(first.Command.TurnRate, Is.EqualTo(0.8 - (2.0 * 0.01)).Within(1e-9));
            Assert.That(end - first.Time, Is.EqualTo(TimeSpan.FromMilliseconds(390)), "0.8 rad/s at 2 rad/s² is 0.4 s: the 40th tick is neutral");
            Assert.That(last.State, Is.EqualTo(SupervisorState.Armed));
        });
    }

    [Test]
    public void A_new_move_starts_only_after_the_ramp_has_ended()
    {
        // A slow ramp (1.6 s) and the default dwell (500 ms): the new intent is held long enough during the ramp.
        var bench = new Bench(new ControlOptions { Deceleration = 0.5 });
        bench.ArmAndMove();
        bench.RunUntil(o => o.Command.LinearSpeed == 0.8, TimeSpan.FromSeconds(3));
        bench.World.ClassName = "left";
        var (released, _) = bench.RunUntil(o => o.Events.Count > 0, TimeSpan.FromMilliseconds(300));
        Assert.That(released.Events.Single().Reason, Is.EqualTo(SupervisorReason.IntentReleased));
        var (_, rampEnd) = bench.RunUntil(o => o.Command.IsNeutral, TimeSpan.FromSeconds(2));
        var (started, startedAt) = bench.RunUntil(o => o.State == SupervisorState.Active, TimeSpan.FromSeconds(1));
        var outputs = bench.Outputs.SkipWhile(o => o != released).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(rampEnd - released.Time, Is.EqualTo(TimeSpan.FromMilliseconds(1590)), "0.8 m/s at 0.5 m/s²: 1.6 s");
            Assert.That(startedAt, Is.EqualTo(rampEnd + Tick), "the held turn starts at the first tick after the ramp");
            Assert.That(started.Events.Single().Reason, Is.EqualTo(SupervisorReason.MoveStarted));
            Assert.That(outputs.All(o => o.Command.LinearSpeed == 0 || o.Command.TurnRate == 0), "never turning while still driving forward");
        });
    }

    [Test]
    public void The_same_intent_coming_back_during_the_ramp_waits_for_the_ramp_and_the_dwell()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.RunUntil(o => o.Command.LinearSpeed == 0.8, TimeSpan.FromSeconds(3));
        bench.World.Evidence = 0.5;
        var (dropped, _) = bench.RunUntil(o => o.Events.Count > 0, TimeSpan.FromMilliseconds(300));
        bench.World.Evidence = 0.95;
        var (_, rampEnd) = bench.RunUntil(o => o.Command.IsNeutral, TimeSpan.FromSeconds(1));
        var (_, startedAt) = bench.RunUntil(o => o.State == SupervisorState.Active, TimeSpan.FromSeconds(1));
        var during = bench.Outputs.SkipWhile(o => o != dropped).TakeWhile(o => o.Time <= rampEnd).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(dropped.Events.Single().Reason, Is.EqualTo(SupervisorReason.ConfidenceDrop));
            Assert.That(during.Zip(during.Skip(1), (a, b) => b.Command.LinearSpeed <= a.Command.LinearSpeed).All(x => x), "only ever decreasing");
            Assert.That(startedAt, Is.GreaterThan(rampEnd));
        });
    }

    public static IEnumerable<StopRuleTests.Rule> Rules() => StopRuleTests.Rules();

    [TestCaseSource(nameof(Rules))]
    public void Every_stop_rule_cuts_an_intent_ramp_to_neutral_within_its_bound(StopRuleTests.Rule rule)
    {
        var options = new ControlOptions();
        rule.Configure?.Invoke(options);
        var bench = new Bench(options);
        bench.ArmAndMove();
        bench.RunUntil(o => o.Command.LinearSpeed == 0.8, TimeSpan.FromSeconds(3));
        bench.World.ClassName = "rest";
        bench.RunUntil(o => o.Ramping, TimeSpan.FromMilliseconds(300));
        bench.RunFor(TimeSpan.FromMilliseconds(50));
        var speedBefore = bench.Last!.Command.LinearSpeed;

        var detectable = rule.Inject(bench, bench.Now - bench.Period + TimeSpan.FromTicks(1));
        var (output, neutralAt) = bench.RunUntil(o => o.Command.IsNeutral, TimeSpan.FromSeconds(1));
        Assert.Multiple(() =>
        {
            Assert.That(speedBefore, Is.GreaterThan(0.5), "still well inside the ramp");
            Assert.That(neutralAt - detectable, Is.InRange(TimeSpan.Zero, Tick), "neutral in the tick the rule sees it");
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(output.Ramping, Is.False);
            Assert.That(output.Events.Single().Reason, Is.EqualTo(rule.Reason));
            Assert.That(output.Events.Single().StopKind, Is.EqualTo(StopKind.Emergency));
        });
    }

    [Test]
    public void A_fault_during_the_ramp_after_a_disarm_cuts_it_and_latches()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.World.Request(RequestKind.Disarm, RequestOrigin.LocalCli);
        bench.RunFor(TimeSpan.FromMilliseconds(100));
        Assert.That(bench.Last!.Ramping && bench.Last.State == SupervisorState.Disarmed);

        bench.World.EStopClosed = false;
        var output = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(output.Command.IsNeutral);
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.EStopOpen));
        });
    }

    [Test]
    public void Switch_off_during_a_ramp_is_neutral_at_once()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.World.Request(RequestKind.Disarm, RequestOrigin.Remote);
        bench.RunFor(TimeSpan.FromMilliseconds(100));
        var output = bench.Supervisor.Shutdown(bench.Now);
        Assert.Multiple(() =>
        {
            Assert.That(output.Command.IsNeutral);
            Assert.That(output.Ramping, Is.False);
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.Shutdown));
        });
    }

    [Test]
    public void The_obstacle_input_stops_forward_motion_at_once_not_on_a_ramp()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.World.Inhibit = true;
        var output = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(output.Command.IsNeutral);
            Assert.That(output.Ramping, Is.False);
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.Inhibited));
            Assert.That(output.Events.Single().StopKind, Is.EqualTo(StopKind.Emergency));
            Assert.That(output.State, Is.EqualTo(SupervisorState.Armed), "shared control, not a latched fault");
        });
    }

    [TestCase(InhibitModes.AllowTurn, "feet", true)]
    [TestCase(InhibitModes.AllowTurn, "left", false)]
    [TestCase(InhibitModes.StopAll, "left", true)]
    public void The_obstacle_input_cuts_a_ramp_of_the_motion_it_guards(string mode, string className, bool cut)
    {
        var bench = new Bench(new ControlOptions { InhibitMode = mode });
        bench.ArmAndMove(className);
        bench.World.ClassName = "rest";
        bench.RunUntil(o => o.Ramping, TimeSpan.FromMilliseconds(300));
        bench.World.Inhibit = true;
        var output = bench.Tick();
        if (cut)
        {
            Assert.That(output.Command.IsNeutral, "what the obstacle input guards stops at once");
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.Inhibited));
        }
        else
        {
            Assert.That(output.Ramping, "turning in place is allowed: its ramp goes on");
            Assert.That(output.Events, Is.Empty);
        }
    }

    [Test]
    public void A_hand_has_nothing_to_ramp_its_grip_holds_at_once()
    {
        var options = new ControlOptions { Actuator = ActuatorKinds.SimulatedHand };
        var bench = new Bench(options);
        bench.ArmAndMove("left");
        bench.World.ClassName = "rest";
        var (output, _) = bench.RunUntil(o => o.Events.Count > 0, TimeSpan.FromMilliseconds(300));
        Assert.That(output.Command.IsNeutral);
        Assert.That(output.Ramping, Is.False);
    }

    /// <summary>
    /// Stopping distance of the simulated chair from 0.8 m/s: a controlled stop (here a disarm; a rest decision ramps the
    /// same) follows the 1 m/s² ramp (v²/2a ≈ 0.32 m), an emergency stop (the e-stop) brakes at the platform's 2 m/s²
    /// (≈ 0.16 m). Both injected just after a tick. Printed for the README.
    /// </summary>
    [Test]
    public void Stopping_distances_from_0_8_m_s_on_the_simulated_chair()
    {
        var controlled = StoppingDistance(bench => bench.World.Request(RequestKind.Disarm, RequestOrigin.LocalCli));
        var emergency = StoppingDistance(bench => bench.World.EStopClosed = false);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"from 0.8 m/s on the simulated chair: controlled stop (Deceleration 1.0 m/s²) {controlled.Distance:0.000} m in {controlled.Time.TotalSeconds:0.00} s, " +
            $"emergency stop (PlatformMaxDeceleration 2.0 m/s²) {emergency.Distance:0.000} m in {emergency.Time.TotalSeconds:0.00} s"));
        Assert.Multiple(() =>
        {
            // From the stop's tick: up to one tick of travel at 0.8 m/s before the command changes (8 mm) on top of v²/2a.
            Assert.That(controlled.Distance, Is.InRange(0.32, 0.32 + 0.009));
            Assert.That(emergency.Distance, Is.InRange(0.16, 0.16 + 0.009));
        });
    }

    private static (double Distance, TimeSpan Time) StoppingDistance(Action<Bench> stop)
    {
        var bench = new Bench(null, (o, time) => new SimulatedWheelchair(o, time));
        var chair = (SimulatedWheelchair)bench.Actuator!;
        bench.ArmAndMove();
        bench.RunUntil(_ => chair.State.Speed == 0.8, TimeSpan.FromSeconds(3));
        var from = chair.State.Distance;
        var at = bench.Now;
        stop(bench);
        bench.RunUntil(_ => !chair.State.IsMoving, TimeSpan.FromSeconds(3));
        return (chair.State.Distance - from, bench.Now - at);
    }
}
