using EdgeBci.Tests.Shared;
using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Tests.Mosquitto;

/// <summary>
/// The unit's MQTT will on a real mosquitto: when the unit's connection dies without a DISCONNECT (process killed,
/// network gone) the broker publishes the retained online:false status. The connection is severed by resetting a
/// TCP relay in front of the broker; the test that kills the real firmware process belongs to the firmware tests.
/// </summary>
[TestFixture]
public sealed class BrokerWillTests : MosquittoFixture
{
    private const string StatusTopic = "edgebci/v1/unit-1/status";
    private const string StartedAt = "2026-11-26T01:00:00.000Z";

    [Test]
    public async Task A_severed_unit_connection_publishes_the_retained_offline_status_to_live_and_late_subscribers()
    {
        await using var dashboard = await MqttTestClient.ConnectTlsAsync(Broker, "dashboard");
        await dashboard.SubscribeAsync(StatusTopic);
        using var relay = new TcpRelay(Broker.TlsPort);
        var unitOptions = MqttTestClient.TlsOptions(relay.Port, Broker.ClientCertificate("unit-1"), Broker.Certificates.Authority, "unit-1")
            .WithWillTopic(StatusTopic)
            .WithWillPayload(Status(online: false))
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await using var unit = await MqttTestClient.ConnectAsync(unitOptions);
        await unit.PublishAsync(StatusTopic, Status(online: true), retain: true);
        await dashboard.WaitForAsync(message => message.Payload.Contains("\"online\":true", StringComparison.Ordinal), "online status");

        relay.Abort();

        var will = await dashboard.WaitForAsync(message => message.Payload.Contains("\"online\":false", StringComparison.Ordinal), "will (online:false)");
        Assert.That(will.Payload, Is.EqualTo(Status(online: false)), Broker.Log);
        Assert.That(JsonSchemaCheck.Load(RepositoryRoot.File("deploy/schemas/status.schema.json")).Validate(will.Payload), Is.Empty, "the will is a status document");
        await using var late = await MqttTestClient.ConnectTlsAsync(Broker, "observer");
        await late.SubscribeAsync(StatusTopic);
        var retained = await late.WaitForTopicAsync(StatusTopic);
        Assert.That(retained.Retain, Is.True, "the will replaces the retained status");
        Assert.That(retained.Payload, Is.EqualTo(Status(online: false)));
    }

    [Test]
    public async Task A_graceful_disconnect_does_not_publish_the_will()
    {
        await using var dashboard = await MqttTestClient.ConnectTlsAsync(Broker, "dashboard");
        await dashboard.SubscribeAsync("edgebci/v1/unit-2/status");
        var unitOptions = MqttTestClient.TlsOptions(Broker, "unit-2", "unit-2")
            .WithWillTopic("edgebci/v1/unit-2/status")
            .WithWillPayload("""{"online":false,"will":true}""")
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var unit = await MqttTestClient.ConnectAsync(unitOptions);
        await unit.PublishAsync("edgebci/v1/unit-2/status", """{"online":false,"will":false}""", retain: true);

        await unit.DisposeAsync();

        await dashboard.WaitForAsync(message => message.Payload.Contains("\"will\":false", StringComparison.Ordinal), "graceful offline status");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.That(dashboard.Received.Where(message => message.Payload.Contains("\"will\":true", StringComparison.Ordinal)), Is.Empty);
    }

    private static string Status(bool online) =>
        $$"""{"schema":"edgebci.status/1","deviceId":"unit-1","online":{{(online ? "true" : "false")}},"firmwareVersion":"0.1.0","board":"emulator","model":null,"startedAt":"{{StartedAt}}","time":"{{StartedAt}}"}""";
}
