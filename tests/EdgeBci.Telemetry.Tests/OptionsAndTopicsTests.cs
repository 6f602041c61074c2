using EdgeBci.Telemetry.Commands;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Telemetry.Tests;

public class OptionsAndTopicsTests
{
    [Test]
    public void Defaults_are_valid_and_match_the_contract()
    {
        var options = new MqttOptions();
        Assert.That(options.Validate(), Is.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(options.Broker, Is.EqualTo("embedded"));
            Assert.That(options.EmbeddedPort, Is.EqualTo(1883));
            Assert.That(options.KeepAliveSeconds, Is.EqualTo(15));
            Assert.That(options.TelemetryQueueCapacity, Is.EqualTo(16));
            Assert.That(options.EventQueueMaxEvents, Is.EqualTo(10000));
            Assert.That(options.EventQueueMaxBytes, Is.EqualTo(16L * 1024 * 1024));
            Assert.That(options.MaxCommandBytes, Is.EqualTo(4096));
            Assert.That(DeviceIds.IsValid(options.ResolveDeviceId()), Is.True);
            Assert.That(options.ResolveClientId(), Is.EqualTo("edgebci-" + options.ResolveDeviceId()));
        });
    }

    [TestCase("tcp://x", "Mqtt:Broker is 'tcp://x': use embedded, mqtt://host:port or mqtts://host:port")]
    [TestCase("", "Mqtt:Broker is ''")]
    [TestCase("mqtt://host:99999", "Mqtt:Broker is 'mqtt://host:99999'")]
    [TestCase("mqtt://user:pw@host:1883", "credentials go in Mqtt:Username/Password")]
    [TestCase("mqtt://host:1883/path", "only a host and a port")]
    public void A_bad_broker_is_named_with_its_value(string broker, string expected)
    {
        var errors = new MqttOptions { Broker = broker }.Validate();
        Assert.That(errors, Has.Some.Contains(expected));
    }

    [TestCase("embedded", true, "127.0.0.1", 1883, false)]
    [TestCase("mqtt://broker.local", false, "broker.local", 1883, false)]
    [TestCase("mqtts://broker.local", false, "broker.local", 8883, true)]
    [TestCase("mqtt://10.0.0.5:2883", false, "10.0.0.5", 2883, false)]
    [TestCase("mqtts://fleet.example.com:9883", false, "fleet.example.com", 9883, true)]
    [TestCase("mqtt://[::1]:1884", false, "::1", 1884, false)]
    public void Broker_uris_parse(string broker, bool embedded, string host, int port, bool tls)
    {
        var endpoint = BrokerEndpoint.Parse(broker);
        Assert.That(endpoint, Is.EqualTo(new BrokerEndpoint(embedded, host, port, tls)));
    }

    [Test]
    public void Every_bad_key_is_named()
    {
        var options = new MqttOptions
        {
            EmbeddedPort = 70000,
            EmbeddedBindAddress = "0.0.0.0",
            DeviceId = "Unit_1",
            Password = "secret",
            KeepAliveSeconds = 0,
            ConnectTimeoutMs = 5,
            ReconnectMinDelayMs = 5000,
            ReconnectMaxDelayMs = 1000,
            TelemetryIntervalMs = 0,
            TelemetryQueueCapacity = 0,
            EventQueueMaxEvents = 0,
            EventQueueMaxBytes = 10,
            MaxCommandBytes = 1,
            CaCertificate = "/etc/ca.pem",
            Commands = new() { ["arm"] = new CommandPermission(), ["stop"] = new CommandPermission { AllowedSenders = ["ops", " "] } },
        };
        var errors = options.Validate();
        string[] expected =
        [
            "Mqtt:EmbeddedPort is 70000",
            "Mqtt:EmbeddedBindAddress is '0.0.0.0'",
            "Mqtt:DeviceId is 'Unit_1'",
            "Mqtt:Password is set but Mqtt:Username is empty",
            "Mqtt:KeepAliveSeconds is 0",
            "Mqtt:ConnectTimeoutMs is 5",
            "Mqtt:ReconnectMaxDelayMs is 1000: it must be at least Mqtt:ReconnectMinDelayMs (5000)",
            "Mqtt:TelemetryIntervalMs is 0",
            "Mqtt:TelemetryQueueCapacity is 0",
            "Mqtt:EventQueueMaxEvents is 0",
            "Mqtt:EventQueueMaxBytes is 10",
            "Mqtt:MaxCommandBytes is 1",
            "Mqtt:CaCertificate is '/etc/ca.pem' but the broker is not mqtts://",
            "Mqtt:Commands:arm is not a command; commands are stop, disarm, start-recording, stop-recording, self-test, set-log-level, report-configuration",
            "Mqtt:Commands:stop:AllowedSenders:1 is ' '",
        ];
        foreach (var text in expected)
        {
            Assert.That(errors, Has.Some.Contains(text), text);
        }

        Assert.That(errors, Has.Count.EqualTo(expected.Length), string.Join(Environment.NewLine, errors));
    }

    [Test]
    public void Tls_files_must_exist_and_come_in_pairs()
    {
        var errors = new MqttOptions { Broker = "mqtts://b:8883", CaCertificate = "/nonexistent/ca.pem", ClientCertificate = "/nonexistent/c.pem" }.Validate();
        Assert.That(errors, Has.Some.Contains("Mqtt:CaCertificate is '/nonexistent/ca.pem': no such file"));
        Assert.That(errors, Has.Some.Contains("Mqtt:ClientCertificate is '/nonexistent/c.pem' and Mqtt:ClientKey is '': set both"));
    }

    [Test]
    public void Remote_embedded_bind_needs_the_explicit_switch()
    {
        Assert.That(new MqttOptions { EmbeddedBindAddress = "0.0.0.0", EmbeddedAllowRemote = true }.Validate(), Is.Empty);
        Assert.That(() => new Telemetry.Broker.EmbeddedBroker(new MqttOptions { EmbeddedBindAddress = "0.0.0.0" }, TestBrokerCredentials.Create(), TestBrokerCredentials.OpenAcl),
            Throws.ArgumentException.With.Message.Contains("binds only to a loopback address"));
    }

    [Test]
    public void The_section_binds_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mqtt:Broker"] = "mqtt://fleet:1884",
            ["Mqtt:DeviceId"] = "unit-7",
            ["Mqtt:Commands:stop:AllowedSenders:0"] = "ops-console",
            ["Mqtt:Commands:self-test:Enabled"] = "false",
        }).Build();
        var options = new MqttOptions();
        configuration.GetSection(MqttOptions.SectionName).Bind(options);
        Assert.Multiple(() =>
        {
            Assert.That(options.Validate(), Is.Empty);
            Assert.That(options.ResolveClientId(), Is.EqualTo("edgebci-unit-7"));
            Assert.That(options.PermissionFor("stop").AllowedSenders, Is.EqualTo(new[] { "ops-console" }));
            Assert.That(options.PermissionFor("self-test").Enabled, Is.False);
            Assert.That(options.PermissionFor("disarm").Enabled, Is.True);
        });
    }

    [TestCase("Pi-Unit_07.local", "pi-unit-07-local")]
    [TestCase("", "unit")]
    [TestCase("ÄBC", "-bc")]
    public void Device_ids_derive_from_the_machine_name(string machine, string expected) =>
        Assert.That(DeviceIds.FromMachineName(machine), Is.EqualTo(expected));

    [Test]
    public void Topics_follow_the_contract()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MqttTopics.Status("unit-1"), Is.EqualTo("edgebci/v1/unit-1/status"));
            Assert.That(MqttTopics.Telemetry("unit-1"), Is.EqualTo("edgebci/v1/unit-1/telemetry"));
            Assert.That(MqttTopics.Events("unit-1"), Is.EqualTo("edgebci/v1/unit-1/events"));
            Assert.That(MqttTopics.Command("unit-1", "stop"), Is.EqualTo("edgebci/v1/unit-1/cmd/stop"));
            Assert.That(MqttTopics.CommandFilter("unit-1"), Is.EqualTo("edgebci/v1/unit-1/cmd/+"));
            Assert.That(MqttTopics.TryParseCommand("edgebci/v1/unit-1/cmd/set-log-level", out var device, out var name), Is.True);
            Assert.That((device, name), Is.EqualTo(("unit-1", "set-log-level")));
        });
    }

    [TestCase("edgebci/v1/unit-1/cmd/")]
    [TestCase("edgebci/v1/unit-1/cmd/a/b")]
    [TestCase("edgebci/v2/unit-1/cmd/stop")]
    [TestCase("edgebci/v1/Unit-1/cmd/stop")]
    [TestCase("edgebci/v1/unit-1/status")]
    [TestCase("edgebci/v1//cmd/stop")]
    [TestCase("")]
    public void Non_command_topics_do_not_parse(string topic) =>
        Assert.That(MqttTopics.TryParseCommand(topic, out _, out _), Is.False);

    [Test]
    public void The_command_allow_list_has_nothing_that_arms_or_moves()
    {
        Assert.That(CommandNames.All, Is.EquivalentTo(new[] { "stop", "disarm", "start-recording", "stop-recording", "self-test", "set-log-level", "report-configuration" }));
        Assert.That(CommandNames.IsKnown("arm") || CommandNames.IsKnown("move") || CommandNames.IsKnown("drive"), Is.False);
    }
}
