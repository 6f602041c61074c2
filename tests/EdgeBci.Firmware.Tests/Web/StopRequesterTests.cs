using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware.Tests.Web;

public class StopRequesterTests
{
    [Test]
    public async Task The_page_asks_for_a_remote_stop_on_its_own_channel_and_hears_what_the_supervisor_did()
    {
        var asked = new List<(RequestKind, string)>();
        var requester = new StopRequester((kind, channel) =>
        {
            asked.Add((kind, channel));
            return Task.FromResult(new RemoteAnswer(LocalReply.Ok("Active -> SafeStop: remote stop"), SupervisorState.SafeStop, 1));
        });

        var answer = await requester.RequestStopAsync("tablet-1", CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(asked, Is.EqualTo(new[] { (RequestKind.Stop, "web:tablet-1") }), "only ever a stop, never an arm");
            Assert.That(answer.Stopped, Is.True);
            Assert.That(answer.Reply, Is.EqualTo("Active -> SafeStop: remote stop"));
        });
    }

    [Test]
    public async Task A_stop_the_supervisor_did_not_answer_in_time_is_not_reported_as_stopped()
    {
        var requester = new StopRequester((_, _) =>
            Task.FromResult(new RemoteAnswer(LocalReply.Error("Stop requested, but the supervisor did not tick within 1 s"), SupervisorState.Active, null)));

        var answer = await requester.RequestStopAsync("tablet", CancellationToken.None);

        Assert.That(answer.Stopped, Is.False);
        Assert.That(answer.Reply, Does.Contain("did not tick"));
    }

    [TestCase("tablet\nfake log line", "web:tablet_fake_log_line")]
    [TestCase("", "web:unknown")]
    [TestCase("192.168.1.20:5555", "web:192.168.1.20:5555")]
    public void The_caller_never_forges_a_log_line(string caller, string channel)
    {
        Assert.That(StopRequester.Channel(caller), Is.EqualTo(channel));
    }

    [Test]
    public void A_long_caller_is_cut()
    {
        Assert.That(StopRequester.Channel(new string('a', 500)), Has.Length.EqualTo(4 + StopRequester.MaximumCallerLength));
    }
}
