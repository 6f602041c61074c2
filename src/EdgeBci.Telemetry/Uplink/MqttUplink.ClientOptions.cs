using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeBci.Telemetry.Payloads;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Uplink;

public sealed partial class MqttUplink
{
    private MqttClientOptions BuildClientOptions()
    {
        var host = _endpoint.IsEmbedded ? EmbeddedHost(_options.EmbeddedBindAddress) : _endpoint.Host;
        var port = _endpoint.IsEmbedded ? _options.EmbeddedPort : _endpoint.Port;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(_clientId)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromMilliseconds(_options.ConnectTimeoutMs))
            .WithWillTopic(MqttTopics.Status(_identity.DeviceId))
            .WithWillPayload(TelemetryJson.SerializeStatus(BuildStatus(false)))
            .WithWillContentType("application/json")
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true);
        if (_options.Username.Length > 0)
        {
            builder.WithCredentials(_options.Username, _options.Password);
        }

        if (!_endpoint.IsEmbedded && _endpoint.UseTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls(true).WithTargetHost(_endpoint.Host);
                if (_options.AllowUntrustedServer)
                {
                    tls.WithCertificateValidationHandler(static _ => true);
                }
                else if (_trustedCas is not null)
                {
                    tls.WithCertificateValidationHandler(args => BrokerCertificates.ChainsToAuthorities(args, _trustedCas));
                }

                if (_clientCertificate is not null)
                {
                    tls.WithClientCertificates(new X509Certificate2Collection(_clientCertificate));
                }
            });
        }

        return builder.Build();
    }

    private static string EmbeddedHost(string bindAddress) =>
        IPAddress.TryParse(bindAddress, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            ? "127.0.0.1"
            : bindAddress;

    private void LoadTlsMaterial()
    {
        if (_endpoint.IsEmbedded || !_endpoint.UseTls)
        {
            return;
        }

        if (_options.CaCertificate.Length > 0)
        {
            try
            {
                var cas = new X509Certificate2Collection();
                cas.ImportFromPemFile(_options.CaCertificate);
                if (cas.Count == 0)
                {
                    throw new InvalidOperationException("no certificate in the file");
                }

                _trustedCas = cas;
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or InvalidOperationException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"{MqttOptions.SectionName}:CaCertificate is '{_options.CaCertificate}': cannot read a PEM certificate ({ex.Message})", ex);
            }
        }

        if (_options.ClientCertificate.Length > 0)
        {
            try
            {
                using var pem = X509Certificate2.CreateFromPemFile(_options.ClientCertificate, _options.ClientKey);

                // SslStream on Linux wants the private key in a form it can hand to OpenSSL; a PKCS#12 round trip gives that.
                _clientCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException(
                    $"{MqttOptions.SectionName}:ClientCertificate '{_options.ClientCertificate}' with {MqttOptions.SectionName}:ClientKey '{_options.ClientKey}': cannot load the PEM pair ({ex.Message})", ex);
            }
        }
    }

    private static string Describe(BrokerEndpoint endpoint) =>
        endpoint.IsEmbedded ? "the embedded broker" : $"{(endpoint.UseTls ? "mqtts" : "mqtt")}://{endpoint.Host}:{endpoint.Port}";
}
