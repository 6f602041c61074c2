using System.Text;
using EdgeBci.Telemetry.Broker;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Tests.Broker;

/// <summary>The embedded broker's policy in process, on a small ACL and small limits: what the firmware attack tests cannot reach with the deployed ACL.</summary>
[NonParallelizable]
public sealed class EmbeddedBrokerTests
{
    private const string Acl = """
        pattern write edgebci/v1/%u/status
        pattern write edgebci/v1/replies/#
        user dashboard
        topic readwrite store/#
        topic read edgebci/v1/#
        topic write edgebci/v1/+/cmd/#
        topic readwrite edgebci/v1/replies/dashboard/#
        user observer
        topic read edgebci/v1/#
        topic read store/#
        topic deny store/secret/#
        topic deny edgebci/v1/replies/#
        """;

    private BrokerCredentials _credentials = null!;
    private EmbeddedBroker _broker = null!;

    [SetUp]
    public async Task Start()
    {
        _credentials = BrokerCredentials.EnsureFor(Path.Combine(Path.GetTempPath(), $"edgebci-broker-test-{Guid.NewGuid():N}", "credentials.json"), ["unit-1", "dashboard", "observer"]);
        var options = new MqttOptions { EmbeddedPort = 0, DeviceId = "unit-1", EmbeddedMaxRetainedMessages = 4, EmbeddedMaxRetainedBytes = 4096 };
        _broker = new EmbeddedBroker(options, _credentials, BrokerAccessList.Parse("test.acl", Acl));
        await _broker.StartAsync();
    }

    [TearDown]
    public async Task Stop()
    {
        await _broker.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_credentials.Path)!, recursive: true);
    }

    [Test]
    public async Task The_retained_budget_refuses_over_its_limits_and_a_deletion_frees()
    {
        await using var dashboard = await Probe.ConnectAsync(_broker.Port, _credentials, "dashboard");
        var results = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 6; i++)
        {
            results.Add((await PublishAsync(dashboard, $"store/{i}", new string('x', 900), retain: true)).ReasonCode);
        }

        var deleted = await PublishAsync(dashboard, "store/0", string.Empty, retain: true);
        var afterDeletion = await PublishAsync(dashboard, "store/9", new string('x', 900), retain: true);

        Assert.That(results.Take(4), Has.All.Not.EqualTo(MqttClientPublishReasonCode.QuotaExceeded));
        Assert.That(results.Skip(4), Has.All.EqualTo(MqttClientPublishReasonCode.QuotaExceeded), "4 messages at most");
        Assert.That(deleted.ReasonCode, Is.Not.EqualTo(MqttClientPublishReasonCode.QuotaExceeded));
        Assert.That(afterDeletion.ReasonCode, Is.Not.EqualTo(MqttClientPublishReasonCode.QuotaExceeded), "the deletion freed a place");
        Assert.That(_broker.Retained.Count, Is.EqualTo(4));
        Assert.That(_broker.Retained.Bytes, Is.EqualTo(3600));
    }

    [Test]
    public async Task A_retained_reply_or_stop_is_delivered_but_not_kept()
    {
        await using var dashboard = await Probe.ConnectAsync(_broker.Port, _credentials, "dashboard", "edgebci/v1/replies/dashboard/#", "edgebci/v1/unit-1/cmd/#");
        await PublishAsync(dashboard, "edgebci/v1/replies/dashboard/1", "{}", retain: true);
        await PublishAsync(dashboard, "edgebci/v1/unit-1/cmd/stop", "{}", retain: true);
        await dashboard.WaitUntilAsync(r => r.Count >= 2, "both delivered live");

        await using var late = await Probe.ConnectAsync(_broker.Port, _credentials, "dashboard", "edgebci/v1/replies/dashboard/#", "edgebci/v1/unit-1/cmd/#");
        await Task.Delay(500);
        Assert.That(late.Received, Is.Empty);
        Assert.That(_broker.Retained.Count, Is.Zero);
    }

    [Test]
    public async Task A_deny_line_holds_for_every_message_under_a_broad_subscription()
    {
        await using var observer = await Probe.ConnectAsync(_broker.Port, _credentials, "observer", "store/#");
        await using var dashboard = await Probe.ConnectAsync(_broker.Port, _credentials, "dashboard");
        await PublishAsync(dashboard, "store/secret/plan", "hidden");
        await PublishAsync(dashboard, "store/open/news", "shown");

        await observer.WaitForAsync(m => m.Topic == "store/open/news", "the allowed message");
        Assert.That(observer.Received.Select(m => m.Topic), Is.EqualTo(new[] { "store/open/news" }));
    }

    [Test]
    public async Task A_subscription_no_grant_covers_is_refused()
    {
        await using var observer = await Probe.ConnectAsync(_broker.Port, _credentials, "observer");
        var result = await observer.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("#").WithTopicFilter("edgebci/v1/+/status").Build());
        Assert.That(result.Items.Select(i => i.ResultCode), Is.EqualTo(new[] { MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.GrantedQoS0 }));
    }

    [Test]
    public async Task The_units_will_is_published_when_it_drops()
    {
        await using var observer = await Probe.ConnectAsync(_broker.Port, _credentials, "observer", "edgebci/v1/unit-1/status");
        var unit = new MqttClientFactory().CreateMqttClient();
        await unit.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _broker.Port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("edgebci-unit-1").WithCredentials("unit-1", _credentials.For("unit-1").Password)
            .WithWillTopic("edgebci/v1/unit-1/status").WithWillPayload(Encoding.UTF8.GetBytes("""{"online":false}""")).WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        unit.Dispose(); // no DISCONNECT: the broker publishes the will

        var will = await observer.WaitForAsync(m => m.Topic == "edgebci/v1/unit-1/status", "the unit's will");
        Assert.That(Probe.Text(will), Is.EqualTo("""{"online":false}"""));
    }

    private static Task<MqttClientPublishResult> PublishAsync(Probe client, string topic, string payload, bool retain = false) =>
        client.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build());
}
