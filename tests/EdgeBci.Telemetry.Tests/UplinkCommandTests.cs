using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using EdgeBci.Telemetry.Broker;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;
using EdgeBci.Telemetry.Uplink;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Tests;

public class UplinkCommandTests
{
    private const string Device = "unit-1";
    private readonly BrokerCredentials _credentials = TestBrokerCredentials.Create();

    private EmbeddedBroker _broker = null!;
    private string _folder = null!;
    private MqttUplink _uplink = null!;
    private ConcurrentQueue<CommandRequest> _stops = null!;
    private MqttOptions _options = null!;

    [SetUp]
    public async Task Start()
    {
        _folder = Samples.TempFolder();
        _broker = TestBrokerCredentials.Broker(_credentials);
        await _broker.StartAsync();
        _options = UplinkTests.OptionsFor(_broker.Port, _credentials);

        // The hostile-request test checks every answer; the pending-answer bound has its own test (CommandIntakeRulesTests).
        _options.MaxPendingResponses = 10_000;
        _options.Commands["stop"] = new CommandPermission { AllowedSenders = ["ops"] };
        _options.Commands["self-test"] = new CommandPermission { Enabled = false };
        _stops = new ConcurrentQueue<CommandRequest>();
        var dispatcher = new CommandDispatcher(_options);
        dispatcher.Register(CommandNames.Stop, request =>
        {
            request.Args.RejectUnknown("reason");
            request.Args.OptionalString("reason");
            _stops.Enqueue(request);
            return CommandOutcome.Ok(new Dictionary<string, string> { ["state"] = "SafeStop" });
        });
        dispatcher.Register(CommandNames.Disarm, request =>
        {
            request.Args.RejectUnknown();
            return CommandOutcome.Ok();
        });
        _uplink = new MqttUplink(_options, new UplinkIdentity(Device, "0.1.0", "emulator", DateTimeOffset.UnixEpoch), dispatcher, _folder,
            TimeProvider.System, NullLogger<MqttUplink>.Instance);
        await _uplink.StartAsync(CancellationToken.None);
        var deadline = Stopwatch.StartNew();
        while (!_uplink.IsConnected)
        {
            Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "the uplink did not connect");
            await Task.Delay(20);
        }
    }

    [TearDown]
    public async Task Stop()
    {
        await _uplink.DisposeAsync();
        await _broker.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private static MqttApplicationMessage Request(string name, string payload, string? responseTopic, byte[]? correlation, string? claimedSender = null)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(MqttTopics.Command(Device, name))
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithMessageExpiryInterval(60);
        if (responseTopic is not null)
        {
            builder.WithResponseTopic(responseTopic);
        }

        if (correlation is not null)
        {
            builder.WithCorrelationData(correlation);
        }

        if (claimedSender is not null)
        {
            builder.WithUserProperty("sender", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(claimedSender)));
        }

        return builder.Build();
    }

    private static CommandResult ResultOf(MqttApplicationMessage message) => TelemetryJson.DeserializeCommandResult(message.Payload.ToArray());

    [Test]
    public async Task Stop_reaches_the_handler_and_the_answer_returns_on_the_response_topic_with_the_correlation_data()
    {
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", "ops/responses");
        var correlation = new byte[] { 1, 2, 3, 250 };
        await ops.Client.PublishAsync(Request("stop", "{\"args\":{\"reason\":\"fleet\"}}", "ops/responses", correlation, claimedSender: "someone-else"));
        var response = await ops.WaitForAsync(m => m.Topic == "ops/responses", "the stop response");
        var result = ResultOf(response);
        Assert.Multiple(() =>
        {
            Assert.That(response.CorrelationData, Is.EqualTo(correlation));
            Assert.That(result.Ok, Is.True);
            Assert.That(result.Command, Is.EqualTo("stop"));
            Assert.That(result.Result!["state"]!.GetValue<string>(), Is.EqualTo("SafeStop"));
            Assert.That(_stops.Single().Sender, Is.EqualTo("ops"), "the embedded broker replaces the claimed sender with the authenticated user name");
        });
    }

    [TestCase("arm", "{}", CommandErrorCodes.UnknownCommand)]
    [TestCase("move", "{\"args\":{\"speed\":1}}", CommandErrorCodes.UnknownCommand)]
    [TestCase("stop", "{\"args\":", CommandErrorCodes.BadJson)]
    [TestCase("stop", "{\"args\":{\"reason\":5}}", CommandErrorCodes.BadArguments)]
    [TestCase("self-test", "{}", CommandErrorCodes.Disabled)]
    public async Task Rejections_are_answered_with_their_code(string name, string payload, string code)
    {
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", "ops/responses");
        await ops.Client.PublishAsync(Request(name, payload, "ops/responses", [7]));
        var result = ResultOf(await ops.WaitForAsync(m => m.Topic == "ops/responses", "the response"));
        Assert.That(result.Ok, Is.False);
        Assert.That(result.Error!.Code, Is.EqualTo(code));
        Assert.That(_stops, Is.Empty);
    }

    [Test]
    public async Task Too_large_and_not_authorised_are_answered()
    {
        await using var intruder = await Probe.ConnectAsync(_broker.Port, _credentials, "intruder", "intruder/responses");
        await intruder.Client.PublishAsync(Request("stop", "{}", "intruder/responses", [1], claimedSender: "ops"));
        await intruder.Client.PublishAsync(Request("disarm", "{\"args\":{\"x\":\"" + new string('x', 5000) + "\"}}", "intruder/responses", [2]));
        await intruder.WaitUntilAsync(r => r.Count >= 2, "two responses");
        var byCorrelation = intruder.Received.ToDictionary(m => m.CorrelationData![0], ResultOf);
        Assert.That(byCorrelation[1].Error!.Code, Is.EqualTo(CommandErrorCodes.NotAuthorised), "claiming to be ops does not help");
        Assert.That(byCorrelation[2].Error!.Code, Is.EqualTo(CommandErrorCodes.TooLarge));
        Assert.That(_stops, Is.Empty);
    }

    [Test]
    public async Task Without_a_response_topic_the_result_goes_only_to_the_events_topic()
    {
        await using var monitor = await Probe.ConnectAsync(_broker.Port, _credentials, "monitor", "#");
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops");
        await ops.Client.PublishAsync(Request("stop", "{}", responseTopic: null, correlation: null));
        var logged = await monitor.WaitForAsync(m => m.Topic == MqttTopics.Events(Device) && TelemetryJson.DeserializeEvent(m.Payload.ToArray()).Kind == EventKinds.Command, "the command event");
        var message = TelemetryJson.DeserializeEvent(logged.Payload.ToArray());
        Assert.That(message.Severity, Is.EqualTo(EventSeverities.Info));
        Assert.That(message.Data["command"], Is.EqualTo("stop"));
        Assert.That(message.Data["sender"], Is.EqualTo("ops"));
        Assert.That(_stops, Has.Count.EqualTo(1));
        Assert.That(monitor.Received.Where(m => !m.Topic.StartsWith("edgebci/v1/", StringComparison.Ordinal)), Is.Empty, "no response was published anywhere");
    }

    [Test]
    public async Task A_response_topic_inside_the_units_own_topics_is_not_used()
    {
        await using var monitor = await Probe.ConnectAsync(_broker.Port, _credentials, "monitor", MqttTopics.Status(Device), MqttTopics.Events(Device));
        await monitor.WaitForAsync(m => m.Topic == MqttTopics.Status(Device), "the retained status");
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops");
        await ops.Client.PublishAsync(Request("stop", "{}", MqttTopics.Status(Device), [9]));
        var logged = await monitor.WaitForAsync(m => m.Topic == MqttTopics.Events(Device), "the command event");
        Assert.That(TelemetryJson.DeserializeEvent(logged.Payload.ToArray()).Data["responseNotSent"], Does.Contain("inside the fleet's topics"));
        Assert.That(monitor.Received.Count(m => m.Topic == MqttTopics.Status(Device)), Is.EqualTo(1));
    }

    [Test]
    public async Task Hundreds_of_hostile_requests_through_the_broker_are_each_answered_as_the_dispatcher_decides_and_rejections_are_rate_limited()
    {
        await using var monitor = await Probe.ConnectAsync(_broker.Port, _credentials, "monitor", MqttTopics.Events(Device));
        await using var ops = await Probe.ConnectAsync(_broker.Port, _credentials, "ops", "fuzz/ops");
        await using var intruder = await Probe.ConnectAsync(_broker.Port, _credentials, "intruder", "fuzz/intruder");

        // The oracle: the same dispatcher rules, fed the identity the embedded broker stamps.
        var oracleStops = 0;
        var oracle = new CommandDispatcher(_options);
        oracle.Register(CommandNames.Stop, request =>
        {
            request.Args.RejectUnknown("reason");
            request.Args.OptionalString("reason");
            oracleStops++;
            return CommandOutcome.Ok();
        });
        oracle.Register(CommandNames.Disarm, request =>
        {
            request.Args.RejectUnknown();
            return CommandOutcome.Ok();
        });

        var random = new Random(7);
        var expected = new Dictionary<int, string>();
        var sent = 0;
        while (sent < 300)
        {
            var request = HostileRequests.Next(random, Device);
            if (!request.Topic.Contains("/cmd/", StringComparison.Ordinal) || request.Name.Length == 0 || request.Name.AsSpan().IndexOfAny("/+#\u0000") >= 0)
            {
                continue; // not publishable as a single command-topic level
            }

            var sender = sent % 3 == 0 ? intruder : ops;
            var senderId = sender == ops ? "ops" : "intruder";
            var verdict = oracle.Dispatch(request.Topic, request.Payload, senderId);
            expected[sent] = verdict.Ok ? "ok" : verdict.Error!.Code;
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(request.Topic)
                .WithPayload(request.Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithMessageExpiryInterval(60)
                .WithResponseTopic($"fuzz/{senderId}")
                .WithCorrelationData(BitConverter.GetBytes(sent))
                .WithUserProperty("sender", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(request.Sender ?? "forged")))
                .Build();
            await sender.Client.PublishAsync(message);
            sent++;
        }

        await ops.WaitUntilAsync(_ => ops.Received.Count + intruder.Received.Count >= sent, $"{sent} responses", 30000);
        var answered = ops.Received.Concat(intruder.Received).ToDictionary(m => BitConverter.ToInt32(m.CorrelationData), ResultOf);
        Assert.That(answered.Keys, Is.EquivalentTo(expected.Keys));
        foreach (var (id, code) in expected)
        {
            Assert.That(answered[id].Ok ? "ok" : answered[id].Error!.Code, Is.EqualTo(code), $"request {id}");
        }

        Assert.That(_stops, Has.Count.EqualTo(oracleStops));
        Assert.That(_stops.Select(s => s.Sender), Has.All.EqualTo("ops"));

        var rejections = expected.Values.Count(c => c != "ok");
        await monitor.WaitUntilAsync(r => r.Any(m => Probe.Text(m).Contains("further command rejections not logged", StringComparison.Ordinal)), "the suppression summary");
        var rejectionEvents = monitor.Received.Select(m => TelemetryJson.DeserializeEvent(m.Payload.ToArray()))
            .Count(e => e.Kind == EventKinds.Command && e.Message.Contains(" rejected: ", StringComparison.Ordinal));
        Assert.That(rejectionEvents, Is.LessThan(rejections), "rejection events are rate-limited");
        Assert.That(_uplink.Counters.CommandsReceived, Is.EqualTo(sent));
        Assert.That(_uplink.Counters.CommandsRejected, Is.EqualTo(rejections));
    }
}
