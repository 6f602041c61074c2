using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

public class SupervisorTests
{
    [Test]
    public void Switch_on_with_forward_already_decoded_does_not_move_even_when_armed()
    {
        var bench = new Bench();
        bench.World.ClassName = "feet";
        var first = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(first.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(first.Command.IsNeutral);
            Assert.That(first.Events.Single().Reason, Is.EqualTo(SupervisorReason.SwitchOn));
        });

        bench.RunFor(TimeSpan.FromSeconds(2));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.RunFor(TimeSpan.FromSeconds(3));
        Assert.Multiple(() =>
        {
            Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));
            Assert.That(bench.Outputs.All(output => output.Command.IsNeutral), "forward present at switch-on and at arming never moves");
        });

        // Released, then built up again: now it moves.
        bench.World.ClassName = "rest";
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.ClassName = "feet";
        bench.RunUntil(output => output.State == SupervisorState.Active, TimeSpan.FromSeconds(2));
        Assert.That(bench.Supervisor.ActiveIntent, Is.EqualTo(IntentCommand.Forward));
    }

    [Test]
    public void Requests_pending_at_switch_on_are_ignored()
    {
        var bench = new Bench();
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        bench.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
    }

    [TestCase(RequestOrigin.LocalButton)]
    [TestCase(RequestOrigin.LocalCli)]
    public void A_local_action_arms_when_every_precondition_holds(RequestOrigin origin)
    {
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, origin);
        bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));
            Assert.That(bench.Last!.Events.Single().Reason, Is.EqualTo(SupervisorReason.Armed));
            Assert.That(bench.Last.Events.Single().Message, Does.Contain(origin.ToString()));
        });
    }

    public static IEnumerable<TestCaseData> MissingPreconditions()
    {
        yield return new TestCaseData((Action<Bench>)(b => b.World.ModelVerified = false), SupervisorReason.ModelFault).SetName("Arming needs a verified model");
        yield return new TestCaseData((Action<Bench>)(b => b.World.SetChannel(0, new("FC3", false))), SupervisorReason.ChannelQuality).SetName("Arming needs every required channel good");
        yield return new TestCaseData((Action<Bench>)(b => b.World.SetChannel(1, new("FC4", true, LeadOff: true))), SupervisorReason.LeadOff).SetName("Arming needs no lead-off");
        yield return new TestCaseData((Action<Bench>)(b => b.World.EStopClosed = false), SupervisorReason.EStopOpen).SetName("Arming needs the e-stop closed");
        yield return new TestCaseData((Action<Bench>)(b => b.World.FramesStopAt = b.Now - TimeSpan.FromMilliseconds(100)), SupervisorReason.FrameTimeout).SetName("Arming needs EEG frames");
        yield return new TestCaseData((Action<Bench>)(b => b.World.DecoderHealthy = false), SupervisorReason.DecoderFault).SetName("Arming needs a healthy decoder");
        yield return new TestCaseData((Action<Bench>)(b => b.World.AckStopsAt = b.Now - TimeSpan.FromMilliseconds(100)), SupervisorReason.ActuatorNoAck).SetName("Arming needs an acknowledging actuator");
    }

    [TestCaseSource(nameof(MissingPreconditions))]
    public void Arming_is_refused_naming_the_missing_precondition(Action<Bench> breakIt, SupervisorReason reason)
    {
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        breakIt(bench);
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        var refusal = bench.Last!.Events.Single();
        Assert.Multiple(() =>
        {
            Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(refusal.Reason, Is.EqualTo(SupervisorReason.ArmRefused));
            Assert.That(refusal.Message, Does.Contain(reason.ToString()));
        });
    }

    [Test]
    public void Arming_needs_focus_above_its_threshold_when_configured_and_low_focus_stops_a_move()
    {
        var bench = new Bench(new ControlOptions { RequireFocus = true, FocusThreshold = 0.6 });
        bench.World.Focus = 0.4;
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Last!.Events.Single().Reason, Is.EqualTo(SupervisorReason.ArmRefused));
        Assert.That(bench.Last.Events.Single().Message, Does.Contain("focus"));

        bench.World.Focus = 0.7;
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));
        bench.RunFor(TimeSpan.FromMilliseconds(100));
        bench.World.ClassName = "feet";
        bench.RunUntil(output => output.State == SupervisorState.Active, TimeSpan.FromSeconds(2));

        bench.RunFor(TimeSpan.FromMilliseconds(500));
        bench.World.Focus = 0.5;
        var (output, _) = bench.RunUntil(o => o.Events.Count > 0, TimeSpan.FromMilliseconds(20));
        Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.FocusLow));
        Assert.That(output.State, Is.EqualTo(SupervisorState.Armed), "focus is a gate on motion, not a latched fault");
        Assert.That(output.Ramping, "a controlled stop");
    }

    [TestCase(RequestKind.Arm)]
    [TestCase(RequestKind.Move)]
    public void Remote_requests_never_arm_or_move(RequestKind kind)
    {
        var bench = new Bench();
        bench.World.ClassName = "feet";
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        for (var i = 0; i < 20; i++)
        {
            bench.World.Request(kind, RequestOrigin.Remote);
            bench.RunFor(TimeSpan.FromMilliseconds(100));
        }

        Assert.Multiple(() =>
        {
            Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(bench.Outputs.All(output => output.Command.IsNeutral));
            Assert.That(bench.Events.Count(e => e.Reason == SupervisorReason.RequestRefused), Is.EqualTo(20));
        });
    }

    [Test]
    public void A_remote_move_request_while_armed_is_refused_and_does_not_move()
    {
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Move, RequestOrigin.Remote);
        bench.World.Request(RequestKind.Move, RequestOrigin.LocalCli);
        bench.RunFor(TimeSpan.FromSeconds(1));
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));
        Assert.That(bench.Outputs.All(output => output.Command.IsNeutral));
    }

    [Test]
    public void A_remote_disarm_ramps_down_to_neutral_and_needs_a_local_arm()
    {
        var bench = new Bench();
        var moving = bench.ArmAndMove();
        bench.World.Request(RequestKind.Disarm, RequestOrigin.Remote);
        var output = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(output.Command.LinearSpeed, Is.GreaterThan(0).And.LessThan(moving.Command.LinearSpeed), "a controlled stop: one tick of deceleration");
            Assert.That(output.Ramping);
            Assert.That(output.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.RemoteDisarm));
            Assert.That(output.Events.Single().StopKind, Is.EqualTo(StopKind.Controlled));
        });

        var (stopped, _) = bench.RunUntil(o => o.Command.IsNeutral, TimeSpan.FromSeconds(1));
        Assert.That(stopped.Ramping, Is.False);

        bench.World.Request(RequestKind.Arm, RequestOrigin.Remote);
        bench.RunFor(TimeSpan.FromSeconds(1));
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
    }

    [Test]
    public void A_stop_in_the_same_tick_as_an_arm_wins_whatever_the_order()
    {
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Stop, RequestOrigin.Remote);
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.SafeStop));
    }

    [TestCase(RequestKind.Stop, "stop", SupervisorState.SafeStop)]
    [TestCase(RequestKind.Disarm, "disarm", SupervisorState.Disarmed)]
    public void A_local_arm_that_loses_to_a_stop_or_disarm_in_the_same_tick_is_refused_naming_who_asked(RequestKind winner, string word, SupervisorState after)
    {
        // From SafeStop, so that a disarm changes the state and both kinds record their own event first.
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Stop, RequestOrigin.LocalCli);
        bench.RunFor(TimeSpan.FromMilliseconds(100));
        if (winner == RequestKind.Stop)
        {
            bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
            bench.RunFor(TimeSpan.FromMilliseconds(100));
            Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));
        }

        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalCli, "uid 1000 (pi)");
        bench.World.Request(winner, RequestOrigin.Remote, "dashboard");
        var output = bench.Tick();

        var refused = output.Events.Where(e => e.Reason == SupervisorReason.ArmRefused).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(after));
            Assert.That(refused, Has.Count.EqualTo(1), string.Join(" | ", output.Events));
            Assert.That(refused[0].Message, Is.EqualTo($"cannot arm: a {word} in the same tick (dashboard (Remote)) wins over an arm; requested by uid 1000 (pi) (LocalCli)"));
            Assert.That(output.Events[0].Reason, Is.Not.EqualTo(SupervisorReason.ArmRefused), "the stop or disarm is recorded first: it is what happened");
        });
    }

    [Test]
    public void A_local_arm_while_already_latched_by_an_earlier_stop_and_stopped_again_is_refused_not_nothing_to_do()
    {
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Stop, RequestOrigin.Remote);
        bench.RunFor(TimeSpan.FromMilliseconds(100));

        // The flood's case: SafeStop already latched, another stop in the tick records nothing, the arm would vanish.
        bench.World.Request(RequestKind.Stop, RequestOrigin.Remote);
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalCli);
        var output = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(output.Events.Select(e => e.Reason), Is.EqualTo(new[] { SupervisorReason.ArmRefused }));
            Assert.That(output.Events[0].Message, Does.Contain("a stop in the same tick (Remote) wins over an arm; requested by LocalCli"));
        });
    }

    [Test]
    public void Moving_needs_the_evidence_threshold()
    {
        var bench = new Bench();
        bench.World.Evidence = 0.79;
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.ClassName = "feet";
        bench.RunFor(TimeSpan.FromSeconds(3));
        Assert.That(bench.Outputs.All(output => output.Command.IsNeutral), "evidence 0.79 < 0.8 never moves");

        bench.World.Evidence = 0.8;
        bench.RunUntil(output => output.State == SupervisorState.Active, TimeSpan.FromSeconds(2));
    }

    [Test]
    public void Moving_needs_the_intent_held_for_the_dwell_time()
    {
        var bench = new Bench(new ControlOptions { DwellMs = 600 });
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.ClassName = "feet";
        var firstFeet = bench.RunUntil(_ => bench.LastInputs!.LastDecision?.ClassName == "feet", TimeSpan.FromSeconds(1)).Time;
        var (_, started) = bench.RunUntil(output => output.State == SupervisorState.Active, TimeSpan.FromSeconds(2));
        Assert.That(started - firstFeet, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(600)).And.LessThanOrEqualTo(TimeSpan.FromMilliseconds(610)));

        // An interruption of the intent restarts the dwell.
        bench.World.ClassName = "rest";
        bench.RunUntil(output => output.State == SupervisorState.Armed, TimeSpan.FromSeconds(1));
        bench.World.ClassName = "feet";
        var again = bench.Now;
        bench.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed), "less than the dwell since the intent came back");
        var (_, restarted) = bench.RunUntil(output => output.State == SupervisorState.Active, TimeSpan.FromSeconds(2));
        Assert.That(restarted - again, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(600)));
    }

    [TestCase("rest", SupervisorReason.IntentStop)]
    [TestCase("unknown-class", SupervisorReason.IntentStop)]
    [TestCase("left", SupervisorReason.IntentReleased)]
    public void A_stop_decision_or_a_released_intent_starts_a_controlled_stop_in_the_tick_the_decision_arrives(string className, SupervisorReason reason)
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.World.ClassName = className;
        var arrivedBefore = bench.World.LastDecisionReceived!.Value;
        var (output, at) = bench.RunUntil(o => o.Events.Count > 0, TimeSpan.FromMilliseconds(400));
        var arrival = bench.World.LastDecisionReceived!.Value;
        Assert.Multiple(() =>
        {
            Assert.That(arrival, Is.GreaterThan(arrivedBefore));
            Assert.That(at - arrival, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(10)), "no dwell: the ramp starts at the next tick");
            Assert.That(output.Events.Single().Reason, Is.EqualTo(reason));
            Assert.That(output.State, Is.EqualTo(SupervisorState.Armed), "an intent stop is not a fault");
            Assert.That(output.Ramping);
        });
    }

    [TestCase(0.5, 0.95)]
    [TestCase(0.95, 0.3)]
    public void A_confidence_drop_starts_a_controlled_stop_at_once(double evidence, double confidence)
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.World.Evidence = evidence;
        bench.World.Confidence = confidence;
        var (output, at) = bench.RunUntil(o => o.Events.Count > 0, TimeSpan.FromMilliseconds(400));
        Assert.That(at - bench.World.LastDecisionReceived!.Value, Is.LessThanOrEqualTo(TimeSpan.FromMilliseconds(10)));
        Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.ConfidenceDrop));
        Assert.That(output.Ramping);
    }

    [Test]
    public void Shared_control_inhibits_forward_but_still_allows_turning_in_place()
    {
        var bench = new Bench();
        bench.ArmAndMove("feet");
        bench.World.Inhibit = true;
        var output = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(output.Command.IsNeutral);
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.Inhibited));
            Assert.That(output.State, Is.EqualTo(SupervisorState.Armed));
        });

        bench.RunFor(TimeSpan.FromSeconds(2));
        Assert.That(bench.Outputs.TakeLast(200).All(o => o.Command.IsNeutral), "forward stays inhibited");

        bench.World.ClassName = "left";
        bench.RunUntil(o => o.State == SupervisorState.Active, TimeSpan.FromSeconds(2));
        bench.RunFor(TimeSpan.FromMilliseconds(500));
        Assert.Multiple(() =>
        {
            Assert.That(bench.Last!.Command.TurnRate, Is.GreaterThan(0), "turning in place while inhibited");
            Assert.That(bench.Last.Command.LinearSpeed, Is.Zero);
        });
    }

    [Test]
    public void Inhibit_in_stop_all_mode_stops_turning_too()
    {
        var bench = new Bench(new ControlOptions { InhibitMode = InhibitModes.StopAll });
        bench.ArmAndMove("left");
        bench.World.Inhibit = true;
        Assert.That(bench.Tick().Command.IsNeutral);
        bench.RunFor(TimeSpan.FromSeconds(2));
        Assert.That(bench.Outputs.TakeLast(200).All(o => o.Command.IsNeutral));
    }

    [Test]
    public void Commands_ramp_up_within_the_acceleration_and_never_exceed_the_limits()
    {
        var options = new ControlOptions { MaxSpeed = 0.6, Acceleration = 0.5, MaxTurnRate = 0.5, AngularAcceleration = 1.0 };
        var bench = new Bench(options);
        bench.ArmAndMove("feet");
        bench.RunFor(TimeSpan.FromSeconds(3));
        var moving = bench.Outputs.Where(o => o.State == SupervisorState.Active).Select(o => o.Command.LinearSpeed).ToList();
        var steps = moving.Zip(moving.Skip(1), (a, b) => b - a).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(moving[0], Is.GreaterThan(0).And.LessThanOrEqualTo((0.5 * 0.01) + 1e-12), "the first step is one tick of acceleration");
            Assert.That(steps.Max(), Is.LessThanOrEqualTo((0.5 * 0.01) + 1e-12));
            Assert.That(moving.Max(), Is.EqualTo(0.6).Within(1e-12));
            Assert.That(bench.Outputs.Max(o => o.Command.LinearSpeed), Is.LessThanOrEqualTo(0.6));
        });

        bench.World.ClassName = "right";
        bench.RunFor(TimeSpan.FromSeconds(3));
        Assert.Multiple(() =>
        {
            Assert.That(bench.Last!.Command.TurnRate, Is.EqualTo(-0.5).Within(1e-12), "turn right is clockwise (negative)");
            Assert.That(bench.Outputs.Min(o => o.Command.TurnRate), Is.GreaterThanOrEqualTo(-0.5));
        });
    }

    [Test]
    public void Ramps_decelerate_through_zero_and_limits_clamp()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MotionShaper.Ramp(0.5, 0.2, 0.1, 0.05), Is.EqualTo(0.45).Within(1e-12), "slowing uses the deceleration");
            Assert.That(MotionShaper.Ramp(0.5, -0.2, 0.1, 0.3), Is.EqualTo(0.2).Within(1e-12), "a reversal slows first");
            Assert.That(MotionShaper.Ramp(0.02, -0.2, 0.1, 0.3), Is.Zero, "and passes through zero");
            Assert.That(MotionShaper.Ramp(0, -0.2, 0.1, 0.3), Is.EqualTo(-0.1).Within(1e-12));
        });

        var limits = new Actuators.CommandLimits(0.8, 0.3, 1.0);
        Assert.Multiple(() =>
        {
            Assert.That(limits.Clamp(new(5, -9)), Is.EqualTo(new Actuators.ActuatorCommand(0.8, -1.0)));
            Assert.That(limits.Clamp(new(-5, 9)), Is.EqualTo(new Actuators.ActuatorCommand(-0.3, 1.0)));
            Assert.That(limits.Clamp(new(double.NaN, 0)).IsNeutral);
            Assert.That(limits.Clamp(new(0.1, double.PositiveInfinity)).IsNeutral);
        });
    }

    [Test]
    public void SafeStop_latches_until_the_cause_clears_and_a_local_action_re_arms()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.World.EStopClosed = false;
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.SafeStop));

        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.SafeStop), "the cause has not cleared");
            Assert.That(bench.Last!.Events.Single().Reason, Is.EqualTo(SupervisorReason.ArmRefused));
            Assert.That(bench.Last.Events.Single().Message, Does.Contain("e-stop"));
        });

        bench.World.EStopClosed = true;
        bench.RunFor(TimeSpan.FromSeconds(1));
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.SafeStop), "cleared, but nobody re-armed");
        bench.World.Request(RequestKind.Arm, RequestOrigin.Remote);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.SafeStop), "a remote arm does not re-arm");

        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalCli);
        bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));
            Assert.That(bench.Supervisor.LatchedReason, Is.Null);
            Assert.That(bench.Last!.Events.Single().Message, Does.Contain("EStopOpen"));
        });

        // The forward intent is still decoded; it must be released first.
        bench.RunFor(TimeSpan.FromSeconds(2));
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));
    }

    [Test]
    public void An_arm_pressed_in_the_tick_a_STOP_latches_does_not_clear_it()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.World.PipelineFaults++;
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        var output = bench.Tick();
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(SupervisorState.SafeStop));
            Assert.That(output.Events.Select(e => e.Reason), Is.EqualTo(new[] { SupervisorReason.PipelineException, SupervisorReason.ArmRefused }));
        });

        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed), "a later press re-arms: the cause was momentary");
    }

    [Test]
    public void A_clock_that_goes_backwards_is_a_stop()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        var output = bench.Supervisor.Tick(bench.Now - TimeSpan.FromSeconds(1), bench.World.At(bench.Now));
        Assert.That(output.Command.IsNeutral);
        Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.PipelineException));
    }

    [Test]
    public void Switch_off_while_driving_stops()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        var output = bench.Supervisor.Shutdown(bench.Now);
        Assert.Multiple(() =>
        {
            Assert.That(output.Command.IsNeutral);
            Assert.That(output.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.Shutdown));
        });
    }

    [Test]
    public void Only_the_required_channels_matter_and_a_missing_one_is_bad()
    {
        var bench = new Bench(new ControlOptions { RequiredChannels = ["C3", "C4"] });
        bench.ArmAndMove();
        bench.World.SetChannel(0, new("FC3", QualityGood: false, LeadOff: true));
        bench.RunFor(TimeSpan.FromMilliseconds(200));
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Active), "FC3 is not required");

        bench.World.Channels = [.. bench.World.Channels.Where(channel => channel.Name != "C4")];
        var output = bench.Tick();
        Assert.That(output.Command.IsNeutral);
        Assert.That(output.Events.Single().Message, Does.Contain("C4"));
    }

    [Test]
    public void Every_transition_is_an_event_with_a_reason_and_a_message()
    {
        var bench = new Bench();
        bench.ArmAndMove();
        bench.World.ClassName = "rest";
        bench.RunFor(TimeSpan.FromMilliseconds(400));
        bench.World.EStopClosed = false;
        bench.Tick();
        var reasons = bench.Events.Select(e => e.Reason).ToList();
        Assert.That(reasons, Is.EqualTo(new[] { SupervisorReason.SwitchOn, SupervisorReason.Armed, SupervisorReason.MoveStarted, SupervisorReason.IntentStop, SupervisorReason.EStopOpen }));
        Assert.That(bench.Events.Select(e => (e.From, e.To)), Is.EqualTo(new[]
        {
            (SupervisorState.Boot, SupervisorState.Disarmed),
            (SupervisorState.Disarmed, SupervisorState.Armed),
            (SupervisorState.Armed, SupervisorState.Active),
            (SupervisorState.Active, SupervisorState.Armed),
            (SupervisorState.Armed, SupervisorState.SafeStop),
        }));
        Assert.That(bench.Events.All(e => e.Message.Length > 0 && e.ToString().Contains(e.Reason.ToString(), StringComparison.Ordinal)));
    }
}
