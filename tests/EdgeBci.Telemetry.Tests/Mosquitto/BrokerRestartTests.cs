using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;

namespace EdgeBci.Telemetry.Tests.Mosquitto;

/// <summary>
/// A broker restart with persistence (the harness's Stop/Start on the same ports): a persistent session keeps its
/// subscription and receives the QoS 1 messages published while it was away, and the retained status survives.
/// The 60 s outage acceptance test with the real uplink uses the same Stop/Start.
/// </summary>
[TestFixture]
public sealed class BrokerRestartTests : MosquittoFixture
{
    [Test]
    public async Task A_persistent_session_and_the_retained_status_survive_aBroker_restart()
    {
        var (tlsPort, plainPort) = (Broker.TlsPort, Broker.PlainPort);
        var dashboardId = $"dashboard-{Guid.NewGuid():N}";
        await using (var dashboard = await MqttTestClient.ConnectAsync(PersistentDashboard(dashboardId)))
        {
            await dashboard.SubscribeAsync("edgebci/v1/+/events");
            await dashboard.Client.DisconnectAsync(dashboard.DisconnectKeepingSession());
        }

        await using (var unit = await MqttTestClient.ConnectTlsAsync(Broker, "unit-1"))
        {
            await unit.PublishAsync("edgebci/v1/unit-1/status", """{"online":true}""", retain: true);
        }

        await Broker.StopAsync();
        Assert.That(Broker.IsRunning, Is.False);
        Assert.That(async () => await MqttTestClient.ConnectTlsAsync(Broker, "unit-1"), Throws.Exception, "the broker is down");
        await Broker.StartAsync();

        Assert.That((Broker.TlsPort, Broker.PlainPort), Is.EqualTo((tlsPort, plainPort)));
        await using (var unit = await MqttTestClient.ConnectTlsAsync(Broker, "unit-1"))
        {
            for (var seq = 1; seq <= 3; seq++)
            {
                await unit.PublishAsync("edgebci/v1/unit-1/events", $$"""{"seq":{{seq}}}""");
            }
        }

        await using var resumed = await MqttTestClient.ConnectAsync(PersistentDashboard(dashboardId));
        await resumed.WaitForAsync(message => message.Payload == """{"seq":3}""", "third queued event");
        Assert.That(resumed.Received.Select(message => message.Payload), Is.EqualTo(new[] { """{"seq":1}""", """{"seq":2}""", """{"seq":3}""" }), Broker.Log);
        await using var observer = await MqttTestClient.ConnectTlsAsync(Broker, "observer");
        await observer.SubscribeAsync("edgebci/v1/unit-1/status");
        var status = await observer.WaitForTopicAsync("edgebci/v1/unit-1/status");
        Assert.That(status.Retain, Is.True);
        Assert.That(status.Payload, Is.EqualTo("""{"online":true}"""));
    }

    /// <summary>
    /// A session that survives disconnects and broker restarts. Clean start is false even on the very first
    /// connection: mosquitto 2.0.11 keeps a clean-start session with an expiry in memory but does not write it to
    /// its persistence file, so it would be gone after a restart (found by this test).
    /// </summary>
    private MqttClientOptions PersistentDashboard(string clientId) =>
        MqttTestClient.TlsOptions(Broker, "dashboard", clientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(3600)
            .Build();
}
