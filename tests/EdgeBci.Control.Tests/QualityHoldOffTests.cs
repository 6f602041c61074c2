using EdgeBci.Control.Supervision;

namespace EdgeBci.Control.Tests;

/// <summary>
/// The arming rule uses the signal stage's quality memory: a required channel that is settling (good again after a
/// fault, but not yet for the whole hold-off, or not judged yet) refuses arming; a channel that is not required does
/// not; an unknown focus is not focus. The STOP rules are unchanged.
/// </summary>
public class QualityHoldOffTests
{
    [Test]
    public void A_required_channel_within_its_hold_off_refuses_arming_until_it_has_settled()
    {
        var bench = new Bench();
        bench.World.SetChannel(2, new ChannelState("C3", QualityGood: true, Settling: true));
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalCli);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
        Assert.That(bench.Last!.Events.Single().Reason, Is.EqualTo(SupervisorReason.ArmRefused));
        Assert.That(bench.Last.Events.Single().Message, Is.EqualTo("cannot arm: C3 has not been good for the quality hold-off yet (ChannelQuality)"));

        bench.World.SetChannel(2, new ChannelState("C3", QualityGood: true));
        bench.Tick();
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalCli);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));
    }

    [Test]
    public void At_switch_on_a_required_channel_not_yet_good_for_the_hold_off_refuses_arming_and_says_why()
    {
        var bench = new Bench();
        bench.World.SetChannel(2, new ChannelState("C3", QualityGood: true, Settling: true, SettlingReason: "since switch-on"));
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
        Assert.That(bench.Last!.Events.Single().Message,
            Is.EqualTo("cannot arm: C3 has not been good for the quality hold-off yet (settling since switch-on) (ChannelQuality)"));

        bench.World.SetChannel(2, new ChannelState("C3", QualityGood: true, Settling: true, SettlingReason: "after railed"));
        bench.Tick();
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Last!.Events.Single().Message, Does.Contain("C3 has not been good for the quality hold-off yet (settling after railed)"));

        bench.World.SetChannel(2, new ChannelState("C3", QualityGood: true));
        bench.Tick();
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed), "armed once the hold-off has passed");
    }

    [Test]
    public void A_settling_channel_that_is_not_required_does_not_hold_arming_back()
    {
        var bench = new Bench(new ControlOptions { RequiredChannels = ["C3", "C4"] });
        bench.World.SetChannel(0, new ChannelState("FC3", QualityGood: true, Settling: true));
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));
    }

    [Test]
    public void A_dead_channel_still_stops_by_the_existing_rule_and_its_hold_off_keeps_the_unit_from_re_arming()
    {
        var bench = new Bench();
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Armed));

        bench.World.SetChannel(2, new ChannelState("C3", QualityGood: false));
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.SafeStop));
        Assert.That(bench.Supervisor.LatchedReason, Is.EqualTo(SupervisorReason.ChannelQuality));

        bench.World.SetChannel(2, new ChannelState("C3", QualityGood: true, Settling: true));
        bench.RunFor(TimeSpan.FromMilliseconds(100));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.SafeStop), "no re-arm while C3 settles");
    }

    [Test]
    public void With_RequireFocus_an_unknown_focus_refuses_arming()
    {
        var bench = new Bench(new ControlOptions { RequireFocus = true, FocusThreshold = 0.5 });
        bench.World.Focus = null;
        bench.RunFor(TimeSpan.FromMilliseconds(300));
        bench.World.Request(RequestKind.Arm, RequestOrigin.LocalButton);
        bench.Tick();
        Assert.That(bench.Supervisor.State, Is.EqualTo(SupervisorState.Disarmed));
        Assert.That(bench.Last!.Events.Single().Message, Does.Contain("focus unknown is below 0.50"));
    }
}
