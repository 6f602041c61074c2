using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeBci.Telemetry.Payloads;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Tests;

/// <summary>A plain MQTTnet client that records every message it receives, for assertions.</summary>
internal sealed class Probe : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly ConcurrentQueue<MqttApplicationMessage> _received = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private Probe(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += args =>
        {
            _received.Enqueue(args.ApplicationMessage);
            _arrived.Release();
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client => _client;

    public IReadOnlyList<MqttApplicationMessage> Received => [.. _received];

    /// <summary>Connects to an embedded broker as the user named <paramref name="clientId"/> (its password from <paramref name="credentials"/>).</summary>
    public static async Task<Probe> ConnectAsync(int port, Telemetry.Broker.BrokerCredentials credentials, string clientId, params string[] filters)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var probe = new Probe(client);
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCredentials(clientId, credentials.For(clientId).Password)
            .WithCleanStart(true)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        await client.ConnectAsync(options, CancellationToken.None);
        foreach (var filter in filters)
        {
            await client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        }

        return probe;
    }

    /// <summary>Waits (generously) until a received message satisfies <paramref name="match"/>.</summary>
    public async Task<MqttApplicationMessage> WaitForAsync(Func<MqttApplicationMessage, bool> match, string what, int timeoutMs = 15000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            foreach (var message in _received)
            {
                if (match(message))
                {
                    return message;
                }
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"timed out after {timeoutMs} ms waiting for {what}; received {_received.Count} messages on {string.Join(", ", _received.Select(m => m.Topic).Distinct())}");
            }

            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public async Task WaitUntilAsync(Func<IReadOnlyList<MqttApplicationMessage>, bool> condition, string what, int timeoutMs = 20000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition(Received))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {timeoutMs} ms waiting for {what}; received {_received.Count} messages");
            }

            await _arrived.WaitAsync(TimeSpan.FromMilliseconds(200));
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
            }
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
        }

        _client.Dispose();
        _arrived.Dispose();
    }

    public static string Text(MqttApplicationMessage message) => Encoding.UTF8.GetString(message.Payload);
}

internal static class Samples
{
    public static TelemetryMessage Telemetry(string deviceId, DateTimeOffset time, long frames = 3075) => new()
    {
        DeviceId = deviceId,
        Time = time,
        UptimeSeconds = 12.3,
        Acquisition = new AcquisitionTelemetry(250, frames, 0, 0, 0),
        Channels = [new ChannelTelemetry("C3", "good", 12.5), new ChannelTelemetry("C4", "lead-off", 0)],
        Decoder = new DecoderTelemetry("s001-left-vs-right", "1.0.0", true, 40, 1.4, 4.9),
        Decision = new DecisionTelemetry("left", 0.71, 0.83),
        Focus = 0.31,
        Supervisor = new SupervisorTelemetry("Active", "turn-left", "s001-left-vs-right v2026.11.25", false),
        Actuator = new ActuatorTelemetry("simulated-wheelchair", "speed 0.00 turn 0.40", false),
        System = new SystemTelemetry(0.23, 48.2, 112_000_000),
    };

    public static EventMessage Event(long seq, string bootId = "0123456789abcdef0123456789abcdef", string message = "Armed -> SafeStop") => new()
    {
        Id = $"{bootId}-{seq}",
        Seq = seq,
        BootId = bootId,
        DeviceId = "unit-1",
        Time = new DateTimeOffset(2026, 11, 26, 1, 0, 0, TimeSpan.Zero).AddMilliseconds(seq),
        Kind = EventKinds.Supervisor,
        Severity = EventSeverities.Info,
        Message = message,
        Data = new Dictionary<string, string> { ["n"] = seq.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    public static string TempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "edgebci-telemetry-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}

/// <summary>
/// An embedded broker under test and its users: the unit, the fleet's service users, and the names the uplink tests
/// connect their probes as. These tests are about the uplink, so the broker applies an ACL that lets every user read and
/// write everything; the fleet ACL itself is tested in Broker/ and Mosquitto/.
/// </summary>
internal static class TestBrokerCredentials
{
    private static readonly string[] ProbeUsers = ["dashboard", "observer", "probe", "late", "ops", "intruder", "monitor"];

    public static Telemetry.Broker.BrokerAccessList OpenAcl { get; } = Telemetry.Broker.BrokerAccessList.Parse("open-test-acl", "pattern readwrite #\n");

    public static Telemetry.Broker.BrokerCredentials Create(string deviceId = "unit-1") =>
        Telemetry.Broker.BrokerCredentials.EnsureFor(Path.Combine(Path.GetTempPath(), $"edgebci-broker-test-{Guid.NewGuid():N}", "credentials.json"),
            [deviceId, .. ProbeUsers]);

    /// <summary>A broker for unit <paramref name="deviceId"/> that authenticates against <paramref name="credentials"/>, its per-client command limit lifted (the uplink is under test).</summary>
    public static Telemetry.Broker.EmbeddedBroker Broker(Telemetry.Broker.BrokerCredentials credentials, int port = 0, string deviceId = "unit-1") =>
        new(new MqttOptions { EmbeddedPort = port, DeviceId = deviceId, EmbeddedCommandsPerClientPerSecond = 100_000 }, credentials, OpenAcl);
}
