using System.Text;
using System.Text.Json.Nodes;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;
using EdgeBci.Telemetry.Uplink;
using Microsoft.Extensions.Time.Testing;

namespace EdgeBci.Telemetry.Tests;

/// <summary>The intake's rules one by one, without a broker: where answers may go, which requests are fresh, the bounds.</summary>
public class CommandIntakeRulesTests
{
    private const string Device = "unit-1";

    [TestCase("edgebci/v1/replies/dashboard/stop")]
    [TestCase("edgebci/v1/replies/dashboard")]
    [TestCase("ops/responses")]
    [TestCase("fleet/answers/\u00e9t\u00e9/\U0001F600")]
    public void A_reply_topic_outside_the_fleets_and_the_brokers_topics_is_used(string topic) =>
        Assert.That(ResponseTopicCheck.Problem(topic), Is.Null);

    [TestCase("", "empty")]
    [TestCase("edgebci/v1/replies/+/x", "wildcard")]
    [TestCase("edgebci/v1/replies/#", "wildcard")]
    [TestCase("edgebci/v1/replies/a\u0000b", "control character")]
    [TestCase("edgebci/v1/replies/a\u001fb", "control character")]
    [TestCase("edgebci/v1/replies/a\u007fb", "control character")]
    [TestCase("edgebci/v1/replies/\uFFFD", "not valid UTF-8")]
    [TestCase("edgebci/v1/replies/\uD800", "not valid UTF-8")]
    [TestCase("edgebci/v1/replies/\uDC00x", "not valid UTF-8")]
    [TestCase("$SYS/broker/clients", "starts with '$'")]
    [TestCase("$share/g/edgebci/v1/replies/x", "starts with '$'")]
    [TestCase("edgebci/v1/unit-2/status", "inside the fleet's topics")]
    [TestCase("edgebci/v1/unit-1/events", "inside the fleet's topics")]
    [TestCase("edgebci/v1/unit-1/cmd/stop", "inside the fleet's topics")]
    [TestCase("edgebci/v1/replies/", "empty level")]
    [TestCase("edgebci/v1/replies", "inside the fleet's topics")]
    [TestCase("edgebci/v1/replies//x", "empty level")]
    [TestCase("/replies", "empty level")]
    [TestCase("homeassistant/sensor/edgebci_unit-1/state/config", "Home Assistant")]
    public void A_reply_topic_that_would_write_where_the_requester_must_not_is_refused(string topic, string why) =>
        Assert.That(ResponseTopicCheck.Problem(topic), Does.Contain(why));

    [Test]
    public void A_reply_topic_of_silly_length_is_refused()
    {
        Assert.That(ResponseTopicCheck.Problem("edgebci/v1/replies/" + new string('a', ResponseTopicCheck.MaxLength)), Does.Contain("characters long"));
        Assert.That(ResponseTopicCheck.Problem("r/" + new string('a', ResponseTopicCheck.MaxLength - 2)), Is.Null, "the limit itself is fine");
    }

    [TestCase("disarm", true, 60u, CommandErrorCodes.Retained)]
    [TestCase("self-test", false, 0u, CommandErrorCodes.Stale)]
    [TestCase("set-log-level", false, 301u, CommandErrorCodes.Stale)]
    [TestCase("report-configuration", true, 0u, CommandErrorCodes.Retained)]
    public void Retained_and_unexpiring_requests_are_refused(string name, bool retained, uint expiry, string code) =>
        Assert.That(CommandFreshness.Check(name, retained, expiry, 300)?.Code, Is.EqualTo(code));

    [TestCase("stop", true, 0u)]
    [TestCase("stop", false, 0u)]
    [TestCase("stop", true, 100_000u)]
    [TestCase("disarm", false, 300u)]
    [TestCase("self-test", false, 1u)]
    public void A_stop_is_always_fresh_and_others_are_within_the_limit(string name, bool retained, uint expiry) =>
        Assert.That(CommandFreshness.Check(name, retained, expiry, 300), Is.Null);

