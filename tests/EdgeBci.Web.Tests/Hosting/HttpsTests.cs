using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Web.Tests.Hosting;

[TestFixture]
public sealed class HttpsTests
{
    [Test]
    public async Task A_pem_certificate_with_its_key_serves_https_with_a_secure_cookie()
    {
        using var folder = new ScratchFolder("web-cert");
        var certificatePath = Path.Combine(folder.Path, "unit.crt");
        var keyPath = Path.Combine(folder.Path, "unit.key");
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=edgebci-unit", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        await using var harness = await PageServerHarness.Start(options =>
        {
            options.CertificatePath = certificatePath;
            options.CertificateKeyPath = keyPath;
        });
        var client = harness.NewClient();
        using var pair = await PageServerHarness.PostJson(client, "/api/pair", "{\"code\":\"123-456\"}");
        Assert.Multiple(() =>
        {
            Assert.That(harness.Address.Scheme, Is.EqualTo("https"));
            Assert.That(pair.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(string.Join(';', pair.Headers.GetValues("Set-Cookie")), Does.Contain("secure").IgnoreCase);
            Assert.That(pair.Headers.Contains("Strict-Transport-Security"), Is.True);
        });
    }

    [Test]
    public void A_file_that_is_no_certificate_is_refused_naming_the_key()
    {
        using var folder = new ScratchFolder("web-cert");
        var path = Path.Combine(folder.Path, "unit.pfx");
        File.WriteAllText(path, "not a certificate");
        var error = Assert.ThrowsAsync<ArgumentException>(async () => await PageServerHarness.Start(options => options.CertificatePath = path));
        Assert.That(error!.Message, Does.Contain($"Web:CertificatePath is '{path}': not a usable certificate"));
    }
}
