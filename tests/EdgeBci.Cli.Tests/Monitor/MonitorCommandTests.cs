using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;
using Spectre.Console;
using static EdgeBci.Cli.Tests.Monitor.UnitJson;

namespace EdgeBci.Cli.Tests.Monitor;

/// <summary>A port nothing listens on at the moment of asking: the system's pick for a listener that is closed at once.</summary>
internal static class MonitorCommandTestsPorts
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A console output that says it is a terminal, as a real one does, so the command draws its live table.</summary>
internal sealed class TerminalOutput(TextWriter writer) : IAnsiConsoleOutput
{
    public TextWriter Writer => writer;

    public bool IsTerminal => true;

    public int Width => 250;

    public int Height => 40;

    public void SetEncoding(System.Text.Encoding encoding)
    {
    }
}

/// <summary>The command end to end: an in-process broker, units played by a plain MQTT client, the monitor run as the CLI runs it.</summary>
[NonParallelizable]
public class MonitorCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Test]
    public async Task Plain_table_lists_every_unit_with_its_link_state_and_quality_and_prints_an_event_once()
    {
        var port = FreePort();
        using var server = await StartBrokerAsync(port);
        var monitorSubscribed = MonitorSubscription(server);
        using var units = await ConnectUnitsAsync(port);
        await PublishAsync(units, "edgebci/v1/unit-1/status", Status("unit-1", online: true), retain: true);
        await PublishAsync(units, "edgebci/v1/unit-2/status", Status("unit-2", online: true), retain: true);
        await PublishAsync(units, "edgebci/v1/unit-3/status", Status("unit-3", online: false), retain: true);

        var run = Task.Run(() => CliRunner.Run("monitor", "--broker", $"127.0.0.1:{port}", "--plain", "--seconds", "2", "--events"));
        await monitorSubscribed.WaitAsync(Patience);
        var (exit, output) = await PlayUnitsUntilAsync(units, run, sendEvent: true);
        await TestContext.Out.WriteLineAsync(output);

        Assert.That(exit, Is.Zero, output);
        var lines = output.Split('\n');
        Assert.That(lines.Any(line => line.StartsWith("edgebci monitor ", StringComparison.Ordinal) && line.Contains($"broker 127.0.0.1:{port}: connected", StringComparison.Ordinal)), Is.True, output);
        var unit1 = LastRow(lines, "unit-1");
        var unit2 = LastRow(lines, "unit-2");
        var unit3 = LastRow(lines, "unit-3");
        Assert.That(unit1, Does.Contain(" online ").And.Contain("Active turn-left").And.Contain("8/8 good").And.Contain("s001-left-vs-right 1.0.0"), output);
        Assert.That(unit2, Does.Contain(" online ").And.Contain("SafeStop").And.Contain("C3 lead-off, C4 railed"), output);
        Assert.That(unit2, Does.Contain("01:00:04Z supervisor warning: Armed -> SafeStop FrameTimeout"), output);
        Assert.That(unit3, Does.Contain(" offline "), output);
        var eventLines = lines.Count(line => line.StartsWith("event ", StringComparison.Ordinal));
        Assert.That(eventLines, Is.EqualTo(1), "the event was delivered three times with one id: " + output);
        Assert.That(lines.Single(line => line.StartsWith("event ", StringComparison.Ordinal)), Does.Contain("unit-2 supervisor warning: Armed -> SafeStop"));
    }

    [Test]
    public async Task The_device_option_shows_only_that_unit()
    {
        var port = FreePort();
        using var server = await StartBrokerAsync(port);
        var monitorSubscribed = MonitorSubscription(server);
        using var units = await ConnectUnitsAsync(port);
        await PublishAsync(units, "edgebci/v1/unit-1/status", Status("unit-1", online: true), retain: true);
        await PublishAsync(units, "edgebci/v1/unit-2/status", Status("unit-2", online: true), retain: true);

        var run = Task.Run(() => CliRunner.Run("monitor", "--broker", $"mqtt://127.0.0.1:{port}", "--device", "unit-2", "--plain", "--seconds", "1.5"));
        await monitorSubscribed.WaitAsync(Patience);
        var (exit, output) = await PlayUnitsUntilAsync(units, run, sendEvent: false);

        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Not.Contain("unit-1"));
        Assert.That(LastRow(output.Split('\n'), "unit-2"), Does.Contain("SafeStop"));
    }

    [Test]
    public async Task A_dropped_broker_shows_reconnecting_and_the_monitor_comes_back_when_it_returns()
    {
        var port = FreePort();
        var server = await StartBrokerAsync(port);
        var monitorSubscribed = MonitorSubscription(server);
        var monitor = CliRunner.Start("monitor", "--broker", $"127.0.0.1:{port}", "--plain", "--seconds", "30");
        var run = monitor.Exit.ContinueWith(exit => (exit.Result, monitor.Output), TaskScheduler.Default);
        await monitorSubscribed.WaitAsync(Patience);
        await server.StopAsync(new MqttServerStopOptions());
        server.Dispose();

        // Down until the monitor has said so (a loaded machine may take seconds to redraw), then back on the same
        // port; the monitor retries after 1, 2, 4 and then every 5 s, so it is back well inside its 30 s.
        Assert.That(await monitor.WaitForOutputAsync(": reconnecting (", Patience), Is.True, monitor.Output);
        using var returned = await StartBrokerAsync(port);
        var resubscribed = MonitorSubscription(returned);
        await resubscribed.WaitAsync(Patience);
        using var units = await ConnectUnitsAsync(port);
        await PublishAsync(units, "edgebci/v1/unit-1/status", Status("unit-1", online: true), retain: true);
        var (exit, output) = await PlayUnitsUntilAsync(units, run, sendEvent: false, playFor: TimeSpan.FromSeconds(45));

        Assert.That(exit, Is.Zero, output);
        var headers = output.Split('\n').Where(line => line.StartsWith("edgebci monitor ", StringComparison.Ordinal)).ToList();
        var firstReconnecting = headers.FindIndex(line => line.Contains(": reconnecting (", StringComparison.Ordinal));
        Assert.That(firstReconnecting, Is.GreaterThanOrEqualTo(0), output);
        Assert.That(headers.Skip(firstReconnecting).Last(), Does.Contain(": connected"), output);
        Assert.That(LastRow(output.Split('\n'), "unit-1"), Does.Contain("Active turn-left"), output);
    }

    [TestCase("s3cret", 0, "connected")]
    [TestCase("guess", 3, "cannot connect to the MQTT broker at 127.0.0.1:")]
    public async Task Credentials_reach_the_broker_and_a_refusal_is_reported(string password, int expectedExit, string expectedText)
    {
        var port = FreePort();
        using var server = await StartBrokerAsync(port);
        server.ValidatingConnectionAsync += args =>
        {
            if (args.ClientId.StartsWith("edgebci-monitor-", StringComparison.Ordinal) && (args.UserName != "engineer" || args.Password != "s3cret"))
            {
                args.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            }

            return Task.CompletedTask;
        };

        var (exit, output) = await Task.Run(() => CliRunner.Run("monitor", "--broker", $"127.0.0.1:{port}", "--username", "engineer", "--password", password, "--plain", "--seconds", "1"));
        Assert.That(exit, Is.EqualTo(expectedExit), output);
        Assert.That(output, Does.Contain(expectedText));
        if (expectedExit != 0)
        {
            Assert.That(output, Does.Contain("BadUserNameOrPassword"));
        }
    }

    [Test]
    public async Task On_a_terminal_the_table_is_drawn_live_with_colours()
    {
        var port = FreePort();
        using var server = await StartBrokerAsync(port);
        var monitorSubscribed = MonitorSubscription(server);
        using var units = await ConnectUnitsAsync(port);
        await PublishAsync(units, "edgebci/v1/unit-2/status", Status("unit-2", online: true), retain: true);
        var terminal = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.EightBit,
            Out = new TerminalOutput(terminal),
            Interactive = InteractionSupport.Yes,
        });

        var run = Task.Run(() =>
        {
            var exitCode = EdgeBciCommand.Build(console).Parse(["monitor", "--broker", $"127.0.0.1:{port}", "--seconds", "1.5"]).Invoke();
            return (exitCode, terminal.ToString());
        });
        await monitorSubscribed.WaitAsync(Patience);
        var (exit, output) = await PlayUnitsUntilAsync(units, run, sendEvent: false);

        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Not.Contain("DEVICE        LINK"), "not the plain lines");
        Assert.That(output, Does.Contain($"broker 127.0.0.1:{port}: connected"));
        Assert.That(output, Does.Contain("\u001b[38;5;9mSafeStop"), "SafeStop in red");
        Assert.That(output, Does.Contain("C3 lead-off, C4 railed"));
    }

    [Test]
    public void An_unreachable_broker_is_named_with_the_socket_error_and_exits_3()
    {
        var port = FreePort();
        var (exit, output) = CliRunner.Run("monitor", "--broker", $"127.0.0.1:{port}", "--plain", "--seconds", "1");
        Assert.That(exit, Is.EqualTo(3), output);
        Assert.That(output, Does.Contain($"error: cannot connect to the MQTT broker at 127.0.0.1:{port}").And.Contain("refused"));
    }

    [Test]
    public void A_certificate_without_its_key_is_a_usage_error_naming_the_option()
    {
        var (exit, output) = CliRunner.Run("monitor", "--broker", "broker.local", "--cert", "unit.pem");
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--cert needs --key"));
    }

    [Test]
    public void A_missing_authority_file_is_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"edgebci-no-such-ca-{Guid.NewGuid():N}.pem");
        var (exit, output) = CliRunner.Run("monitor", "--broker", "mqtts://broker.local", "--ca", missing);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain($"--ca {missing}: no such file"));
    }

    [Test]
    public void A_file_that_is_no_certificate_is_named()
    {
        var notPem = Path.GetTempFileName();
        try
        {
            File.WriteAllText(notPem, "not a certificate");
            var (exit, output) = CliRunner.Run("monitor", "--broker", "broker.local", "--ca", notPem);
            Assert.That(exit, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain($"--ca {notPem}: holds no PEM certificate"));
        }
        finally
        {
            File.Delete(notPem);
        }
    }

    [TestCase("--device", "Unit_1", "--device Unit_1: a device id is 1 to 64 of a-z, 0-9 and '-'")]
    [TestCase("--seconds", "-1", "--seconds -1: give a duration")]
    [TestCase("--password", "secret", "--password needs --username")]
    [TestCase("--ca", "ca.pem", "is plain TCP (mqtt://) but --ca asks for TLS")]
    public void Bad_options_are_named(string option, string value, string message)
    {
        var (exit, output) = CliRunner.Run("monitor", "--broker", "mqtt://broker.local", option, value);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain(message));
    }

    private static string LastRow(string[] lines, string deviceId) =>
        lines.LastOrDefault(line => line.StartsWith(deviceId + " ", StringComparison.Ordinal)) ?? throw new AssertionException($"no row for {deviceId} in:\n{string.Join('\n', lines)}");

    /// <summary>Plays both units' telemetry every 200 ms (it is not retained) until the monitor has exited.</summary>
    /// <summary>Publishes the units' telemetry until the monitor ends (at most <paramref name="playFor"/>, default <see cref="Patience"/>).</summary>
    private static async Task<(int ExitCode, string Output)> PlayUnitsUntilAsync(IMqttClient units, Task<(int, string)> run, bool sendEvent, TimeSpan? playFor = null)
    {
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var eventsSent = 0;
        while (!run.IsCompleted && stopwatch.Elapsed < (playFor ?? Patience))
        {
            await PublishAsync(units, "edgebci/v1/unit-1/telemetry", TelemetryDocument("unit-1"), retain: false);
            await PublishAsync(units, "edgebci/v1/unit-2/telemetry", TelemetryDocument("unit-2", state: "SafeStop", intent: null, qualities: ["FC3=good", "C3=lead-off", "C4=railed", "Cz=good"]), retain: false);
            if (sendEvent && eventsSent < 3)
            {
                // The same event three times, as a QoS 1 redelivery would bring it: printed once.
                await PublishAsync(units, "edgebci/v1/unit-2/events", Event("unit-2", 17, "Armed -> SafeStop FrameTimeout: no frame for 20 ms"), retain: false);
                eventsSent++;
            }

            await Task.WhenAny(run, Task.Delay(200));
        }

        return await run.WaitAsync(Patience);
    }

    private static int FreePort() => MonitorCommandTestsPorts.Free();

    private static async Task<MqttServer> StartBrokerAsync(int port)
    {
        var factory = new MqttServerFactory();
        var server = factory.CreateMqttServer(factory.CreateServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointPort(port).WithDefaultEndpointReuseAddress().Build());
        await server.StartAsync();
        return server;
    }

    /// <summary>Completes once the monitor has subscribed to the events, the last of its three subscriptions.</summary>
    private static Task MonitorSubscription(MqttServer server)
    {
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        server.ClientSubscribedTopicAsync += args =>
        {
            if (args.ClientId.StartsWith("edgebci-monitor-", StringComparison.Ordinal) && args.TopicFilter.Topic.EndsWith("/events", StringComparison.Ordinal))
            {
                subscribed.TrySetResult();
            }

            return Task.CompletedTask;
        };
        return subscribed.Task;
    }

    private static async Task<IMqttClient> ConnectUnitsAsync(int port)
    {
        var factory = new MqttClientFactory();
        var client = factory.CreateMqttClient();
        await client.ConnectAsync(
            factory.CreateClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V500).WithClientId("test-units").Build(),
            CancellationToken.None);
        return client;
    }

    private static Task PublishAsync(IMqttClient client, string topic, string json, bool retain) =>
        client.PublishStringAsync(topic, json, retain ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce, retain, CancellationToken.None);
}