    [Test]
    public void A_queued_command_whose_expiry_passed_while_it_waited_is_answered_stale_and_not_run()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var dispatcher = new CommandDispatcher(new MqttOptions { DeviceId = Device }, clock);
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var ran = new List<string>();
        dispatcher.Register(CommandNames.SelfTest, args => args.RejectUnknown(), _ =>
        {
            started.Set();
            release.Wait(TimeSpan.FromSeconds(30));
            return CommandOutcome.Ok();
        });
        dispatcher.Register(CommandNames.StopRecording, args => args.RejectUnknown(), _ =>
        {
            lock (ran)
            {
                ran.Add("stop-recording");
            }

            return CommandOutcome.Ok();
        });
        var worker = new QueuedCommandWorker(dispatcher, 4, 100);
        worker.Start();
        try
        {
            var answers = new System.Collections.Concurrent.BlockingCollection<CommandResult>();
            var oneSecond = clock.TimestampFrequency;
            Assert.That(worker.TryEnqueue(Admit(dispatcher, "self-test"), clock.GetTimestamp() + (60 * oneSecond), answers.Add, out _), Is.True);
            Assert.That(started.Wait(TimeSpan.FromSeconds(30)), Is.True, "the first command runs");
            Assert.That(worker.TryEnqueue(Admit(dispatcher, "stop-recording"), clock.GetTimestamp() + oneSecond, answers.Add, out _), Is.True);
            clock.Advance(TimeSpan.FromSeconds(2));
            release.Set();
            Assert.That(answers.TryTake(out var first, TimeSpan.FromSeconds(30)), Is.True, "the first answer");
            Assert.That(answers.TryTake(out var second, TimeSpan.FromSeconds(30)), Is.True, "the second answer");
            Assert.Multiple(() =>
            {
                Assert.That(first!.Ok, Is.True);
                Assert.That(second!.Error!.Code, Is.EqualTo(CommandErrorCodes.Stale));
                Assert.That(second.Error.Message, Does.Contain("expiry passed while it waited"));
                Assert.That(ran, Is.Empty, "the stale command never ran");
            });
        }
        finally
        {
            release.Set();
            worker.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Test]
    public void Pending_responses_are_bounded_and_the_oldest_dropped_and_counted()
    {
        var queue = new ResponseQueue(3);
        for (var i = 0; i < 5; i++)
        {
            queue.Enqueue(new PendingResponse($"r/{i}", [], null));
        }

        var left = new List<string>();
        while (queue.TryDequeue(out var response))
        {
            left.Add(response.Topic);
        }

        Assert.That(left, Is.EqualTo(new[] { "r/2", "r/3", "r/4" }));
        Assert.That(queue.Dropped, Is.EqualTo(2));
    }

    [Test]
    public void A_stops_answer_is_neither_dropped_nor_delayed_by_a_flood_of_other_answers()
    {
        var queue = new ResponseQueue(3);
        queue.Enqueue(new PendingResponse("r/flood-0", [], null));
        queue.Enqueue(new PendingResponse("r/stop", [], null), urgent: true);
        for (var i = 1; i < 100; i++)
        {
            queue.Enqueue(new PendingResponse($"r/flood-{i}", [], null));
        }

        Assert.That(queue.TryDequeue(out var first), Is.True);
        Assert.That(first.Topic, Is.EqualTo("r/stop"));
        Assert.That(queue.Dropped, Is.EqualTo(97));
    }

    [Test]
    public void A_flood_of_accepted_commands_is_summarised_not_logged_one_event_each_and_a_private_result_is_never_in_an_event()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var events = new List<(string Message, IReadOnlyDictionary<string, string>? Data)>();
        var log = new CommandEventLog(clock, (_, _, message, data) => events.Add((message, data)));
        log.Log(Ok("report-configuration", new JsonObject { ["Mqtt:Broker"] = "embedded" }), "dashboard", null);
        for (var i = 0; i < 1000; i++)
        {
            log.Log(Ok("stop", new JsonObject { ["state"] = "SafeStop" }), "dashboard", null);
        }

        clock.Advance(TimeSpan.FromSeconds(1.5));
        log.PublishClosedSummaries();
        Assert.Multiple(() =>
        {
            Assert.That(events.Count(e => e.Message.EndsWith(": ok", StringComparison.Ordinal)), Is.EqualTo(RejectionEventLimiter.PerSecond));
            Assert.That(events.Single(e => e.Message.Contains("further accepted commands", StringComparison.Ordinal)).Data!["suppressed"], Is.EqualTo("991"));
            Assert.That(events[0].Data!["command"], Is.EqualTo("report-configuration"), "its event is logged");
            Assert.That(events[0].Data!.ContainsKey("result"), Is.False, "without its result");
            Assert.That(events[1].Data!["result"], Does.Contain("SafeStop"), "other results are in their events");
        });
    }

    private static CommandResult Ok(string name, JsonNode result) =>
        new() { Command = name, Ok = true, Result = result, Error = null, Time = DateTimeOffset.UnixEpoch };

    private static AdmittedCommand Admit(CommandDispatcher dispatcher, string name)
    {
        var admission = dispatcher.Admit(MqttTopics.Command(Device, name), (ReadOnlySpan<byte>)Encoding.UTF8.GetBytes("{}"), "ops", dispatcher.Time.GetTimestamp());
        return admission.Command ?? throw new AssertionException(admission.Refusal!.Error!.Message);
    }
}
