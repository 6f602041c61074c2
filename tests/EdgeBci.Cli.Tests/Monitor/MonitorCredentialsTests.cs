using EdgeBci.Telemetry;
using EdgeBci.Telemetry.Broker;
using EdgeBci.Tests.Shared;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using EdgeBci.Cli.Monitor;
using static EdgeBci.Cli.Tests.Monitor.UnitJson;

namespace EdgeBci.Cli.Tests.Monitor;

/// <summary><c>--credentials</c>: the monitor takes its identity (observer unless --username says otherwise) from the embedded broker's credentials file.</summary>
[NonParallelizable]
public sealed class MonitorCredentialsTests
{
    private static MonitorSettings Settings(string broker, FileInfo? credentials, string? username = null, string? password = null, string unitFile = "/nonexistent/credentials.json") =>
        MonitorSettings.Create(broker, null, null, null, null, username, password, 1, plain: true, events: false, credentials, unitFile);

    [Test]
    public void The_file_gives_the_observers_password_unless_another_identity_is_asked_for()
    {
        using var scratch = new ScratchFolder("monitor-credentials");
        var file = BrokerCredentials.EnsureFor(Path.Combine(scratch.Path, "credentials.json"), ["unit-1", "dashboard", "observer"]);
        using var observer = Settings("127.0.0.1:1883", new FileInfo(file.Path));
        using var dashboard = Settings("127.0.0.1:1883", new FileInfo(file.Path), username: "dashboard");
        Assert.Multiple(() =>
        {
            Assert.That(observer.Username, Is.EqualTo("observer"));
            Assert.That(observer.Password, Is.EqualTo(file.For("observer").Password));
            Assert.That(observer.CredentialsFile, Is.EqualTo(file.Path));
            Assert.That(observer.CredentialsByDefault, Is.False);
            Assert.That(dashboard.Password, Is.EqualTo(file.For("dashboard").Password));
        });
    }

    [Test]
    public void A_user_missing_from_the_file_a_missing_file_and_a_file_of_another_format_are_named()
    {
        using var scratch = new ScratchFolder("monitor-credentials");
        var file = BrokerCredentials.EnsureFor(Path.Combine(scratch.Path, "credentials.json"), ["unit-1", "observer"]);
        var garbage = Path.Combine(scratch.Path, "garbage.json");
        File.WriteAllText(garbage, "{ not json");
        Assert.Multiple(() =>
        {
            Assert.That(() => Settings("127.0.0.1", new FileInfo(file.Path), username: "dashboard"),
                Throws.ArgumentException.With.Message.Contains($"--credentials {file.Path}").And.Message.Contains("no user 'dashboard'"));
            Assert.That(() => Settings("127.0.0.1", new FileInfo(Path.Combine(scratch.Path, "absent.json"))),
                Throws.ArgumentException.With.Message.Contains("absent.json").And.Message.Contains("no broker credentials"));
            Assert.That(() => Settings("127.0.0.1", new FileInfo(garbage)),
                Throws.ArgumentException.With.Message.Contains("garbage.json").And.Message.Contains("not a broker credentials file"));
            Assert.That(() => Settings("127.0.0.1", new FileInfo(file.Path), username: "observer", password: "x"),
                Throws.ArgumentException.With.Message.Contains("--password and --credentials"));
        });
    }

    [Test]
    public void The_units_own_file_is_the_default_only_for_a_loopback_broker()
    {
        using var scratch = new ScratchFolder("monitor-credentials");
        var file = BrokerCredentials.EnsureFor(Path.Combine(scratch.Path, "credentials.json"), ["unit-1", "observer"]);
        using var local = Settings("127.0.0.1:1883", null, unitFile: file.Path);
        using var localhost = Settings("localhost", null, unitFile: file.Path);
        using var remote = Settings("fleet.example:1883", null, unitFile: file.Path);
        using var absent = Settings("127.0.0.1:1883", null, unitFile: Path.Combine(scratch.Path, "absent.json"));
        Assert.Multiple(() =>
        {
            Assert.That(local.Password, Is.EqualTo(file.For("observer").Password));
            Assert.That(local.CredentialsByDefault, Is.True, "a refused login then names the file it came from");
            Assert.That(localhost.Username, Is.EqualTo("observer"));
            Assert.That(remote.Username, Is.Null, "a remote broker never gets the unit's passwords");
            Assert.That(absent.Username, Is.Null, "no file, no credentials: as before");
        });
    }

    [Test]
    public async Task The_monitor_reads_the_units_on_an_authenticating_embedded_broker_with_the_file()
    {
        using var scratch = new ScratchFolder("monitor-credentials");
        var credentials = BrokerCredentials.EnsureFor(Path.Combine(scratch.Path, "credentials.json"), ["unit-1", "dashboard", "observer"]);
        var acl = BrokerAccessList.Parse("monitor-test.acl", "pattern write edgebci/v1/%u/status\nuser observer\ntopic read edgebci/v1/#\n");
        await using var broker = new EmbeddedBroker(new MqttOptions { EmbeddedPort = 0, DeviceId = "unit-1" }, credentials, acl);
        await broker.StartAsync();
        using var unit = new MqttClientFactory().CreateMqttClient();
        await unit.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("edgebci-unit-1").WithCredentials("unit-1", credentials.For("unit-1").Password).Build());
        await unit.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("edgebci/v1/unit-1/status").WithPayload(Status("unit-1", online: true))
            .WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var (withFile, listed) = await Task.Run(() => CliRunner.Run("monitor", "--broker", $"127.0.0.1:{broker.Port}", "--credentials", credentials.Path, "--plain", "--seconds", "1.5"));
        var (wrongPassword, refused) = await Task.Run(() => CliRunner.Run("monitor", "--broker", $"127.0.0.1:{broker.Port}", "--username", "observer", "--password", "guess", "--plain", "--seconds", "1"));

        // Without --credentials: on a machine that runs a firmware the unit's own file is taken (and refused by this
        // broker), elsewhere there is no user; either way the answer says to give --credentials.
        var (anonymous, hinted) = await Task.Run(() => CliRunner.Run("monitor", "--broker", $"127.0.0.1:{broker.Port}", "--plain", "--seconds", "1"));

        Assert.That(withFile, Is.Zero, listed);
        Assert.That(anonymous, Is.EqualTo(3), hinted);
        Assert.That(hinted, Does.Contain("BadUserNameOrPassword").And.Contain("--credentials"));
        Assert.That(listed, Does.Contain("unit-1"));
        Assert.That(wrongPassword, Is.EqualTo(3), refused);
        Assert.That(refused, Does.Contain("BadUserNameOrPassword"));
    }
}
