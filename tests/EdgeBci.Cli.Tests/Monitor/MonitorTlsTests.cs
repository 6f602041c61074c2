using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Server;

namespace EdgeBci.Cli.Tests.Monitor;

/// <summary>TLS against an in-process broker whose certificate comes from a test authority made for the run.</summary>
[NonParallelizable]
public sealed class MonitorTlsTests : IDisposable
{
    // One clock reading for the whole chain: a leaf may not outlive its authority, even by the milliseconds setup takes.
    private static readonly DateTimeOffset LeafValidFrom = DateTimeOffset.UtcNow.AddDays(-1);
    private static readonly DateTimeOffset LeafValidTo = LeafValidFrom.AddDays(2);

    private readonly string folder = Path.Combine(Path.GetTempPath(), $"edgebci-monitor-tls-{Guid.NewGuid():N}");
    private MqttServer? server;
    private int port;

    [OneTimeSetUp]
    public async Task StartTlsBroker()
    {
        Directory.CreateDirectory(folder);
        using var authority = CreateAuthority("CN=EdgeBci test broker authority");
        await File.WriteAllTextAsync(Path.Combine(folder, "ca.pem"), authority.ExportCertificatePem());
        using var otherAuthority = CreateAuthority("CN=Someone else's authority");
        await File.WriteAllTextAsync(Path.Combine(folder, "other-ca.pem"), otherAuthority.ExportCertificatePem());

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(authority, LeafValidFrom, LeafValidTo, RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(serverKey);

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var client = new CertificateRequest("CN=field-engineer", clientKey, HashAlgorithmName.SHA256)
            .Create(authority, LeafValidFrom, LeafValidTo, RandomNumberGenerator.GetBytes(8));
        await File.WriteAllTextAsync(Path.Combine(folder, "client.pem"), client.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(folder, "client.key"), clientKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(folder, "wrong.key"), serverKey.ExportPkcs8PrivateKeyPem());

        // Through PKCS#12, so the broker's TLS stack gets a certificate whose key it can use on every platform.
        var brokerCertificate = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
        port = MonitorCommandTestsPorts.Free();
        var factory = new MqttServerFactory();
        server = factory.CreateMqttServer(factory.CreateServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointPort(port)
            .WithEncryptionCertificate(brokerCertificate)
            .Build());
        await server.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopTlsBroker()
    {
        if (server is not null)
        {
            await server.StopAsync(new MqttServerStopOptions());
        }

        Dispose();
    }

    public void Dispose()
    {
        server?.Dispose();
        server = null;
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Connects_over_tls_when_the_broker_certificate_chains_to_the_given_authority()
    {
        var (exit, output) = CliRunner.Run("monitor", "--broker", $"mqtts://localhost:{port}", "--ca", Path.Combine(folder, "ca.pem"), "--plain", "--seconds", "1");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain($"broker localhost:{port}: connected"));
    }

    [Test]
    public void Presents_a_client_certificate_given_as_pem_files()
    {
        var (exit, output) = CliRunner.Run(
            "monitor", "--broker", $"localhost:{port}", "--ca", Path.Combine(folder, "ca.pem"),
            "--cert", Path.Combine(folder, "client.pem"), "--key", Path.Combine(folder, "client.key"), "--plain", "--seconds", "1");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain($"broker localhost:{port}: connected"));
    }

    [Test]
    public void A_key_that_does_not_belong_to_the_certificate_is_named()
    {
        var (exit, output) = CliRunner.Run(
            "monitor", "--broker", $"mqtts://localhost:{port}", "--cert", Path.Combine(folder, "client.pem"), "--key", Path.Combine(folder, "wrong.key"));
        Assert.That(exit, Is.EqualTo(2), output);
        var unwrapped = output.Replace("\n", string.Empty, StringComparison.Ordinal);
        Assert.That(unwrapped, Does.Contain("--cert ").And.Contain("--key ").And.Contain("not a PEM certificate and its matching private key (The provided key does not match the public key for this certificate.)"));
    }

    [Test]
    public void Refuses_a_broker_whose_certificate_chains_to_another_authority()
    {
        var (exit, output) = CliRunner.Run("monitor", "--broker", $"mqtts://localhost:{port}", "--ca", Path.Combine(folder, "other-ca.pem"), "--plain", "--seconds", "1");
        Assert.That(exit, Is.EqualTo(3), output);
        Assert.That(output, Does.Contain($"cannot connect to the MQTT broker at localhost:{port}: TLS"));
    }

    [Test]
    public void Refuses_a_broker_the_system_does_not_trust_when_no_authority_is_given()
    {
        var (exit, output) = CliRunner.Run("monitor", "--broker", $"mqtts://localhost:{port}", "--plain", "--seconds", "1");
        Assert.That(exit, Is.EqualTo(3), output);
        Assert.That(output, Does.Contain($"cannot connect to the MQTT broker at localhost:{port}: TLS"));
    }

    private static X509Certificate2 CreateAuthority(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(LeafValidFrom.AddDays(-1), LeafValidTo.AddDays(1));
    }
}
