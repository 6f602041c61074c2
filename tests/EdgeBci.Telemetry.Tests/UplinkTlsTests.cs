using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeBci.Telemetry.Uplink;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Server;

namespace EdgeBci.Telemetry.Tests;

/// <summary>mqtts:// against an MQTTnet broker with a TLS endpoint, certificates made on the fly.</summary>
public class UplinkTlsTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Samples.TempFolder();

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name, bool server, out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private string WritePem(string fileName, string pem)
    {
        var path = Path.Combine(_folder, fileName);
        File.WriteAllText(path, pem);
        return path;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static async Task<(MqttServer Server, int Port)> StartTlsBrokerAsync(X509Certificate2 serverCertificate, X509Certificate2 clientCa, List<string> clientSubjects)
    {
        var port = FreePort();
        var options = new MqttServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithEncryptedEndpoint()
            .WithEncryptedEndpointPort(port)
            .WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback)
            .WithEncryptedEndpointBoundIPV6Address(IPAddress.None)
            .WithEncryptionCertificate(serverCertificate)
            .WithClientCertificate((_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.CustomTrustStore.Add(clientCa);
                using var presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                var trusted = chain.Build(presented);
                lock (clientSubjects)
                {
                    clientSubjects.Add(presented.Subject);
                }

                return trusted;
            }, false)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        await server.StartAsync();
        return (server, port);
    }

    private MqttUplink CreateUplink(MqttOptions options) =>
        new(options, new UplinkIdentity("unit-1", "0.1.0", "emulator", DateTimeOffset.UnixEpoch), null, Path.Combine(_folder, "journal"),
            TimeProvider.System, NullLogger<MqttUplink>.Instance);

    [Test]
    public async Task Mqtts_with_the_configured_ca_and_a_client_certificate_connects_and_a_foreign_ca_does_not()
    {
        using var ca = CreateCa("EdgeBci Test Fleet CA");
        using var otherCa = CreateCa("Somebody Else CA");
        using var serverCertificate = Issue(ca, "broker", server: true, out var serverKey);
        using var clientCertificate = Issue(ca, "unit-1", server: false, out var clientKey);
        serverKey.Dispose();
        var subjects = new List<string>();
        var (server, port) = await StartTlsBrokerAsync(serverCertificate, ca, subjects);
        try
        {
            var options = UplinkTests.OptionsFor(port);
            options.Broker = $"mqtts://127.0.0.1:{port}";
            options.CaCertificate = WritePem("ca.pem", ca.ExportCertificatePem());
            options.ClientCertificate = WritePem("client.pem", clientCertificate.ExportCertificatePem());
            options.ClientKey = WritePem("client.key", clientKey.ExportPkcs8PrivateKeyPem());
            clientKey.Dispose();
            Assert.That(options.Validate(), Is.Empty);

            await using (var uplink = CreateUplink(options))
            {
                await uplink.StartAsync(CancellationToken.None);
                var deadline = Stopwatch.StartNew();
                while (!uplink.IsConnected && deadline.Elapsed < TimeSpan.FromSeconds(15))
                {
                    await Task.Delay(20);
                }

                Assert.That(uplink.IsConnected, Is.True, $"connected over TLS; last error: {uplink.Counters.LastError}");
                lock (subjects)
                {
                    Assert.That(subjects, Has.Some.EqualTo("CN=unit-1"), "the broker saw the unit's client certificate");
                }
            }

            options.CaCertificate = WritePem("other-ca.pem", otherCa.ExportCertificatePem());
            await using (var uplink = CreateUplink(options))
            {
                await uplink.StartAsync(CancellationToken.None);
                var deadline = Stopwatch.StartNew();
                while (uplink.Counters.LastError is null && deadline.Elapsed < TimeSpan.FromSeconds(15))
                {
                    await Task.Delay(20);
                }

                Assert.That(uplink.Counters.LastError, Does.StartWith($"cannot connect to mqtts://127.0.0.1:{port}").And.Contains("certificate was rejected"));
                Assert.That(uplink.Counters.Connects, Is.Zero, "a server whose chain does not end at the configured CA is refused");
            }
        }
        finally
        {
            await server.StopAsync();
            server.Dispose();
        }
    }

    [Test]
    public async Task An_unreadable_ca_file_is_named_at_start()
    {
        var options = UplinkTests.OptionsFor(8883);
        options.Broker = "mqtts://127.0.0.1:8883";
        options.CaCertificate = WritePem("ca.pem", "not a certificate");
        await using var uplink = CreateUplink(options);
        Assert.That(() => uplink.StartAsync(CancellationToken.None), Throws.InvalidOperationException.With.Message.Contains("Mqtt:CaCertificate is '"));
    }
}
