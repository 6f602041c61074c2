using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeBci.Web.Hosting;

/// <summary>Loads the unit's HTTPS certificate from Web:CertificatePath: a PFX/PKCS#12 file, or PEM with its private key.</summary>
internal static class UnitCertificate
{
    /// <exception cref="ArgumentException">The file cannot be read as a certificate with its key; the message names the key and the file.</exception>
    public static X509Certificate2 Load(WebOptions options)
    {
        var path = options.CertificatePath;
        var password = ReadPassword(options.CertificatePasswordFile);
        try
        {
            var certificate = IsPem(path)
                ? LoadPem(path, options.CertificateKeyPath.Length > 0 ? options.CertificateKeyPath : path, password)
                : X509CertificateLoader.LoadPkcs12FromFile(path, password);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new ArgumentException($"{WebOptions.Section}:CertificatePath is '{path}': the certificate has no private key; HTTPS needs it");
            }

            return certificate;
        }
        catch (CryptographicException exception)
        {
            throw new ArgumentException($"{WebOptions.Section}:CertificatePath is '{path}': not a usable certificate with its key ({exception.Message}); use a PFX, or PEM with the key beside it in {WebOptions.Section}:CertificateKeyPath", exception);
        }
    }

    private static X509Certificate2 LoadPem(string certificatePath, string keyPath, string? password)
    {
        using var loaded = password is null
            ? X509Certificate2.CreateFromPemFile(certificatePath, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, keyPath);

        // An ephemeral PEM key is not usable by SslStream on every platform: round-trip through PKCS#12 as Kestrel does.
        return X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
    }

    private static bool IsPem(string path) =>
        File.ReadAllText(path).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);

    private static string? ReadPassword(string passwordFile)
    {
        if (passwordFile.Length == 0)
        {
            return null;
        }

        using var reader = new StreamReader(passwordFile);
        return reader.ReadLine() ?? string.Empty;
    }
}
