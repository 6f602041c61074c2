using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;
using MQTTnet.Protocol;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// Issue 15, part 2 and 3 (the embedded broker): the attacks that worked on the emulator, repeated against one real
/// firmware process and its embedded broker, each as a local attacker on 127.0.0.1 would make them. The attacks are
/// grouped on one firmware because none disturbs the next: each ends with the unit connected and answering.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class BrokerAttackTests
{
    private const string Unit = "unit-1";
    private const string UnitClientId = "edgebci-" + Unit;

    /// <summary>Low, so the session-limit attack needs only a handful of connections.</summary>
    private const int MaxSessions = 8;

    /// <summary>A command allowed only to this sender: a client connecting with this client id must still not pass as it.</summary>
    private const string ConsoleSender = "ops-console";

    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SilenceWindow = TimeSpan.FromSeconds(1.5);

    private FirmwareProcess _firmware = null!;

    [OneTimeSetUp]
    public void StartFirmware()
    {
        _firmware = new FirmwareProcess($"--Mqtt:DeviceId={Unit}", $"--Mqtt:EmbeddedMaxSessions={MaxSessions}",
            $"--Mqtt:Commands:report-configuration:AllowedSenders:0={ConsoleSender}");
        EmbeddedBrokerClient.Port(_firmware);
        Assert.That(_firmware.WaitUntil(o => o.Contains("MQTT connected to", StringComparison.Ordinal), Startup), Is.True, _firmware.Output);
    }

    [OneTimeTearDown]
    public void StopFirmware() => _firmware.Dispose();

    [Test]
    public void Anonymous_unknown_and_wrong_password_connects_are_refused_and_logged()
    {
        var port = EmbeddedBrokerClient.Port(_firmware);
        var anonymous = new MqttClientOptionsBuilder().WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", port).WithClientId("anonymous").WithTimeout(TimeSpan.FromSeconds(10)).Build();
        var wrongPassword = EmbeddedBrokerClient.Options(_firmware, "dashboard").WithCredentials("dashboard", "guess").Build();
        var unknownUser = EmbeddedBrokerClient.Options(_firmware, "dashboard").WithCredentials("admin", EmbeddedBrokerClient.Credentials(_firmware).For("dashboard").Password).Build();

        foreach (var options in new[] { anonymous, wrongPassword, unknownUser })
        {
            var refused = Assert.ThrowsAsync<ConnectionRefusedException>(() => MqttTestClient.ConnectAsync(options));
            Assert.That(refused!.Message, Does.Contain("BadUserNameOrPassword"));
        }

        Assert.That(_firmware.WaitUntil(o => o.Contains("refused a connection from 127.0.0.1", StringComparison.Ordinal) && o.Contains("user admin", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            Is.True, "each refusal is logged with the remote endpoint and the user name\n" + _firmware.Output);
    }

    [Test]
    public async Task Nobody_else_connects_as_the_units_client_id_and_the_unit_stays_connected_and_obeys_a_stop()
    {
        var connectedBefore = _firmware.CountLines("MQTT connected to");
        var port = EmbeddedBrokerClient.Port(_firmware);
        var impostors = new[]
        {
            EmbeddedBrokerClient.Options(_firmware, "dashboard", UnitClientId).Build(),
            EmbeddedBrokerClient.Options(_firmware, "observer", UnitClientId).Build(),
            new MqttClientOptionsBuilder().WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithTcpServer("127.0.0.1", port).WithClientId(UnitClientId).Build(),
        };
        var refusals = new List<string>();
        for (var round = 0; round < 5; round++)
        {
            foreach (var options in impostors)
            {
                refusals.Add(Assert.ThrowsAsync<ConnectionRefusedException>(() => MqttTestClient.ConnectAsync(options))!.Message);
            }
        }

        // The unit's own user cannot hide behind another client id either.
        var unitElsewhere = Assert.ThrowsAsync<ConnectionRefusedException>(() => EmbeddedBrokerClient.ConnectAsync(_firmware, Unit, "not-the-unit"));

        await using var observer = await EmbeddedBrokerClient.ConnectAsync(_firmware, "observer");
        await observer.SubscribeAsync($"edgebci/v1/{Unit}/telemetry");
        await observer.WaitForTopicAsync($"edgebci/v1/{Unit}/telemetry", TimeSpan.FromSeconds(20));
        await using var dashboard = await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard");
        var stop = await CommandAsync(dashboard, "stop", "{}");

        Assert.Multiple(() =>
        {
            Assert.That(refusals, Has.All.Contain("NotAuthorized").Or.Contain("BadUserNameOrPassword"));
            Assert.That(refusals.Count(r => r.Contains("NotAuthorized", StringComparison.Ordinal)), Is.EqualTo(10), "with a valid password: refused for the client id");
            Assert.That(unitElsewhere!.Message, Does.Contain("NotAuthorized"));
            Assert.That(stop.GetProperty("ok").GetBoolean(), Is.True, stop.GetRawText());
            Assert.That(_firmware.CountLines("MQTT connected to"), Is.EqualTo(connectedBefore), "the unit's session was never taken over (no reconnect)");
            Assert.That(_firmware.HasExited, Is.False);
        });
    }

    [Test]
    public async Task The_observer_cannot_publish_a_command()
    {
        await using var observer = await EmbeddedBrokerClient.ConnectAsync(_firmware, "observer");
        var stop = await observer.Client.PublishAsync(Command("stop", "{}", "observer"));
        var disarm = await observer.Client.PublishAsync(Command("disarm", "{}", "observer"));

        Assert.That(new[] { stop.ReasonCode, disarm.ReasonCode }, Is.All.EqualTo(MqttClientPublishReasonCode.NotAuthorized));
        Assert.That(stop.ReasonString, Does.Contain($"edgebci/v1/{Unit}/cmd/stop"));
    }

    [Test]
    public async Task The_dashboard_cannot_forge_the_units_status_telemetry_or_events_nor_a_ghost_unit_nor_delete_the_status()
    {
        await using var dashboard = await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard");
        var forgeries = new (string Topic, string Payload, bool Retain)[]
        {
            ($"edgebci/v1/{Unit}/status", """{"online":false}""", true),
            ($"edgebci/v1/{Unit}/status", string.Empty, true),
            ($"edgebci/v1/{Unit}/telemetry", """{"supervisor":{"state":"Active"},"speed":1.5}""", false),
            ($"edgebci/v1/{Unit}/events", """{"kind":"fault","severity":"critical"}""", false),
            ("edgebci/v1/ghost-7/status", """{"online":true}""", true),
            ("edgebci/v1/dashboard/status", """{"online":true}""", true),
            ("homeassistant/sensor/edgebci_ghost/config", "{}", true),
        };
        var results = new List<string>();
        foreach (var (topic, payload, retain) in forgeries)
        {
            var result = await dashboard.PublishAsync(topic, payload, retain: retain);
            results.Add($"{topic}: {result.ReasonCode}");
        }

        await using var observer = await EmbeddedBrokerClient.ConnectAsync(_firmware, "observer");
        await observer.SubscribeAsync($"edgebci/v1/{Unit}/status");
        var status = await observer.WaitForTopicAsync($"edgebci/v1/{Unit}/status");

        Assert.That(results, Has.All.EndsWith(": NotAuthorized"));
        Assert.That(status.Retain, Is.True);
        using var document = JsonDocument.Parse(status.Payload);
        Assert.That(document.RootElement.GetProperty("online").GetBoolean(), Is.True, "the retained status is still the unit's own");
    }

    [Test]
    public async Task The_sender_is_the_authenticated_user_name_not_the_client_id_nor_the_claim()
    {
        // report-configuration is allowed only to "ops-console": a dashboard connecting under that client id and
        // claiming it as its sender is still the dashboard.
        await using var dashboard = await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard", ConsoleSender);
        var answer = await CommandAsync(dashboard, "report-configuration", "{}", claimedSender: ConsoleSender);

        Assert.That(answer.GetProperty("ok").GetBoolean(), Is.False, answer.GetRawText());
        Assert.That(answer.GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("not-authorised"));
    }

    [Test]
    public async Task A_retained_command_is_not_kept_a_retained_stop_is_still_delivered()
    {
        await using var dashboard = await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard");
        var disarm = await dashboard.Client.PublishAsync(Command("disarm", "{}", "dashboard", retain: true));
        var stop = await CommandAsync(dashboard, "stop", "{}", retain: true);

        await using var late = await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard");
        await late.SubscribeAsync($"edgebci/v1/{Unit}/cmd/#");
        await Task.Delay(SilenceWindow);

        Assert.That(disarm.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.NotAuthorized));
        Assert.That(disarm.ReasonString, Does.Contain("retained commands are not accepted"));
        Assert.That(stop.GetProperty("ok").GetBoolean(), Is.True, stop.GetRawText());
        Assert.That(late.Received, Is.Empty, "no command was kept to replay at the next connect");
    }

    [Test]
    public async Task Large_and_retained_floods_are_refused_and_the_firmware_stays_small_and_answering()
    {
        var before = ProcessMemory.ResidentBytes(_firmware.Id);
        var oversized = 0;
        var sixteenMegabytes = new string('x', 16 << 20);
        var oneMegabyte = new string('x', 1 << 20);
        for (var i = 0; i < 30; i++)
        {
            oversized += await PublishExpectingRefusalAsync($"edgebci/v1/replies/dashboard/flood-{i}", i % 2 == 0 ? oneMegabyte : sixteenMegabytes) ? 1 : 0;
        }

        var afterOversized = ProcessMemory.ResidentBytes(_firmware.Id);

        // Under the packet limit, the one place the ACL lets the dashboard write (its replies) keeps nothing retained;
        // the retained budget behind it is tested in process (EmbeddedBrokerTests), the deployed ACL gives it no way in.
        await using var dashboard = await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard");
        var sixtyKilobytes = new string('r', 60_000);
        var retained = new List<MqttClientPublishReasonCode>();
        for (var i = 0; i < 30; i++)
        {
            retained.Add((await dashboard.PublishAsync($"edgebci/v1/replies/dashboard/retained-{i}", sixtyKilobytes, retain: true)).ReasonCode);
        }

        await using var late = await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard");
        await late.SubscribeAsync("edgebci/v1/replies/dashboard/#");
        var stop = await CommandAsync(dashboard, "stop", "{}");
        var afterRetained = ProcessMemory.ResidentBytes(_firmware.Id);

        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"firmware RSS: {before / 1e6:0} MB before; {afterOversized / 1e6:0} MB after 30 oversized retained publishes (1 MB and 16 MB alternating, {oversized} ended at the header); {afterRetained / 1e6:0} MB after 30 more retained 60 kB replies (delivered, none kept)"));
        Assert.Multiple(() =>
        {
            Assert.That(oversized, Is.EqualTo(30), "every oversized packet ends its connection");
            Assert.That(_firmware.Output, Does.Contain("refused: the embedded broker's limit is 65536 bytes"), "and is logged");
            Assert.That(retained, Has.All.Not.EqualTo(MqttClientPublishReasonCode.NotAuthorized));
            Assert.That(late.Received.Where(m => m.Retain), Is.Empty, "no reply was kept");
            Assert.That(afterRetained - before, Is.LessThan(64L << 20), "growth bounded (today: +800 MB)");
            Assert.That(stop.GetProperty("ok").GetBoolean(), Is.True, stop.GetRawText());
            Assert.That(_firmware.HasExited, Is.False);
        });
    }

    [Test]
    public async Task A_command_flood_from_one_client_is_cut_at_the_broker_and_a_stop_in_it_is_still_answered()
    {
        // The broker queues at most Mqtt:EmbeddedMaxPendingMessagesPerClient messages for the unit and drops the oldest
        // beyond: a flood that outran the unit could push out a stop. Each client may publish 20 commands a second (a
        // bucket of 40); stop is never limited.
        await using var flooder = await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard");
        var codes = new Dictionary<MqttClientPublishReasonCode, int>();
        for (var i = 0; i < 300; i++)
        {
            var published = await flooder.Client.PublishAsync(Command("self-test", "{}", "dashboard"));
            codes[published.ReasonCode] = codes.GetValueOrDefault(published.ReasonCode) + 1;
        }

        var stop = await CommandAsync(flooder, "stop", "{}");
        TestContext.Out.WriteLine("300 self-tests at full speed from one client: " + string.Join(", ", codes.Select(c => $"{c.Key} {c.Value}")));
        Assert.Multiple(() =>
        {
            Assert.That(codes.GetValueOrDefault(MqttClientPublishReasonCode.QuotaExceeded), Is.GreaterThan(200), "most of the flood is refused at the broker");
            Assert.That(codes.GetValueOrDefault(MqttClientPublishReasonCode.Success) + codes.GetValueOrDefault(MqttClientPublishReasonCode.NoMatchingSubscribers), Is.GreaterThanOrEqualTo(40),
                "a client's first 40 commands pass");
            Assert.That(stop.GetProperty("ok").GetBoolean(), Is.True, "the stop after the flood is delivered and answered: " + stop.GetRawText());
        });
        Assert.That(_firmware.WaitUntil(o => o.Contains("commands a second from this client", StringComparison.Ordinal), TimeSpan.FromSeconds(10)), Is.True,
            "the refusal is logged\n" + _firmware.Output);
    }

    [Test]
    public async Task Sessions_beyond_the_limit_and_idle_sockets_are_refused_while_the_unit_stays_connected()
    {
        var connectedBefore = _firmware.CountLines("MQTT connected to");
        var port = EmbeddedBrokerClient.Port(_firmware);
        var clients = new List<MqttTestClient>();
        var quotaRefusals = 0;
        try
        {
            for (var i = 0; i < MaxSessions + 4; i++)
            {
                try
                {
                    clients.Add(await EmbeddedBrokerClient.ConnectAsync(_firmware, "observer"));
                }
                catch (ConnectionRefusedException refused) when (refused.Message.Contains("QuotaExceeded", StringComparison.Ordinal))
                {
                    quotaRefusals++;
                }
            }

            // Idle sockets that never send CONNECT are closed by the broker (CONNECT timeout, connection cap).
            var idle = new List<TcpClient>();
            for (var i = 0; i < 20; i++)
            {
                var socket = new TcpClient();
                await socket.ConnectAsync("127.0.0.1", port);
                idle.Add(socket);
            }

            var closed = await Task.WhenAll(idle.Select(ClosedByPeerAsync));
            foreach (var socket in idle)
            {
                socket.Dispose();
            }

            await using var dashboard = await DashboardWhenASessionIsFreeAsync(clients);
            var stop = await CommandAsync(dashboard, "stop", "{}");
            Assert.Multiple(() =>
            {
                Assert.That(clients, Has.Count.LessThanOrEqualTo(MaxSessions - 1), "one place is kept for the unit");
                Assert.That(quotaRefusals, Is.GreaterThanOrEqualTo(5));
                Assert.That(closed, Is.All.True, "every idle socket was closed by the broker");
                Assert.That(stop.GetProperty("ok").GetBoolean(), Is.True, stop.GetRawText());
                Assert.That(_firmware.CountLines("MQTT connected to"), Is.EqualTo(connectedBefore), "the unit stayed connected throughout");
            });
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>Frees one observer session and connects the dashboard in its place.</summary>
    private async Task<MqttTestClient> DashboardWhenASessionIsFreeAsync(List<MqttTestClient> clients)
    {
        if (clients.Count > 0)
        {
            await clients[^1].DisposeAsync();
            clients.RemoveAt(clients.Count - 1);
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard");
            }
            catch (ConnectionRefusedException) when (attempt < 50)
            {
                // The freed session is deleted a moment after the DISCONNECT.
                await Task.Delay(100);
            }
        }
    }

    private static async Task<bool> ClosedByPeerAsync(TcpClient socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            var read = await socket.GetStream().ReadAsync(new byte[1], timeout.Token);
            return read == 0;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Publishes one oversized message on a fresh dashboard connection; true when the broker ended the connection instead of taking it.</summary>
    private async Task<bool> PublishExpectingRefusalAsync(string topic, string payload)
    {
        var client = await EmbeddedBrokerClient.ConnectAsync(_firmware, "dashboard");
        try
        {
            var result = await client.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build());
            return result.ReasonCode != MqttClientPublishReasonCode.Success && result.ReasonCode != MqttClientPublishReasonCode.NoMatchingSubscribers;
        }
        catch (Exception exception) when (exception is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or MQTTnet.Exceptions.MqttClientNotConnectedException)
        {
            return true;
        }
        finally
        {
            client.Client.Dispose();
        }
    }

    /// <summary>A command as every test sends it: MQTT 5, QoS 1, 60 s expiry, a reply topic and correlation data of the sender's own.</summary>
    private static MqttApplicationMessage Command(string name, string payload, string identity, string? claimedSender = null, bool retain = false, byte[]? correlation = null) =>
        new MqttApplicationMessageBuilder().WithTopic($"edgebci/v1/{Unit}/cmd/{name}").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithMessageExpiryInterval(60).WithRetainFlag(retain)
            .WithResponseTopic($"edgebci/v1/replies/{identity}/{name}-{Guid.NewGuid():N}")
            .WithCorrelationData(correlation ?? Guid.NewGuid().ToByteArray())
            .WithUserProperty("sender", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(claimedSender ?? identity))).Build();

    /// <summary>Sends a command as the dashboard and waits for its answer.</summary>
    private static async Task<JsonElement> CommandAsync(MqttTestClient dashboard, string name, string payload, string? claimedSender = null, bool retain = false)
    {
        await dashboard.SubscribeAsync("edgebci/v1/replies/dashboard/#");
        var correlation = Guid.NewGuid().ToByteArray();
        var published = await dashboard.Client.PublishAsync(Command(name, payload, "dashboard", claimedSender, retain, correlation));
        Assert.That(published.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.Success), $"{name}: {published.ReasonCode} {published.ReasonString}");
        var answer = await dashboard.WaitForAsync(m => m.CorrelationData is { } data && data.AsSpan().SequenceEqual(correlation), $"the answer to {name}", TimeSpan.FromSeconds(20));
        using var document = JsonDocument.Parse(answer.Payload);
        return document.RootElement.Clone();
    }
}
