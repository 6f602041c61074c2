using EdgeBci.Tests.Shared.Mosquitto;
using System.Buffers;
using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeBci.Telemetry.Broker;
using EdgeBci.Telemetry.Payloads;
using EdgeBci.Telemetry.Uplink;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Tests;

public class UplinkTests
{
    private const string Device = "unit-1";
    private readonly BrokerCredentials _credentials = TestBrokerCredentials.Create();
    private static readonly DateTimeOffset StartedAt = new(2026, 11, 26, 1, 0, 0, TimeSpan.Zero);

    private EmbeddedBroker _broker = null!;
    private string _folder = null!;

    [SetUp]
    public async Task StartBroker()
    {
        _folder = Samples.TempFolder();
        _broker = TestBrokerCredentials.Broker(_credentials);
        await _broker.StartAsync();
    }

    [TearDown]
    public async Task StopBroker()
    {
        await _broker.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The uplink's options; with <paramref name="credentials"/> it connects as the unit (user = device id), as the firmware does.</summary>
    internal static MqttOptions OptionsFor(int port, BrokerCredentials? credentials = null) => new()
    {
        Broker = $"mqtt://127.0.0.1:{port}",
        DeviceId = Device,
        Username = credentials is null ? string.Empty : Device,
        Password = credentials?.For(Device).Password ?? string.Empty,
        ReconnectMinDelayMs = 50,
        ReconnectMaxDelayMs = 400,
        ConnectTimeoutMs = 3000,
        KeepAliveSeconds = 5,
    };

    private MqttUplink CreateUplink(MqttOptions options, TimeProvider? time = null, Commands.CommandDispatcher? commands = null) =>
        new(options, new UplinkIdentity(Device, "0.1.0", "emulator", StartedAt, "s001-left-vs-right", "1.0.0"), commands, _folder,
            time ?? TimeProvider.System, NullLogger<MqttUplink>.Instance);

    private static async Task WaitConnectedAsync(MqttUplink uplink)
    {
        var deadline = Stopwatch.StartNew();
        while (!uplink.IsConnected)
        {
            Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "the uplink did not connect");
            await Task.Delay(20);
        }
    }

    private static JsonNode Json(MqttApplicationMessage message) => JsonNode.Parse(message.Payload.ToArray())!;

