using System.Text;
using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Tests.Mosquitto;

/// <summary>
/// The deployed ACL (deploy/mosquitto/acl) on a real mosquitto, over mutual TLS: units reach only their own
/// topics, the dashboard reads the fleet and commands it, the observer only reads.
/// </summary>
[TestFixture]
public sealed class BrokerAclTests : MosquittoFixture
{
    /// <summary>How long a message that must NOT arrive is waited for; the allowed ones arrive in milliseconds.</summary>
    private static readonly TimeSpan SilenceWindow = TimeSpan.FromSeconds(1.5);

    [Test]
    public async Task The_dashboard_receives_what_a_unit_publishes_on_its_own_topics()
    {
        await using var dashboard = await MqttTestClient.ConnectTlsAsync(Broker, "dashboard");
        Assert.That(await dashboard.SubscribeAsync("edgebci/v1/#"), Is.EqualTo(MqttClientSubscribeResultCode.GrantedQoS1));
        await using var unit = await MqttTestClient.ConnectTlsAsync(Broker, "unit-1");

        var status = await unit.PublishAsync("edgebci/v1/unit-1/status", """{"online":true}""", retain: true);
        await unit.PublishAsync("edgebci/v1/unit-1/telemetry", """{"uptimeSeconds":1}""", MqttQualityOfServiceLevel.AtMostOnce);
        var firstEvent = await unit.PublishAsync("edgebci/v1/unit-1/events", """{"seq":1}""");
        var secondEvent = await unit.PublishAsync("edgebci/v1/unit-1/events", """{"seq":2}""");

        Assert.That(new[] { status.ReasonCode, firstEvent.ReasonCode, secondEvent.ReasonCode }, Is.All.EqualTo(MqttClientPublishReasonCode.Success));
        Assert.That((await dashboard.WaitForTopicAsync("edgebci/v1/unit-1/status")).Payload, Is.EqualTo("""{"online":true}"""));
        Assert.That((await dashboard.WaitForTopicAsync("edgebci/v1/unit-1/telemetry")).Payload, Is.EqualTo("""{"uptimeSeconds":1}"""));
        await dashboard.WaitForAsync(message => message.Payload == """{"seq":2}""", "second event");
        var events = dashboard.Received.Where(message => message.Topic == "edgebci/v1/unit-1/events").Select(message => message.Payload);
        Assert.That(events, Is.EqualTo(new[] { """{"seq":1}""", """{"seq":2}""" }), "QoS 1 events arrive once each, in order");
    }

    [Test]
    public async Task The_observer_cannot_publish_a_command_and_the_unit_never_receives_it()
    {
        await using var unit = await MqttTestClient.ConnectTlsAsync(Broker, "unit-1");
        Assert.That(await unit.SubscribeAsync("edgebci/v1/unit-1/cmd/#"), Is.EqualTo(MqttClientSubscribeResultCode.GrantedQoS1));
        await using var observer = await MqttTestClient.ConnectTlsAsync(Broker, "observer");

        var command = await observer.PublishAsync("edgebci/v1/unit-1/cmd/stop", "{}");
        var fakeStatus = await observer.PublishAsync("edgebci/v1/unit-1/status", """{"online":false}""", retain: true);
        var ownTopic = await observer.PublishAsync("edgebci/v1/observer/status", "{}");
        var reply = await observer.PublishAsync("edgebci/v1/replies/dashboard/1", "{}");

        Assert.That(new[] { command.ReasonCode, fakeStatus.ReasonCode, ownTopic.ReasonCode, reply.ReasonCode }, Is.All.EqualTo(MqttClientPublishReasonCode.NotAuthorized), Broker.Log);
        await Task.Delay(SilenceWindow);
        Assert.That(unit.Received, Is.Empty);
    }

    [Test]
    public async Task The_observer_reads_the_fleet()
    {
        await using var observer = await MqttTestClient.ConnectTlsAsync(Broker, "observer");
        await observer.SubscribeAsync("edgebci/v1/+/telemetry");
        await using var unit = await MqttTestClient.ConnectTlsAsync(Broker, "unit-2");

        await unit.PublishAsync("edgebci/v1/unit-2/telemetry", """{"frames":1}""");

        Assert.That((await observer.WaitForTopicAsync("edgebci/v1/unit-2/telemetry")).Payload, Is.EqualTo("""{"frames":1}"""));
    }

