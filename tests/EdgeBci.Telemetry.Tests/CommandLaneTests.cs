using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using EdgeBci.Telemetry.Broker;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;
using EdgeBci.Telemetry.Uplink;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Tests;

/// <summary>
/// The intake through a real broker: stop and disarm never wait behind a slow command, slow commands run one at a time
/// and are refused <c>busy</c> beyond the queue and the rate, retained and unexpiring requests are refused (a stop is
/// honoured), answers never go where the requester must not write, and report-configuration answers only its requester.
/// </summary>
public class CommandLaneTests
{
    private const string Device = "unit-1";
    private const string Replies = "edgebci/v1/replies/ops/x";

    private EmbeddedBroker _broker = null!;
    private BrokerCredentials _credentials = null!;
    private string _folder = null!;
    private MqttUplink? _uplink;
    private ManualResetEventSlim _release = null!;
    private int _selfTestsStarted;
    private int _stops;
    private int _reports;
    private TaskCompletionSource<CommandOutcome>? _stopAnswer;

    [SetUp]
    public async Task StartBroker()
    {
        _folder = Samples.TempFolder();
        _credentials = TestBrokerCredentials.Create();
        _broker = TestBrokerCredentials.Broker(_credentials);
        await _broker.StartAsync();
        _release = new ManualResetEventSlim();
        _selfTestsStarted = 0;
        _stops = 0;
        _reports = 0;
    }

