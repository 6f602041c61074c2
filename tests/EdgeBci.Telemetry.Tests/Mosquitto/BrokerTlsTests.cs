using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Tests.Mosquitto;

/// <summary>The fleet listener's mutual TLS, against a real mosquitto: only certificates from the fleet CA get in.</summary>
[TestFixture]
public sealed class BrokerTlsTests : MosquittoFixture
{
    [Test]
    public async Task A_client_certificate_signed_by_the_ca_connects_and_its_cn_is_its_identity()
    {
        await using var unit = await MqttTestClient.ConnectTlsAsync(Broker, "unit-1");
        Assert.That(unit.Client.IsConnected, Is.True);

        // The identity is the CN: unit-1 may write its own status (PUBACK Success), not unit-2's.
        var own = await unit.PublishAsync("edgebci/v1/unit-1/status", "{}", retain: false);
        var foreign = await unit.PublishAsync("edgebci/v1/unit-2/status", "{}", retain: false);
        Assert.That(own.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.Success).Or.EqualTo(MqttClientPublishReasonCode.NoMatchingSubscribers));
        Assert.That(foreign.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.NotAuthorized));
    }

    [Test]
    public async Task A_self_signed_client_certificate_with_a_valid_identity_is_refused()
    {
        var forged = Broker.Certificates.SelfSignedClient("unit-1");
        var options = MqttTestClient.TlsOptions(Broker.TlsPort, forged, Broker.Certificates.Authority, "forged-unit-1").Build();

        Assert.That(async () => await MqttTestClient.ConnectAsync(options), Throws.InstanceOf<MqttCommunicationException>(), Broker.Log);
        await Broker.WaitForLogAsync("certificate verify failed", MqttTestClient.DefaultWait);
        Assert.That(Broker.Log, Does.Not.Contain("as forged-unit-1"), "the forged client never got an MQTT session");
    }

    [Test]
    public async Task A_client_without_a_certificate_is_refused_on_the_tls_port()
    {
        var options = MqttTestClient.TlsOptions(Broker.TlsPort, clientCertificate: null, Broker.Certificates.Authority, "no-certificate").Build();

        Assert.That(async () => await MqttTestClient.ConnectAsync(options), Throws.InstanceOf<MqttCommunicationException>(), Broker.Log);
        await Broker.WaitForLogAsync("peer did not return a certificate", MqttTestClient.DefaultWait);
        Assert.That(Broker.Log, Does.Not.Contain("as no-certificate"));
    }

    [Test]
    public void A_client_that_trusts_another_ca_refuses_theBroker()
    {
        using var otherPki = new TestCertificates(Path.Combine(Broker.Folder, "other-pki"));
        var options = MqttTestClient.TlsOptions(Broker.TlsPort, Broker.ClientCertificate("unit-1"), otherPki.Authority, "wrong-ca").Build();

        Assert.That(async () => await MqttTestClient.ConnectAsync(options), Throws.InstanceOf<MqttCommunicationException>());
    }

    [Test]
    public async Task The_plain_listener_takes_the_generated_password_and_refuses_a_wrong_one_or_none()
    {
        await using var dashboard = await MqttTestClient.ConnectAsync(MqttTestClient.PasswordOptions(Broker, "dashboard").Build());
        Assert.That(dashboard.Client.IsConnected, Is.True);

        var wrongPassword = MqttTestClient.PasswordOptions(Broker, "dashboard", password: "not-the-password").Build();
        Assert.That(async () => await MqttTestClient.ConnectAsync(wrongPassword), Throws.InstanceOf<ConnectionRefusedException>()
            .With.Message.Contains(nameof(MqttClientConnectResultCode.BadUserNameOrPassword)).Or.Message.Contains(nameof(MqttClientConnectResultCode.NotAuthorized)));

        var anonymous = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", Broker.PlainPort)
            .WithClientId("anonymous")
            .Build();
        Assert.That(async () => await MqttTestClient.ConnectAsync(anonymous), Throws.InstanceOf<ConnectionRefusedException>()
            .With.Message.Contains(nameof(MqttClientConnectResultCode.NotAuthorized)).Or.Message.Contains(nameof(MqttClientConnectResultCode.BadUserNameOrPassword)));
    }

    [Test]
    public async Task The_plain_listener_enforces_the_same_acl()
    {
        await using var observer = await MqttTestClient.ConnectAsync(MqttTestClient.PasswordOptions(Broker, "observer").Build());

        var command = await observer.PublishAsync("edgebci/v1/unit-1/cmd/stop", "{}");

        Assert.That(command.ReasonCode, Is.EqualTo(MqttClientPublishReasonCode.NotAuthorized));
    }
}