    [Test]
    public async Task Connect_publishes_status_online_retained_then_telemetry_and_events_in_order_with_their_times()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 1, 0, 5, TimeSpan.Zero));
        await using var uplink = CreateUplink(OptionsFor(_broker.Port, _credentials), time);
        var changes = new List<bool>();
        uplink.ConnectionChanged += changes.Add;
        await uplink.StartAsync(CancellationToken.None);
        await WaitConnectedAsync(uplink);

        await using var probe = await Probe.ConnectAsync(_broker.Port, _credentials, "probe", $"edgebci/v1/{Device}/#");
        var status = await probe.WaitForAsync(m => m.Topic == MqttTopics.Status(Device), "the retained status");
        Assert.Multiple(() =>
        {
            Assert.That(status.Retain, Is.True, "status is retained");
            Assert.That(status.QualityOfServiceLevel, Is.EqualTo(MqttQualityOfServiceLevel.AtLeastOnce));
            var document = TelemetryJson.DeserializeStatus(status.Payload.ToArray());
            Assert.That(document.Online, Is.True);
            Assert.That(document.Model, Is.EqualTo(new ModelInfo("s001-left-vs-right", "1.0.0")));
            Assert.That(document.StartedAt, Is.EqualTo(StartedAt));
        });

        var stamped = new List<DateTimeOffset>();
        for (var i = 1; i <= 5; i++)
        {
            stamped.Add(time.GetUtcNow());
            uplink.PublishEvent(EventKinds.Supervisor, EventSeverities.Info, $"event {i}", new Dictionary<string, string> { ["i"] = $"{i}" });
            time.Advance(TimeSpan.FromMilliseconds(1234));
        }

        uplink.PublishTelemetry(Samples.Telemetry(Device, time.GetUtcNow()));
        await probe.WaitUntilAsync(r => r.Count(m => m.Topic == MqttTopics.Events(Device)) >= 5 && r.Any(m => m.Topic == MqttTopics.Telemetry(Device)), "5 events and a telemetry sample");

        var events = probe.Received.Where(m => m.Topic == MqttTopics.Events(Device)).Select(m => TelemetryJson.DeserializeEvent(m.Payload.ToArray())).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => e.Message), Is.EqualTo(Enumerable.Range(1, 5).Select(i => $"event {i}")));
            Assert.That(events.Select(e => e.Seq), Is.EqualTo(new long[] { 1, 2, 3, 4, 5 }));
            Assert.That(events.Select(e => e.Time), Is.EqualTo(stamped));
            Assert.That(events.Select(e => e.Id), Is.EqualTo(events.Select(e => $"{uplink.BootId}-{e.Seq}")));
            Assert.That(uplink.BootId, Does.Match("^[0-9a-f]{32}$"));
        });

        var telemetry = probe.Received.First(m => m.Topic == MqttTopics.Telemetry(Device));
        Assert.That(telemetry.Retain, Is.False);
        Assert.That(telemetry.QualityOfServiceLevel, Is.EqualTo(MqttQualityOfServiceLevel.AtMostOnce));
        var sample = TelemetryJson.DeserializeTelemetry(telemetry.Payload.ToArray());
        Assert.That(sample.Uplink.Reconnects, Is.Zero);
        Assert.That(sample.Acquisition.Frames, Is.EqualTo(3075));

        uplink.SetModel("s002", "2.0.0");
        await probe.WaitForAsync(m => m.Topic == MqttTopics.Status(Device) && Json(m)["model"]?["id"]?.GetValue<string>() == "s002", "the status with the new model");
        Assert.That(changes, Is.EqualTo(new[] { true }));
        var counters = uplink.Counters;
        Assert.That((counters.Connected, counters.Connects, counters.EventsAccepted, counters.EventsDelivered, counters.TelemetrySent), Is.EqualTo((true, 1L, 5L, 5L, 1L)));
    }

    [Test]
    public async Task Events_published_while_the_broker_is_down_arrive_in_order_once_each_after_it_returns()
    {
        var port = _broker.Port;

        // A connect attempt that hangs for as long as this is what a publish waiting on the network would wait for.
        var options = OptionsFor(port, _credentials);
        options.ConnectTimeoutMs = 20_000;
        await using var uplink = CreateUplink(options);
        await uplink.StartAsync(CancellationToken.None);
        await WaitConnectedAsync(uplink);
        uplink.PublishEvent(EventKinds.Supervisor, EventSeverities.Info, "before the outage");
        var deadline = Stopwatch.StartNew();
        while (uplink.Counters.EventsDelivered < 1 && deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20);
        }

        await _broker.DisposeAsync();
        deadline.Restart();
        while (uplink.IsConnected && deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20);
        }

        Assert.That(uplink.IsConnected, Is.False, "the uplink noticed the broker going away");

        // The outage is a black hole, not a refusal: the port accepts connections and never answers, so the uplink's
        // reconnect hangs for its whole ConnectTimeoutMs. A publish that waited on the network would hang with it.
        const int Outage = 200;
        TimeSpan slowest;
        using (var blackHole = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port))
        {
            blackHole.Start();

            // Past the longest reconnect delay, an attempt is in the black hole for the rest of the loop.
            await Task.Delay(TimeSpan.FromMilliseconds(2 * options.ReconnectMaxDelayMs));
            slowest = TimeSpan.Zero;
            var clock = new Stopwatch();
            for (var i = 1; i <= Outage; i++)
            {
                clock.Restart();
                uplink.PublishEvent(EventKinds.Fault, EventSeverities.Warning, $"outage {i}");
                uplink.PublishTelemetry(Samples.Telemetry(Device, DateTimeOffset.UtcNow, frames: i));
                clock.Stop();
                slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            }

            Assert.That(uplink.IsConnected, Is.False, "still in the outage when the last call returned");
        }

        // A correctness property, not a speed one: neither call waits on the network (a wait would last a connect
        // timeout, 20 s; a stall of this machine is far shorter). The calls' own speed is the telemetry benchmark's.
        TestContext.Out.WriteLine($"slowest PublishEvent + PublishTelemetry during the outage: {slowest.TotalMilliseconds:0.00} ms");
        Assert.That(slowest, Is.LessThan(TimeSpan.FromMilliseconds(options.ConnectTimeoutMs / 2)));
        Assert.That(uplink.Counters.TelemetryDropped, Is.EqualTo(Outage - 16), "the telemetry queue keeps the 16 newest");
        var restartedAt = DateTimeOffset.UtcNow;
        await Task.Delay(300);

        // The uplink is kept out until the probe listens, so nothing it delivers can be missed.
        var probeListening = false;
        _broker = TestBrokerCredentials.Broker(_credentials, port);
        _broker.BeforeStart = server => server.ValidatingConnectionAsync += args =>
        {
            if (args.ClientId != "probe" && !Volatile.Read(ref probeListening))
            {
                args.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            }

            return Task.CompletedTask;
        };
        await _broker.StartAsync();
        await using var probe = await Probe.ConnectAsync(port, _credentials, "probe", MqttTopics.Events(Device));
        Volatile.Write(ref probeListening, true);

        await probe.WaitUntilAsync(r => r.Count >= Outage, $"{Outage} events after the broker returned", 30000);
        var events = probe.Received.Select(m => TelemetryJson.DeserializeEvent(m.Payload.ToArray())).ToList();
        var outage = events.Where(e => e.Message.StartsWith("outage ", StringComparison.Ordinal)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(outage.Select(e => e.Message), Is.EqualTo(Enumerable.Range(1, Outage).Select(i => $"outage {i}")));
            Assert.That(events.Select(e => e.Id), Is.Unique);
            Assert.That(events.Select(e => e.Seq), Is.Ordered.Ascending);
            Assert.That(outage.Select(e => e.Time), Has.All.LessThan(restartedAt), "events keep the time they were published at");
            Assert.That(events.Select(e => e.Message), Has.None.EqualTo("before the outage"), "delivered before the outage, so not again");
        });
        Assert.That(uplink.Counters.Reconnects, Is.GreaterThanOrEqualTo(1));
        Assert.That(uplink.Counters.EventsQueued, Is.Zero);
    }

    [Test]
    public async Task A_graceful_stop_publishes_offline_retained_and_flushes_pending_events()
    {
        var uplink = CreateUplink(OptionsFor(_broker.Port, _credentials));
        var changes = new List<bool>();
        uplink.ConnectionChanged += changes.Add;
        await uplink.StartAsync(CancellationToken.None);
        await WaitConnectedAsync(uplink);
        await using var probe = await Probe.ConnectAsync(_broker.Port, _credentials, "probe", $"edgebci/v1/{Device}/#");
        await probe.WaitForAsync(m => m.Topic == MqttTopics.Status(Device), "status online");
        for (var i = 1; i <= 20; i++)
        {
            uplink.PublishEvent(EventKinds.Supervisor, EventSeverities.Info, $"last words {i}");
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            await uplink.StopAsync(timeout.Token);
        }

        await uplink.DisposeAsync();
        var offline = await probe.WaitForAsync(m => m.Topic == MqttTopics.Status(Device) && Json(m)["online"]!.GetValue<bool>() == false, "status offline");
        Assert.That(TelemetryJson.DeserializeStatus(offline.Payload.ToArray()).StartedAt, Is.EqualTo(StartedAt));
        Assert.That(probe.Received.Count(m => m.Topic == MqttTopics.Events(Device)), Is.EqualTo(20), "events published before the stop are flushed");
        Assert.That(changes, Is.EqualTo(new[] { true, false }));

        await using var late = await Probe.ConnectAsync(_broker.Port, _credentials, "late", MqttTopics.Status(Device));
        var retained = await late.WaitForAsync(m => m.Topic == MqttTopics.Status(Device), "the retained status");
        Assert.That(Json(retained)["online"]!.GetValue<bool>(), Is.False);
        await Task.Delay(300);
        Assert.That(probe.Received.Count(m => m.Topic == MqttTopics.Status(Device) && !Json(m)["online"]!.GetValue<bool>()), Is.EqualTo(1),
            "a normal DISCONNECT: the broker sends no will on top of the offline status");
    }

    [Test]
    public async Task An_abrupt_connection_loss_makes_the_broker_publish_the_will_offline_retained()
    {
        using var relay = new TcpRelay(_broker.Port);
        await using var probe = await Probe.ConnectAsync(_broker.Port, _credentials, "probe", MqttTopics.Status(Device));
        await using var uplink = CreateUplink(OptionsFor(relay.Port, _credentials));
        await uplink.StartAsync(CancellationToken.None);
        await WaitConnectedAsync(uplink);
        await probe.WaitForAsync(m => Json(m)["online"]!.GetValue<bool>(), "status online");

        relay.Abort();
        var will = await probe.WaitForAsync(m => !Json(m)["online"]!.GetValue<bool>(), "the will");
        var document = TelemetryJson.DeserializeStatus(will.Payload.ToArray());
        Assert.That(document.StartedAt, Is.EqualTo(StartedAt));
        Assert.That(document.DeviceId, Is.EqualTo(Device));

        await using var late = await Probe.ConnectAsync(_broker.Port, _credentials, "late", MqttTopics.Status(Device));
        var retained = await late.WaitForAsync(m => m.Topic == MqttTopics.Status(Device), "the retained will");
        Assert.That(retained.Retain, Is.True);
        Assert.That(Json(retained)["online"]!.GetValue<bool>(), Is.False);
    }

    [Test]
    public async Task An_unreachable_broker_is_retried_without_throwing_and_logged_as_the_last_error()
    {
        var port = _broker.Port;
        await _broker.DisposeAsync();
        await using var uplink = CreateUplink(OptionsFor(port, _credentials));
        await uplink.StartAsync(CancellationToken.None);
        uplink.PublishEvent(EventKinds.Model, EventSeverities.Info, "loaded");
        var deadline = Stopwatch.StartNew();
        while (uplink.Counters.LastError is null && deadline.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(20);
        }

        Assert.That(uplink.Counters.LastError, Does.StartWith($"cannot connect to mqtt://127.0.0.1:{port}"));
        Assert.That(uplink.IsConnected, Is.False);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.That(async () => await uplink.StopAsync(timeout.Token), Throws.Nothing);
        _broker = TestBrokerCredentials.Broker(_credentials);
        await _broker.StartAsync();

        // The event stays in the journal for the next start (once this uplink has let go of the folder).
        await uplink.DisposeAsync();
        using var journal = Journal.EventJournal.Open(_folder, 10, 1 << 20);
        Assert.That(journal.TryPeek(out EventMessage kept), Is.True);
        Assert.That(kept.Message, Is.EqualTo("loaded"));
    }

    [Test]
    public async Task Home_assistant_discovery_is_published_retained_when_enabled()
    {
        var options = OptionsFor(_broker.Port, _credentials);
        options.HomeAssistantDiscovery = true;
        await using var uplink = CreateUplink(options);
        await uplink.StartAsync(CancellationToken.None);
        await WaitConnectedAsync(uplink);
        await using var probe = await Probe.ConnectAsync(_broker.Port, _credentials, "probe", "homeassistant/#");
        await probe.WaitUntilAsync(r => r.Count >= HomeAssistantDiscovery.ObjectIds.Count, "every discovery config");
        Assert.That(probe.Received.Select(m => m.Topic), Is.EquivalentTo(HomeAssistantDiscovery.ObjectIds.Select(o => HomeAssistantDiscovery.ConfigTopic(Device, o))));
        await using var late = await Probe.ConnectAsync(_broker.Port, _credentials, "late", "homeassistant/#");
        await late.WaitUntilAsync(r => r.Count >= HomeAssistantDiscovery.ObjectIds.Count, "every discovery config, retained");
        Assert.That(late.Received, Has.All.Matches<MqttApplicationMessage>(m => m.Retain));
        var focus = Json(probe.Received.Single(m => m.Topic.Contains("/focus/", StringComparison.Ordinal)));
        Assert.That(focus["state_topic"]!.GetValue<string>(), Is.EqualTo(MqttTopics.Telemetry(Device)));
        Assert.That(focus["availability_topic"]!.GetValue<string>(), Is.EqualTo(MqttTopics.Status(Device)));
    }
    [Test]
    public async Task Broker_embedded_connects_to_the_embedded_bind_address_and_port()
    {
        var options = OptionsFor(_broker.Port, _credentials);
        options.Broker = "embedded";
        options.EmbeddedPort = _broker.Port;
        await using var uplink = CreateUplink(options);
        await uplink.StartAsync(CancellationToken.None);
        await WaitConnectedAsync(uplink);
        Assert.That(uplink.Counters.Connects, Is.EqualTo(1));
    }

    [Test]
    public async Task Repeated_connection_failures_are_logged_once_per_reason()
    {
        var port = _broker.Port;
        await _broker.DisposeAsync();
        var logger = new CapturingLogger<MqttUplink>();
        await using (var uplink = new MqttUplink(OptionsFor(port, _credentials), new UplinkIdentity(Device, "0.1.0", "emulator", StartedAt), null, _folder,
            TimeProvider.System, logger))
        {
            await uplink.StartAsync(CancellationToken.None);
            var deadline = Stopwatch.StartNew();
            while (logger.Count(Microsoft.Extensions.Logging.LogLevel.Debug) < 3 && deadline.Elapsed < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(20);
            }
        }

        Assert.That(logger.Count(Microsoft.Extensions.Logging.LogLevel.Debug), Is.GreaterThanOrEqualTo(3), "the loop kept retrying");
        Assert.That(logger.Count(Microsoft.Extensions.Logging.LogLevel.Warning), Is.EqualTo(1), string.Join(Environment.NewLine, logger.Lines));
        _broker = TestBrokerCredentials.Broker(_credentials);
        await _broker.StartAsync();
    }

    [Test]
    public async Task An_unknown_event_kind_or_severity_is_a_caller_error()
    {
        await using var uplink = CreateUplink(OptionsFor(_broker.Port, _credentials));
        Assert.That(() => uplink.PublishEvent("alarm", EventSeverities.Info, "x"), Throws.ArgumentException.With.Message.Contains("event kind 'alarm' is not one of supervisor"));
        Assert.That(() => uplink.PublishEvent(EventKinds.Fault, "fatal", "x"), Throws.ArgumentException.With.Message.Contains("event severity 'fatal'"));
    }
}

internal sealed class CapturingLogger<T> : Microsoft.Extensions.Logging.ILogger<T>
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel Level, string Text)> _entries = new();

    public IEnumerable<string> Lines => _entries.Select(e => $"{e.Level}: {e.Text}");

    public int Count(Microsoft.Extensions.Logging.LogLevel level) => _entries.Count(e => e.Level == level);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, formatter(state, exception)));
}