    [TearDown]
    public async Task Stop()
    {
        _release.Set();
        if (_uplink is not null)
        {
            await _uplink.DisposeAsync();
        }

        await _broker.DisposeAsync();
        _release.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task A_stop_is_answered_while_a_slow_command_still_runs()
    {
        await StartUplinkAsync();
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", Replies);
        await ops.Client.PublishAsync(Request("self-test", Replies, [1]));
        await WaitUntilAsync(() => Volatile.Read(ref _selfTestsStarted) == 1, "the self-test to start");
        await ops.Client.PublishAsync(Request("stop", Replies, [2]));
        var answer = await ops.WaitForAsync(m => m.CorrelationData?[0] == 2, "the stop's answer while the self-test blocks");
        Assert.Multiple(() =>
        {
            Assert.That(TelemetryJson.DeserializeCommandResult(answer.Payload.ToArray()).Ok, Is.True);
            Assert.That(_release.IsSet, Is.False, "the self-test was still running");
            Assert.That(ops.Received.Any(m => m.CorrelationData?[0] == 1), Is.False, "the self-test was not answered yet");
        });
        _release.Set();
        await ops.WaitForAsync(m => m.CorrelationData?[0] == 1, "the self-test's answer once released");
    }

    [Test]
    public async Task Slow_commands_beyond_the_queue_are_answered_busy_at_once_and_run_one_at_a_time()
    {
        await StartUplinkAsync(o => (o.QueuedCommandCapacity, o.QueuedCommandsPerSecond) = (2, 1000));
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", Replies);
        await ops.Client.PublishAsync(Request("self-test", Replies, [0]));
        await WaitUntilAsync(() => Volatile.Read(ref _selfTestsStarted) == 1, "the first self-test to start");
        for (byte i = 1; i <= 6; i++)
        {
            await ops.Client.PublishAsync(Request("self-test", Replies, [i]));
        }

        // One runs (blocked), at most two wait: at least four of the six are answered busy while it still blocks.
        await ops.WaitUntilAsync(r => r.Count >= 4, "four busy answers");
        var busy = ops.Received.Select(m => TelemetryJson.DeserializeCommandResult(m.Payload.ToArray())).ToList();
        Assert.That(busy.Select(r => r.Error?.Code), Has.All.EqualTo(CommandErrorCodes.Busy));
        Assert.That(busy[0].Error!.Message, Does.Contain("one at a time").And.Contain("wait now"));
        Assert.That(Volatile.Read(ref _selfTestsStarted), Is.EqualTo(1), "one handler at a time");
        _release.Set();
        await ops.WaitUntilAsync(r => r.Count >= 7, "every request answered");
        var answers = ops.Received.Select(m => TelemetryJson.DeserializeCommandResult(m.Payload.ToArray())).ToList();
        Assert.That(answers.Count(a => a.Ok), Is.InRange(1, 3));
        Assert.That(_uplink!.Counters.CommandsBusy, Is.EqualTo(answers.Count(a => !a.Ok)));
    }

    [Test]
    public async Task Slow_commands_beyond_the_rate_are_answered_busy()
    {
        _release.Set();
        await StartUplinkAsync(o => (o.QueuedCommandCapacity, o.QueuedCommandsPerSecond) = (3, 1));
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", Replies);
        var clock = Stopwatch.StartNew();
        const int Sent = 20;
        for (byte i = 0; i < Sent; i++)
        {
            await ops.Client.PublishAsync(Request("self-test", Replies, [i]));
        }

        await ops.WaitUntilAsync(r => r.Count >= Sent, "every request answered");
        var seconds = Math.Ceiling(clock.Elapsed.TotalSeconds);
        var ok = ops.Received.Count(m => TelemetryJson.DeserializeCommandResult(m.Payload.ToArray()).Ok);
        TestContext.Out.WriteLine($"{ok} of {Sent} self-tests ran in {clock.Elapsed.TotalSeconds:0.00} s at 1/s with a bucket of 3");
        Assert.That(ok, Is.LessThanOrEqualTo(3 + seconds), "the bucket's tokens plus one per elapsed second");
        Assert.That(ok, Is.GreaterThanOrEqualTo(3), "a full bucket admits a burst of its size");
    }

    [Test]
    public async Task Retained_and_unexpiring_requests_are_refused_but_a_stop_is_always_honoured()
    {
        await StartUplinkAsync();
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", Replies);

        // The embedded broker refuses a retained command other than stop outright; the unit's own refusal of one that
        // another broker delivers (and replays at every reconnect) is in CommandIntakeRulesTests and, against mosquitto
        // with the deployed ACL, in the firmware's CommandFreshnessTests.
        var retainedDisarm = await ops.Client.PublishAsync(Request("disarm", Replies, [1], retain: true));
        await ops.Client.PublishAsync(Request("disarm", Replies, [2], expiry: 0));
        await ops.Client.PublishAsync(Request("disarm", Replies, [3], expiry: 301));
        await ops.Client.PublishAsync(Request("stop", Replies, [4], retain: true, expiry: 0));
        await ops.Client.PublishAsync(Request("stop", Replies, [5], expiry: 0));
        await ops.Client.PublishAsync(Request("disarm", Replies, [6]));
        await ops.WaitUntilAsync(r => r.Count >= 5, "five answers");
        var byId = ops.Received.ToDictionary(m => m.CorrelationData![0], m => TelemetryJson.DeserializeCommandResult(m.Payload.ToArray()));
        Assert.Multiple(() =>
        {
            Assert.That(retainedDisarm.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.NotAuthorized), retainedDisarm.ReasonString);
            Assert.That(byId.ContainsKey(1), Is.False, "the retained disarm never reached the unit");
            Assert.That(byId[2].Error?.Code, Is.EqualTo(CommandErrorCodes.Stale));
            Assert.That(byId[2].Error?.Message, Does.Contain("no MQTT 5 message expiry"));
            Assert.That(byId[3].Error?.Code, Is.EqualTo(CommandErrorCodes.Stale));
            Assert.That(byId[4].Ok, Is.True, "a retained stop is honoured");
            Assert.That(byId[5].Ok, Is.True, "a stop without expiry is honoured");
            Assert.That(byId[6].Ok, Is.True, "a fresh disarm is honoured");
            Assert.That(Volatile.Read(ref _stops), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task A_flood_of_answers_does_not_hold_back_the_events()
    {
        // Answers and events share the one connection: the events (a STOP's among them) must get their turn while a
        // flood keeps the answer queue full, not wait until it is empty.
        const int Flood = 3000;
        await StartUplinkAsync(o => o.MaxPendingResponses = 10_000);
        await using var monitor = await Probe.ConnectAsync(_broker.Port, _credentials, "monitor", MqttTopics.Events(Device));
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", Replies);
        var flood = new Task[Flood];
        for (var i = 0; i < Flood; i++)
        {
            // Unknown: each is answered at once on the receive thread, so the answers pile up faster than they go out.
            flood[i] = ops.Client.PublishAsync(Request("arm", Replies, BitConverter.GetBytes(i)));
        }

        await ops.WaitUntilAsync(r => r.Count >= 100, "the first answers");
        _uplink!.PublishEvent(EventKinds.Supervisor, EventSeverities.Critical, "Armed -> SafeStop RemoteStop: flood probe");
        await monitor.WaitForAsync(m => Probe.Text(m).Contains("flood probe", StringComparison.Ordinal), "the event during the flood", 30_000);
        var answeredBeforeTheEvent = ops.Received.Count;
        await Task.WhenAll(flood);
        await ops.WaitUntilAsync(r => r.Count >= Flood, "every answer", 60_000);
        TestContext.Out.WriteLine($"the event arrived after {answeredBeforeTheEvent} of {Flood} answers");
        Assert.That(answeredBeforeTheEvent, Is.LessThan(Flood / 2), "the event went out among the answers, not after them");
    }

    [Test]
    public async Task Stop_answers_awaited_for_the_supervisor_are_bounded_and_the_rest_answered_at_once()
    {
        _stopAnswer = new TaskCompletionSource<CommandOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        await StartUplinkAsync(o => o.MaxPendingResponses = 2);
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", Replies);
        for (byte i = 0; i < 5; i++)
        {
            await ops.Client.PublishAsync(Request("stop", Replies, [i]));
        }

        // Three are answered at once; the answer queue (also bounded by 2 here) may drop the oldest of them, never all.
        // Wait for the fifth hand-over too: two answers can be out before the last stop reaches the supervisor (CI saw 4 of 5).
        await ops.WaitUntilAsync(r => r.Count >= 2 && Volatile.Read(ref _stops) == 5, "stops answered without waiting, every stop handed over");
        var early = ops.Received.Select(m => TelemetryJson.DeserializeCommandResult(m.Payload.ToArray())).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(Volatile.Read(ref _stops), Is.EqualTo(5), "every stop was handed over");
            Assert.That(early.Select(r => r.Result!["message"]!.GetValue<string>()), Has.All.Contain("does not wait for its tick"));
        });
        _stopAnswer.SetResult(CommandOutcome.Ok(new JsonObject { ["state"] = "SafeStop" }));
        await ops.WaitUntilAsync(
            r => r.Count(m => TelemetryJson.DeserializeCommandResult(m.Payload.ToArray()).Result!["message"] is null) == 2,
            "the two awaited answers once the supervisor answered");
        Assert.That(ops.Received.Count + _uplink!.Counters.ResponsesDropped, Is.EqualTo(5), "every answer published or counted as dropped");
    }

    [TestCase("$SYS/broker/x")]
    [TestCase("edgebci/v1/unit-2/status")]
    [TestCase("edgebci/v1/replies/+/x")]
    public async Task An_answer_is_never_published_where_the_requester_must_not_write(string topic)
    {
        await StartUplinkAsync();
        await using var monitor = await Probe.ConnectAsync(_broker.Port, _credentials, "monitor", "#", "$SYS/#");
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops");
        await ops.Client.PublishAsync(Request("stop", topic, [9]));
        var logged = await monitor.WaitForAsync(m => m.Topic == MqttTopics.Events(Device) && TelemetryJson.DeserializeEvent(m.Payload.ToArray()).Kind == EventKinds.Command, "the command event");
        Assert.That(TelemetryJson.DeserializeEvent(logged.Payload.ToArray()).Data["responseNotSent"], Is.Not.Empty);
        var request = MqttTopics.Command(Device, "stop");
        Assert.That(monitor.Received.Where(m => m.Topic != request && (m.CorrelationData is not null || !m.Topic.StartsWith($"edgebci/v1/{Device}/", StringComparison.Ordinal))), Is.Empty,
            "nothing but the unit's own topics and the request itself");
    }

    [Test]
    public async Task Report_configuration_answers_only_its_requester_and_never_the_events_topic()
    {
        await StartUplinkAsync();
        await using var monitor = await Probe.ConnectAsync(_broker.Port, _credentials, "monitor", MqttTopics.Events(Device));
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", Replies);
        await ops.Client.PublishAsync(Request("report-configuration", null, null));
        await ops.Client.PublishAsync(Request("report-configuration", "$SYS/x", [2]));
        await ops.Client.PublishAsync(Request("report-configuration", Replies, [3]));
        var answer = TelemetryJson.DeserializeCommandResult((await ops.WaitForAsync(m => m.CorrelationData?[0] == 3, "the answer")).Payload.ToArray());
        await monitor.WaitUntilAsync(r => r.Count(m => Probe.Text(m).Contains("report-configuration", StringComparison.Ordinal)) >= 3, "three command events");
        var events = monitor.Received.Select(m => TelemetryJson.DeserializeEvent(m.Payload.ToArray())).Where(e => e.Kind == EventKinds.Command).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(answer.Result!["Mqtt:Broker"]!.GetValue<string>(), Is.EqualTo("embedded"));
            Assert.That(Volatile.Read(ref _reports), Is.EqualTo(1), "run only for the request with a usable response topic");
            Assert.That(events.Count(e => e.Data.GetValueOrDefault("code") == CommandErrorCodes.NoResponseTopic), Is.EqualTo(2));
            Assert.That(events.Single(e => e.Data.GetValueOrDefault("code") == CommandErrorCodes.NoResponseTopic && e.Data.ContainsKey("responseNotSent") == false).Data["error"], Does.Contain("no response topic"));
            Assert.That(monitor.Received.Where(m => Probe.Text(m).Contains("Mqtt:Broker", StringComparison.Ordinal)), Is.Empty, "the result is never in an event");
        });
    }

