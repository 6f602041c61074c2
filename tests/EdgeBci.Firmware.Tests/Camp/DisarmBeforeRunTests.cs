using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware.Tests.Camp;

public class DisarmBeforeRunTests
{
    [TestCase(SupervisorState.Disarmed)]
    [TestCase(SupervisorState.SafeStop)]
    public async Task A_run_starts_once_the_supervisor_answers_that_the_chair_is_not_armed(SupervisorState after)
    {
        var asked = new List<(RequestKind Kind, string Channel)>();
        var disarm = new DisarmBeforeRun((kind, channel) =>
        {
            asked.Add((kind, channel));
            return Task.FromResult(new RemoteAnswer(LocalReply.Ok("Armed -> Disarmed: remote disarm"), after, 1));
        });
        var ran = false;

        var outcome = await disarm.RunAsync(() =>
        {
            ran = true;
            return Task.FromResult(new CampRunOutcome("completed", "done"));
        }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(asked, Is.EqualTo(new[] { (RequestKind.Disarm, DisarmBeforeRun.Channel) }), "a disarm, before anything else");
            Assert.That(ran, Is.True);
            Assert.That(outcome.State, Is.EqualTo("completed"));
        });
    }

    [TestCase(SupervisorState.Armed)]
    [TestCase(SupervisorState.Active)]
    [TestCase(null)]
    public async Task A_run_the_supervisor_did_not_disarm_for_never_starts(SupervisorState? after)
    {
        var disarm = new DisarmBeforeRun((_, _) =>
            Task.FromResult(new RemoteAnswer(LocalReply.Error("Disarm requested, but the supervisor did not tick within 1 s"), after, null)));
        var ran = false;

        var outcome = await disarm.RunAsync(() =>
        {
            ran = true;
            return Task.FromResult(new CampRunOutcome("completed", "done"));
        }, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(ran, Is.False, "a calibration with the chair armed would let the wearer's imagined moves drive it");
            Assert.That(outcome.State, Is.EqualTo("failed"));
            Assert.That(outcome.Detail, Does.Contain("could not be disarmed").And.Contain("did not tick"));
        });
    }
}
