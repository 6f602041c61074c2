using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeBci.Tests.Shared.Mosquitto;

/// <summary>A certificate written as PEM files (what mosquitto reads) and loaded with its key (what .NET TLS clients use).</summary>
internal sealed record PemCertificate(string CommonName, string CertificatePath, string KeyPath, X509Certificate2 Certificate);

/// <summary>
/// A throw-away PKI made at test time: an ECDSA P-256 CA, a server certificate for localhost/127.0.0.1 and client
/// certificates per common name (the broker takes the CN as the identity). Keys are written as PKCS#8
/// "PRIVATE KEY" PEM, which mosquitto's OpenSSL 3 reads for EC keys as well as RSA.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(2);
    private readonly ECDsa _caKey;
    private readonly List<X509Certificate2> _issued = [];

    public TestCertificates(string folder)
    {
        Folder = folder;
        Directory.CreateDirectory(folder);
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=EdgeBci Test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        Authority = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Lifetime));
        AuthorityPath = Path.Combine(folder, "ca.crt");
        File.WriteAllText(AuthorityPath, Authority.ExportCertificatePem());
        Server = Issue("localhost", serverAuthentication: true);
    }

    public string Folder { get; }

    /// <summary>The CA certificate (public part only); clients trust the broker through it.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>PEM path of the CA certificate: the broker's cafile.</summary>
    public string AuthorityPath { get; }

    /// <summary>The broker's certificate: CN=localhost, SAN DNS localhost and IP 127.0.0.1, serverAuth.</summary>
    public PemCertificate Server { get; }

    /// <summary>A client certificate (clientAuth) signed by this CA, CN = <paramref name="commonName"/>.</summary>
    public PemCertificate Client(string commonName) => Issue(commonName, serverAuthentication: false);

    /// <summary>
    /// A self-signed client certificate with the given CN that no broker of this PKI trusts: what an attacker
    /// who knows a unit's id could make.
    /// </summary>
    public PemCertificate SelfSignedClient(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ClientRequest(commonName, key, serverAuthentication: false);
        var now = DateTimeOffset.UtcNow;
        using var selfSigned = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Lifetime));
        return Write($"self-signed-{commonName}", commonName, selfSigned, key);
    }

    /// <summary>
    /// TLS server validation against <paramref name="authority"/> alone (not the machine's store): the chain must
    /// end at that CA and the name must match the host the client asked for.
    /// </summary>
    public static bool IsServerTrusted(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (presented is not X509Certificate2 server
            || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(server);
    }

    public void Dispose()
    {
        _caKey.Dispose();
        Authority.Dispose();
        foreach (var certificate in _issued)
        {
            certificate.Dispose();
        }
    }

    private PemCertificate Issue(string commonName, bool serverAuthentication)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ClientRequest(commonName, key, serverAuthentication);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(Authority.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), now.AddMinutes(-5), now.Add(Lifetime), RandomNumberGenerator.GetBytes(16));
        return Write(serverAuthentication ? "server" : $"client-{commonName}", commonName, issued, key);
    }

    private static CertificateRequest ClientRequest(string commonName, ECDsa key, bool serverAuthentication)
    {
        if (string.IsNullOrWhiteSpace(commonName) || commonName.Contains(',', StringComparison.Ordinal) || commonName.Contains('=', StringComparison.Ordinal))
        {
            throw new ArgumentException($"Certificate common name '{commonName}' must be non-empty and contain no ',' or '='.", nameof(commonName));
        }

        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, critical: true));
        var usage = serverAuthentication ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2";
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        if (serverAuthentication)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(commonName);
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        return request;
    }

    private PemCertificate Write(string fileStem, string commonName, X509Certificate2 publicCertificate, ECDsa key)
    {
        var certificatePem = publicCertificate.ExportCertificatePem();
        var keyPem = key.ExportPkcs8PrivateKeyPem();
        var certificatePath = Path.Combine(Folder, fileStem + ".crt");
        var keyPath = Path.Combine(Folder, fileStem + ".key");
        File.WriteAllText(certificatePath, certificatePem);
        File.WriteAllText(keyPath, keyPem);
        var withKey = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        _issued.Add(withKey);
        return new PemCertificate(commonName, certificatePath, keyPath, withKey);
    }
}
