using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;

namespace EdgeBci.Telemetry.Tests.Mosquitto;

/// <summary>The harness itself: missing infrastructure is a clear failure, and the ACL tests test the ACL file.</summary>
[TestFixture]
[NonParallelizable]
public sealed class BrokerHarnessTests
{
    [Test]
    public void A_missing_broker_binary_fails_with_the_command_that_installs_it()
    {
        var before = Environment.GetEnvironmentVariable("EDGEBCI_MOSQUITTO");
        Environment.SetEnvironmentVariable("EDGEBCI_MOSQUITTO", "/nonexistent/mosquitto");
        try
        {
            Assert.That(async () => await MosquittoBroker.StartAsync(), Throws.TypeOf<FileNotFoundException>().With.Message.Contains(".ci/mosquitto"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDGEBCI_MOSQUITTO", before);
        }
    }

    [Test]
    public async Task The_broker_enforces_the_acl_file_it_is_given()
    {
        // The same observer publish the ACL tests expect to be refused goes through with an allow-all ACL: the
        // refusals there come from deploy/mosquitto/acl, not from something else in the harness.
        var folder = Directory.CreateTempSubdirectory("edgebci-acl-");
        try
        {
            var allowAll = Path.Combine(folder.FullName, "acl");
            await File.WriteAllTextAsync(allowAll, "pattern readwrite #\n");
            await using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { AclPath = allowAll });
            await using var observer = await MqttTestClient.ConnectTlsAsync(broker, "observer");

            var command = await observer.PublishAsync("edgebci/v1/unit-1/cmd/stop", "{}");

            Assert.That(command.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.NoMatchingSubscribers).Or.EqualTo(MqttClientPublishReasonCode.Success), broker.Log);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public async Task A_killed_broker_starts_again_on_the_same_ports()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var ports = (broker.TlsPort, broker.PlainPort);

        await broker.KillAsync();
        Assert.That(broker.IsRunning, Is.False);
        await broker.StartAsync();

        Assert.That(broker.IsRunning, Is.True);
        Assert.That((broker.TlsPort, broker.PlainPort), Is.EqualTo(ports));
        await using var unit = await MqttTestClient.ConnectTlsAsync(broker, "unit-1");
        Assert.That(unit.Client.IsConnected, Is.True);
        Assert.That(async () => await broker.StartAsync(), Throws.InvalidOperationException.With.Message.Contains("already running"));
    }

    [Test]
    public async Task The_deployed_broker_config_runs_with_mutual_tls_the_password_listener_and_the_acl()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoBrokerOptions { UseDeployedConfig = true });
        await using var unit = await MqttTestClient.ConnectTlsAsync(broker, "unit-1");
        await using var observer = await MqttTestClient.ConnectAsync(MqttTestClient.PasswordOptions(broker, "observer").Build());
        var noCertificate = MqttTestClient.TlsOptions(broker.TlsPort, clientCertificate: null, broker.Certificates.Authority, "no-certificate").Build();

        var status = await unit.PublishAsync("edgebci/v1/unit-1/status", "{}");
        var command = await observer.PublishAsync("edgebci/v1/unit-1/cmd/stop", "{}");

        Assert.That(status.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.NoMatchingSubscribers).Or.EqualTo(MqttClientPublishReasonCode.Success), broker.Log);
        Assert.That(command.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.NotAuthorized), broker.Log);
        Assert.That(async () => await MqttTestClient.ConnectAsync(noCertificate), Throws.InstanceOf<MQTTnet.Exceptions.MqttCommunicationException>());
        Assert.That(File.ReadAllText(broker.ConfigPath), Does.Contain("require_certificate true").And.Contain("per_listener_settings true"));
    }
}
