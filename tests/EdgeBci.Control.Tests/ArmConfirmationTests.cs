using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>
/// Where the arm button is wired, an arm request from the unit's CLI arms only when the button confirms it within
/// 10 s; the button alone arms nothing. Times are exact: the bench ticks every 10 ms.
/// </summary>
public class ArmConfirmationTests
{
    private const string Caller = "uid 1000 (pi)";

    private static Bench Wired()
    {
        var bench = new Bench(new ControlOptions { ArmButtonPin = 17 });
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        return bench;
    }

    /// <summary>Queues the request for the next tick, runs it, returns that tick's time and output.</summary>
    private static (TimeSpan At, SupervisorOutput Output) Press(Bench bench, RequestOrigin origin, string? caller = null)
    {
        var at = bench.Now;
        bench.World.Request(RequestKind.Arm, origin, caller);
        return (at, bench.Tick());
    }

    /// <summary>Ticks until the next tick is at <paramref name="time"/>.</summary>
    private static void RunTo(Bench bench, TimeSpan time)
    {
        while (bench.Now < time)
        {
            bench.Tick();
        }

        Assert.That(bench.Now, Is.EqualTo(time), "the tick grid reaches this time exactly");
    }

    [Test]
    public void The_button_being_wired_decides_whether_confirmation_is_required()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new SafetySupervisor(new ControlOptions { ArmButtonPin = 17 }).RequiresArmConfirmation);
            Assert.That(new SafetySupervisor(new ControlOptions { ArmButtonPin = 0 }).RequiresArmConfirmation);
            Assert.That(new SafetySupervisor(new ControlOptions()).RequiresArmConfirmation, Is.False);
        });
    }

    [Test]
    public void A_cli_arm_only_opens_the_window_and_names_the_caller()
    {
        var bench = Wired();
        var (at, output) = Press(bench, RequestOrigin.LocalCli, Caller);
        var pending = output.Events.Single();
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(pending.Reason, Is.EqualTo(SupervisorReason.ArmPending));
            Assert.That(pending.Message, Does.Contain(Caller).And.Contain("press the arm button within 10 s"));
            Assert.That(bench.Supervisor.PendingArm?.Caller, Is.EqualTo(Caller));
        });

        bench.RunFor(TimeSpan.FromSeconds(5));
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed), "nothing arms without the button");
        Assert.That(bench.Outputs.All(o => o.Command.IsNeutral));
        Assert.That(at, Is.EqualTo(pending.Time));
    }

    [Test]
    public void The_button_at_exactly_10_s_confirms_and_the_armed_event_names_caller_button_and_model()
    {
        var bench = Wired();
        var (requested, _) = Press(bench, RequestOrigin.LocalCli, Caller);
        RunTo(bench, requested + TimeSpan.FromSeconds(10));
        var (_, output) = Press(bench, RequestOrigin.LocalButton);
        var armed = output.Events.Single();
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(SupervisorState.Armed));
            Assert.That(armed.Reason, Is.EqualTo(SupervisorReason.Armed));
            Assert.That(armed.Message, Does.Contain(Caller).And.Contain("confirmed by the arm button").And.Contain("'bench-model v1'"));
            Assert.That(bench.Supervisor.PendingArm, Is.Null);
        });
    }

    [Test]
    public void The_window_expires_in_the_first_tick_after_10_s_and_a_late_press_is_refused()
    {
        var bench = Wired();
        var (requested, _) = Press(bench, RequestOrigin.LocalCli, Caller);
        RunTo(bench, requested + TimeSpan.FromSeconds(10));
        Assert.That(bench.Tick().Events, Is.Empty, "still open at 10 s");
        var (at, output) = Press(bench, RequestOrigin.LocalButton);
        Assert.Multiple(() =>
        {
            Assert.That(at - requested, Is.EqualTo(TimeSpan.FromMilliseconds(10_010)));
            Assert.That(output.Events.Select(e => e.Reason), Is.EqualTo(new[] { SupervisorReason.ArmExpired, SupervisorReason.ArmRefused }));
            Assert.That(output.Events[0].Message, Does.Contain(Caller).And.Contain("not confirmed by the arm button within 10 s"));
            Assert.That(output.Events[1].Message, Does.Contain("none pending"));
            Assert.That(output.State, Is.EqualTo(SupervisorState.Disarmed));
        });
    }

    [Test]
    public void The_window_expires_by_itself_and_is_recorded()
    {
        var bench = Wired();
        var (requested, _) = Press(bench, RequestOrigin.LocalCli, Caller);
        var (output, at) = bench.RunUntil(o => o.Events.Count > 0, TimeSpan.FromSeconds(11));
        Assert.That(at - requested, Is.EqualTo(TimeSpan.FromMilliseconds(10_010)));
        Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.ArmExpired));
        Assert.That(bench.Supervisor.PendingArm, Is.Null);
    }

    [Test]
    public void The_button_with_no_pending_request_is_refused()
    {
        var bench = Wired();
        var (_, output) = Press(bench, RequestOrigin.LocalButton);
        Assert.Multiple(() =>
        {
            Assert.That(output.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.ArmRefused));
            Assert.That(output.Events.Single().Message, Does.Contain("the arm button confirms an 'edgebci arm' request; none pending"));
        });
    }

    [Test]
    public void A_confirmation_while_a_precondition_fails_is_refused_naming_the_caller_and_uses_up_the_request()
    {
        var bench = Wired();
        var (requested, _) = Press(bench, RequestOrigin.LocalCli, Caller);
        bench.RunFor(TimeSpan.FromSeconds(2));
        bench.World.EStopClosed = false;
        var (_, refused) = Press(bench, RequestOrigin.LocalButton);
        bench.World.EStopClosed = true;
        var (_, again) = Press(bench, RequestOrigin.LocalButton);
        Assert.Multiple(() =>
        {
            Assert.That(refused.Events.Single().Reason, Is.EqualTo(SupervisorReason.ArmRefused));
            Assert.That(refused.Events.Single().Message, Does.Contain(Caller).And.Contain("EStopOpen"));
            Assert.That(again.Events.Single().Message, Does.Contain("none pending"), "one request, one confirmation");
            Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
            Assert.That(bench.Now - requested, Is.LessThan(TimeSpan.FromSeconds(10)));
        });
    }

    [TestCase(RequestKind.Stop, SupervisorState.SafeStop)]
    [TestCase(RequestKind.Disarm, SupervisorState.Disarmed)]
    public void A_stop_or_disarm_clears_the_pending_request(RequestKind kind, SupervisorState after)
    {
        var bench = Wired();
        Press(bench, RequestOrigin.LocalCli, Caller);
        bench.RunFor(TimeSpan.FromSeconds(1));
        bench.World.Request(kind, RequestOrigin.Remote);
        bench.Tick();
        Assert.That(bench.Supervisor.PendingArm, Is.Null);
        var (_, output) = Press(bench, RequestOrigin.LocalButton);
        Assert.Multiple(() =>
        {
            Assert.That(output.Events.Single().Message, Does.Contain("none pending"));
            Assert.That(output.State, Is.EqualTo(after));
        });
    }

    [Test]
    public void A_request_and_its_confirmation_in_one_tick_arm_in_that_order_only()
    {
        var bench = Wired();
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalCli, Caller);
        var output = bench.Tick();
        Assert.That(output.Events.Select(e => e.Reason), Is.EqualTo(new[] { SupervisorReason.ArmRefused, SupervisorReason.ArmPending }), "a press before the request confirms nothing");

        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalCli, Caller);
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        output = bench.Tick();
        Assert.That(output.Events.Select(e => e.Reason), Is.EqualTo(new[] { SupervisorReason.ArmPending, SupervisorReason.Armed }));
    }

    [Test]
    public void A_new_cli_request_restarts_the_window()
    {
        var bench = Wired();
        Press(bench, RequestOrigin.LocalCli, Caller);
        bench.RunFor(TimeSpan.FromSeconds(8));
        var (second, _) = Press(bench, RequestOrigin.LocalCli, "uid 0 (root)");
        RunTo(bench, second + TimeSpan.FromSeconds(10));
        var (_, output) = Press(bench, RequestOrigin.LocalButton);
        Assert.That(output.State, Is.EqualTo(SupervisorState.Armed));
        Assert.That(output.Events.Single().Message, Does.Contain("uid 0 (root)"));
    }

    [Test]
    public void Without_a_wired_button_a_cli_arm_arms_alone_and_refusals_name_the_caller()
    {
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.ModelVerified = false;
        var (_, refused) = Press(bench, RequestOrigin.LocalCli, Caller);
        bench.World.ModelVerified = true;
        var (_, armed) = Press(bench, RequestOrigin.LocalCli, Caller);
        Assert.Multiple(() =>
        {
            Assert.That(refused.Events.Single().Reason, Is.EqualTo(SupervisorReason.ArmRefused));
            Assert.That(refused.Events.Single().Message, Does.Contain(Caller).And.Contain("ModelFault"));
            Assert.That(armed.State, Is.EqualTo(SupervisorState.Armed));
            Assert.That(armed.Events.Single().Message, Does.Contain($"armed by {Caller} (LocalCli) with model 'bench-model v1'"));
        });
    }

    [Test]
    public void A_remote_arm_is_refused_naming_the_caller()
    {
        var bench = Wired();
        bench.World.Request(RequestKind.Arm, RequestOrigin.Remote, "mqtt client app-7");
        var output = bench.Tick();
        Assert.That(output.Events.Single().Reason, Is.EqualTo(SupervisorReason.RequestRefused));
        Assert.That(output.Events.Single().Message, Does.Contain("mqtt client app-7"));
    }
}