    private async Task StartUplinkAsync(Action<MqttOptions>? configure = null)
    {
        var options = UplinkTests.OptionsFor(_broker.Port, _credentials);
        configure?.Invoke(options);
        var dispatcher = new CommandDispatcher(options);
        dispatcher.Register(CommandNames.Stop, args => args.RejectUnknown(), _ =>
        {
            Interlocked.Increment(ref _stops);
            return _stopAnswer?.Task ?? Task.FromResult(CommandOutcome.Ok(new JsonObject { ["state"] = "SafeStop" }));
        });
        dispatcher.Register(CommandNames.Disarm, args => args.RejectUnknown(), _ => CommandOutcome.Ok());
        dispatcher.Register(CommandNames.SelfTest, args => args.RejectUnknown(), _ =>
        {
            Interlocked.Increment(ref _selfTestsStarted);
            _release.Wait(TimeSpan.FromSeconds(60));
            Interlocked.Decrement(ref _selfTestsStarted);
            return CommandOutcome.Ok();
        });
        dispatcher.Register(CommandNames.ReportConfiguration, args => args.RejectUnknown(), _ =>
        {
            Interlocked.Increment(ref _reports);
            return CommandOutcome.Ok(new JsonObject { ["Mqtt:Broker"] = "embedded" });
        });
        _uplink = new MqttUplink(options, new UplinkIdentity(Device, "0.1.0", "emulator", DateTimeOffset.UnixEpoch), dispatcher, _folder,
            TimeProvider.System, NullLogger<MqttUplink>.Instance);
        await _uplink.StartAsync(CancellationToken.None);
        await WaitUntilAsync(() => _uplink.IsConnected, "the uplink to connect");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)), $"waited 20 s for {what}");
            await Task.Delay(10);
        }
    }

    private static MqttApplicationMessage Request(string name, string? responseTopic, byte[]? correlation, bool retain = false, uint expiry = 60)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(MqttTopics.Command(Device, name))
            .WithPayload(Encoding.UTF8.GetBytes("{}"))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain);
        if (expiry > 0)
        {
            builder.WithMessageExpiryInterval(expiry);
        }

        if (responseTopic is not null)
        {
            builder.WithResponseTopic(responseTopic);
        }

        if (correlation is not null)
        {
            builder.WithCorrelationData(correlation);
        }

        return builder.Build();
    }
}
