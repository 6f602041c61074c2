using System.Diagnostics;
using System.Globalization;
using EdgeBci.Telemetry;
using EdgeBci.Telemetry.Broker;
using EdgeBci.Telemetry.Payloads;
using EdgeBci.Telemetry.Uplink;
using Microsoft.Extensions.Logging.Abstractions;
using System.Runtime.CompilerServices;
using MQTTnet;

namespace EdgeBci.Benchmarks;

/// <summary>
/// The telemetry uplink against a local broker (the embedded MQTTnet.Server broker, as in make run, or any
/// <c>mqtt://host:port</c>): (1) how many telemetry messages per second it sustains, counted where a subscriber receives
/// them, with what it had to drop; (2) what telemetry costs at the default 1 Hz, as this process's CPU time over a run
/// against the same process idle for as long (the embedded broker runs in the firmware's process too, so its share is
/// part of the cost).
/// </summary>
internal static class TelemetryBenchmark
{
    public static int Run(string broker, double throughputSeconds, double costSeconds)
    {
        return RunAsync(broker, throughputSeconds, costSeconds).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string broker, double throughputSeconds, double costSeconds)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"edgebci-telemetry-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            Console.WriteLine($"telemetry benchmark: broker {broker}, {Environment.ProcessorCount} cores");
            var throughput = await ThroughputAsync(broker, folder, throughputSeconds);
            var cost = await CostAtOneHertzAsync(broker, folder, costSeconds);
            return throughput && cost ? 0 : 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<bool> ThroughputAsync(string broker, string folder, double seconds)
    {
        var options = Options(broker, "bench-throughput", Path.Combine(folder, "throughput"));
        options.TelemetryQueueCapacity = 256;
        var credentials = CredentialsFor(options, folder);
        await using var embedded = await StartBrokerAsync(options, credentials);
        await using var uplink = new MqttUplink(options, Identity(options), null, options.EventQueuePath, TimeProvider.System, NullLogger<MqttUplink>.Instance);
        using var subscriber = await SubscribeAsync(options, credentials, out var received);
        await uplink.StartAsync(CancellationToken.None);
        await WaitConnectedAsync(uplink);

        var message = Snapshot(options.ResolveDeviceId());
        var bytes = TelemetryJson.SerializeTelemetry(message).Length;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var receivedBefore = Interlocked.Read(ref received.Value);
        var clock = Stopwatch.StartNew();
        long offered = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            // Offered as fast as one thread can; the uplink keeps the newest 256 and counts what it drops.
            for (var i = 0; i < 64; i++)
            {
                uplink.PublishTelemetry(message);
                offered++;
            }

            await Task.Yield();
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var delivered = Interlocked.Read(ref received.Value) - receivedBefore;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
        var counters = uplink.Counters;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"telemetry throughput: {delivered / elapsed:N0} messages/s received by a subscriber ({bytes} bytes each, QoS 0) over {elapsed:0.0} s; {offered:N0} offered, {counters.TelemetryDropped:N0} dropped by the bounded queue; process CPU {cpu / 1000 / elapsed * 100:0}% of one core for uplink, in-process broker and subscriber together = at most {cpu * 1000 / Math.Max(1, delivered):0} µs of CPU per message end to end"));
        return delivered > 0;
    }

    private static async Task<bool> CostAtOneHertzAsync(string broker, string folder, double seconds)
    {
        // Three phases of equal length, after the throughput run has compiled the hot paths (tiered JIT) and a warm-up:
        // nothing connected; the uplink connected (and the embedded broker running) with no telemetry; telemetry at 1 Hz.
        var nothing = await ProcessCpuAsync(seconds, null);
        var options = Options(broker, "bench-cost", Path.Combine(folder, "cost"));
        await using var embedded = await StartBrokerAsync(options, CredentialsFor(options, folder));
        await using var uplink = new MqttUplink(options, Identity(options), null, options.EventQueuePath, TimeProvider.System, NullLogger<MqttUplink>.Instance);
        await uplink.StartAsync(CancellationToken.None);
        await WaitConnectedAsync(uplink);
        var deviceId = options.ResolveDeviceId();
        for (var i = 0; i < 200; i++)
        {
            uplink.PublishTelemetry(Snapshot(deviceId));
            await Task.Delay(5);
        }

        var connected = await ProcessCpuAsync(seconds, null);
        var sentBefore = uplink.Counters.TelemetrySent;
        var telemetry = await ProcessCpuAsync(seconds, () => uplink.PublishTelemetry(Snapshot(deviceId)));
        var sent = uplink.Counters.TelemetrySent - sentBefore;
        var link = (connected - nothing) / seconds;
        var perSecond = (telemetry - connected) / seconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"telemetry CPU at 1 Hz: {perSecond.TotalMilliseconds:0.00} ms of CPU per second = {perSecond.TotalMilliseconds / 10:0.000}% of one core for the snapshots ({sent} sent in {seconds:0} s), on top of {link.TotalMilliseconds:0.00} ms/s = {link.TotalMilliseconds / 10:0.000}% for the connection itself (uplink loop, keep-alive{(embedded is null ? string.Empty : ", the embedded broker")}); process CPU over {seconds:0} s: {nothing.TotalMilliseconds:0} ms unconnected, {connected.TotalMilliseconds:0} ms connected, {telemetry.TotalMilliseconds:0} ms with telemetry"));
        return sent > 0;
    }

    /// <summary>This process's CPU time over <paramref name="seconds"/>, calling <paramref name="tick"/> once a second.</summary>
    private static async Task<TimeSpan> ProcessCpuAsync(double seconds, Action? tick)
    {
        GC.Collect();
        var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        for (var s = 0; s < (int)seconds; s++)
        {
            await timer.WaitForNextTickAsync();
            tick?.Invoke();
        }

        process.Refresh();
        return process.TotalProcessorTime - before;
    }

    private static MqttOptions Options(string broker, string deviceId, string journal) => new()
    {
        Broker = broker,
        EmbeddedPort = 0,
        DeviceId = deviceId,
        EventQueuePath = journal,
    };

    private static UplinkIdentity Identity(MqttOptions options) => new(options.ResolveDeviceId(), "bench", "emulator", DateTimeOffset.UtcNow, "s001-left-vs-right", "1.0.0");

    /// <summary>The embedded broker's users (the unit, the ACL's service users), or null for an external broker.</summary>
    private static BrokerCredentials? CredentialsFor(MqttOptions options, string folder) =>
        BrokerEndpoint.Parse(options.Broker).IsEmbedded
            ? BrokerCredentials.EnsureFor(Path.Combine(folder, $"broker-{Guid.NewGuid():N}", "credentials.json"), [options.ResolveDeviceId(), .. DeployedAcl().Users])
            : null;

    private static BrokerAccessList DeployedAcl() => BrokerAccessList.Load(Path.Combine(PipelineReplay.RepositoryRoot(), "deploy", "mosquitto", "acl"));

    /// <summary>Starts the embedded broker as the firmware does (deployed ACL, authentication) and lets the uplink in as the unit.</summary>
    private static async Task<EmbeddedBroker?> StartBrokerAsync(MqttOptions options, BrokerCredentials? credentials)
    {
        if (credentials is null)
        {
            return null;
        }

        var unit = credentials.For(options.ResolveDeviceId());
        options.Username = unit.User;
        options.Password = unit.Password;
        var broker = new EmbeddedBroker(options, credentials, DeployedAcl());
        await broker.StartAsync();
        options.EmbeddedPort = broker.Port;
        return broker;
    }

    private static Task<IMqttClient> SubscribeAsync(MqttOptions options, BrokerCredentials? credentials, out StrongBox<long> received)
    {
        var counter = new StrongBox<long>();
        received = counter;
        return Subscribe();

        async Task<IMqttClient> Subscribe()
        {
            var endpoint = BrokerEndpoint.Parse(options.Broker);
            var client = new MqttClientFactory().CreateMqttClient();
            client.ApplicationMessageReceivedAsync += _ =>
            {
                Interlocked.Increment(ref counter.Value);
                return Task.CompletedTask;
            };
            var builder = new MqttClientOptionsBuilder()
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .WithTcpServer(endpoint.IsEmbedded ? "127.0.0.1" : endpoint.Host, endpoint.IsEmbedded ? options.EmbeddedPort : endpoint.Port)
                .WithClientId("bench-dashboard");
            if (credentials is not null)
            {
                builder.WithCredentials("observer", credentials.For("observer").Password);
            }

            await client.ConnectAsync(builder.Build());
            await client.SubscribeAsync(MqttTopics.Telemetry(options.ResolveDeviceId()));
            return client;
        }
    }

    private static async Task WaitConnectedAsync(MqttUplink uplink)
    {
        var clock = Stopwatch.StartNew();
        while (!uplink.IsConnected)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"the uplink did not connect within 30 s: {uplink.Counters.LastError}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>A snapshot shaped like the firmware's: 8 channels, a decision, every stage's figures.</summary>
    private static TelemetryMessage Snapshot(string deviceId)
    {
        string[] names = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];
        var channels = new List<ChannelTelemetry>(names.Length);
        foreach (var name in names)
        {
            channels.Add(new ChannelTelemetry(name, "good", 12.5));
        }

        return new TelemetryMessage
        {
            DeviceId = deviceId,
            Time = DateTimeOffset.UtcNow,
            UptimeSeconds = 123.456,
            Acquisition = new AcquisitionTelemetry(250, 30_864, 0, 0, 0),
            Channels = channels,
            Decoder = new DecoderTelemetry("s001-left-vs-right", "1.0.0", true, 493, 1.46, 4.87),
            Decision = new DecisionTelemetry("left", 0.71, 0.83),
            Focus = 0.31,
            Supervisor = new SupervisorTelemetry("Active", "turn-left", "s001-left-vs-right v2026.11.25", false),
            Actuator = new ActuatorTelemetry("simulated-wheelchair", "v 0 m/s, ω 0.8 rad/s", false),
            System = new SystemTelemetry(0.23, 48.2, 112_000_000),
        };
    }
}