    [Test]
    public async Task Unit_2_can_neither_publish_on_unit_1s_topics_nor_read_its_commands()
    {
        await using var dashboard = await MqttTestClient.ConnectTlsAsync(Broker, "dashboard");
        await dashboard.SubscribeAsync("edgebci/v1/unit-1/#");
        await using var intruder = await MqttTestClient.ConnectTlsAsync(Broker, "unit-2");
        // Mosquitto may grant the subscription and filter at delivery; either way nothing may reach unit-2.
        await intruder.SubscribeAsync("edgebci/v1/unit-1/cmd/#");
        await intruder.SubscribeAsync("edgebci/v1/+/cmd/#");

        var results = new List<MqttClientPublishReasonCode>();
        foreach (var topic in new[] { "edgebci/v1/unit-1/status", "edgebci/v1/unit-1/telemetry", "edgebci/v1/unit-1/events", "edgebci/v1/unit-1/cmd/stop" })
        {
            results.Add((await intruder.PublishAsync(topic, """{"forged":true}""")).ReasonCode);
        }

        var command = await dashboard.PublishAsync("edgebci/v1/unit-1/cmd/self-test", "{}");

        Assert.That(results, Is.All.EqualTo(MqttClientPublishReasonCode.NotAuthorized), Broker.Log);
        Assert.That(command.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.NoMatchingSubscribers).Or.EqualTo(MqttClientPublishReasonCode.Success));
        await dashboard.WaitForTopicAsync("edgebci/v1/unit-1/cmd/self-test");
        await Task.Delay(SilenceWindow);
        Assert.That(intruder.Received, Is.Empty, "unit-2 must not read unit-1's commands");
        Assert.That(dashboard.Received.Where(message => message.Payload.Contains("forged", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task The_dashboard_sends_a_command_and_receives_the_answer_on_its_reply_topic()
    {
        await using var unit = await MqttTestClient.ConnectTlsAsync(Broker, "unit-1");
        await unit.SubscribeAsync("edgebci/v1/unit-1/cmd/#");
        await using var dashboard = await MqttTestClient.ConnectTlsAsync(Broker, "dashboard");
        await dashboard.SubscribeAsync("edgebci/v1/replies/dashboard/#");
        var correlation = Guid.NewGuid().ToByteArray();

        var request = new MqttApplicationMessageBuilder()
            .WithTopic("edgebci/v1/unit-1/cmd/report-configuration")
            .WithPayload("{}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic("edgebci/v1/replies/dashboard/session-1")
            .WithCorrelationData(correlation)
            .WithUserProperty("sender", Encoding.UTF8.GetBytes("dashboard"))
            .Build();
        var sent = await dashboard.Client.PublishAsync(request);
        var received = await unit.WaitForTopicAsync("edgebci/v1/unit-1/cmd/report-configuration");

        var response = new MqttApplicationMessageBuilder()
            .WithTopic(received.ResponseTopic)
            .WithPayload("""{"schema":"edgebci.command-result/1","command":"report-configuration","ok":true}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithCorrelationData(received.CorrelationData)
            .Build();
        var answered = await unit.Client.PublishAsync(response);
        var answer = await dashboard.WaitForTopicAsync("edgebci/v1/replies/dashboard/session-1");

        Assert.That(sent.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.Success));
        Assert.That(received.ResponseTopic, Is.EqualTo("edgebci/v1/replies/dashboard/session-1"));
        Assert.That(answered.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.Success), Broker.Log);
        Assert.That(answer.CorrelationData, Is.EqualTo(correlation));
        Assert.That(Encoding.UTF8.GetBytes(answer.Payload), Has.Length.GreaterThan(0));
    }

    [Test]
    public async Task A_unit_cannot_read_another_requesters_replies_or_the_dashboards_reply_topic()
    {
        await using var dashboard = await MqttTestClient.ConnectTlsAsync(Broker, "dashboard");
        await using var unit = await MqttTestClient.ConnectTlsAsync(Broker, "unit-2");
        await unit.SubscribeAsync("edgebci/v1/replies/#");

        await dashboard.PublishAsync("edgebci/v1/replies/dashboard/private", "{}");

        await Task.Delay(SilenceWindow);
        Assert.That(unit.Received, Is.Empty);
    }

    /// <summary>
    /// The verdict table the embedded broker's matcher is tested with (<see cref="Tests.Broker.BrokerAccessListTests"/>), here on
    /// mosquitto itself: a write is judged by the PUBACK, a read by whether a message published by an identity that may
    /// write the topic reaches a subscriber with that identity.
    /// </summary>
    [TestCaseSource(typeof(Tests.Broker.AclVerdicts), nameof(Tests.Broker.AclVerdicts.Cases))]
    public async Task Mosquitto_gives_the_same_verdicts_as_the_embedded_brokers_matcher(string identity, string topic, string access, bool allowed)
    {
        await using var client = await MqttTestClient.ConnectTlsAsync(Broker, identity);
        if (access == "write")
        {
            var published = await client.PublishAsync(topic, "{}");
            Assert.That(published.ReasonCode == MqttClientPublishReasonCode.NotAuthorized, Is.EqualTo(!allowed), $"{identity} write {topic}: {published.ReasonCode}\n{Broker.Log}");
            return;
        }

        var granted = await client.SubscribeAsync(topic);
        var writerIdentity = topic.Contains("/cmd/", StringComparison.Ordinal) || topic.Contains("/replies/", StringComparison.Ordinal) ? "dashboard" : topic.Split('/')[2];
        await using var writer = await MqttTestClient.ConnectTlsAsync(Broker, writerIdentity);
        var sent = await writer.PublishAsync(topic, """{"verdict":1}""");
        Assert.That(sent.ReasonCode, Is.Not.EqualTo(MqttClientPublishReasonCode.NotAuthorized), $"the writer {writerIdentity} may write {topic}");
        if (allowed)
        {
            Assert.That(granted, Is.EqualTo(MqttClientSubscribeResultCode.GrantedQoS1));
            await client.WaitForTopicAsync(topic);
        }
        else
        {
            await Task.Delay(SilenceWindow);
            Assert.That(client.Received, Is.Empty, $"{identity} must not read {topic}");
        }
    }
}
