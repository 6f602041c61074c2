using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace EdgeBci.Telemetry.Uplink;

/// <summary>How a client trusts a fleet broker that runs on a private authority: that authority and nothing else.</summary>
public static class BrokerCertificates
{
    /// <summary>
    /// The broker's certificate must chain to one of <paramref name="authorities"/> only (not the system store) and name
    /// the host dialled. No revocation check: private fleet authorities publish no revocation lists.
    /// </summary>
    public static bool ChainsToAuthorities(MqttClientCertificateValidationEventArgs args, X509Certificate2Collection authorities)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(authorities);
        if (args.Certificate is null || (args.SslPolicyErrors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        if (args.Chain is not null)
        {
            foreach (var element in args.Chain.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (args.Certificate is X509Certificate2 certificate)
        {
            return chain.Build(certificate);
        }

        using var loaded = X509CertificateLoader.LoadCertificate(args.Certificate.GetRawCertData());
        return chain.Build(loaded);
    }
}
