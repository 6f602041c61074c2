using EdgeBci.Control.Actuators;
using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// How a request is answered from the events of the ticks that consumed it: a stop or disarm is never answered with
/// someone else's refused arm from the same tick, and an arm is Ok only when the supervisor ends up armed.
/// </summary>
public class OperatorRequestsAnswerTests
{
    private static readonly SupervisorEvent OtherArmRefused =
        new(TimeSpan.FromMilliseconds(10), SupervisorState.SafeStop, SupervisorState.SafeStop, SupervisorReason.ArmRefused, "cannot arm: a stop in the same tick wins; requested by uid 1000 (pi) (LocalCli)");

    [Test]
    public void A_stop_consumed_beside_a_refused_arm_is_answered_ok_with_the_state_it_holds()
    {
        var output = Output(SupervisorState.SafeStop, OtherArmRefused);

        var reply = OperatorRequests.Answer(RequestKind.Stop, output.Events, output, SupervisorReason.RemoteStop);

        Assert.That(reply.Kind, Is.EqualTo(LocalReplyKind.Ok), reply.ToString());
        Assert.That(reply.Text, Does.Contain("SafeStop"));
    }

    [Test]
    public void A_disarm_consumed_beside_a_refused_arm_is_answered_ok()
    {
        var output = Output(SupervisorState.Disarmed, OtherArmRefused);

        var reply = OperatorRequests.Answer(RequestKind.Disarm, output.Events, output, null);

        Assert.That(reply.Kind, Is.EqualTo(LocalReplyKind.Ok), reply.ToString());
    }

    [Test]
    public void An_arm_that_lost_to_a_stop_is_refused_with_the_supervisors_reason()
    {
        var output = Output(SupervisorState.SafeStop, OtherArmRefused);

        var reply = OperatorRequests.Answer(RequestKind.Arm, output.Events, output, SupervisorReason.RemoteStop);

        Assert.That(reply.Kind, Is.EqualTo(LocalReplyKind.Refused));
        Assert.That(reply.Text, Does.Contain("a stop in the same tick wins"));
    }

    [Test]
    public void An_arm_with_no_event_while_stopped_is_refused_naming_the_latched_stop()
    {
        var output = Output(SupervisorState.SafeStop);

        var reply = OperatorRequests.Answer(RequestKind.Arm, output.Events, output, SupervisorReason.RemoteStop);

        Assert.That(reply.Kind, Is.EqualTo(LocalReplyKind.Refused));
        Assert.That(reply.Text, Does.Contain("not armed: supervisor is SafeStop (RemoteStop latched)"));
    }

    private static SupervisorOutput Output(SupervisorState state, params SupervisorEvent[] events) =>
        new(TimeSpan.FromMilliseconds(10), state, new ActuatorCommand(0, 0), null, events);
}
