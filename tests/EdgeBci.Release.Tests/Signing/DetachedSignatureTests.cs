using System.Diagnostics;
using EdgeBci.Signing;
using EdgeBci.Tests.Shared;
using NUnit.Framework;

namespace EdgeBci.Release.Tests.Signing;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DetachedSignatureTests
{
    [Test]
    public void A_signature_made_with_a_generated_key_verifies_against_a_trust_folder_holding_its_public_half()
    {
        using var scratch = new ScratchFolder("signing");
        var trust = Directory.CreateDirectory(Path.Combine(scratch.Path, "trust")).FullName;
        using var key = SigningKey.Generate(Path.Combine(scratch.Path, "keys", "release"));
        File.Copy(Path.Combine(scratch.Path, "keys", "release.pub.pem"), Path.Combine(trust, "release.pub.pem"));
        var manifest = Path.Combine(scratch.Path, "manifest.txt");
        File.WriteAllText(manifest, "edgebci-release 1\nversion 1.0.0\n");

        DetachedSignature.SignFile(key, manifest, manifest + ".sig");
        var check = DetachedSignature.CheckFile(manifest, manifest + ".sig", TrustStore.Load(trust));

        Assert.That(check.Verdict, Is.EqualTo(SignatureVerdict.Valid));
        Assert.That(check.KeyId, Is.EqualTo(key.KeyId));
    }

    [Test]
    public void Unsigned_foreign_and_tampered_manifests_are_each_named_for_what_failed()
    {
        using var scratch = new ScratchFolder("signing");
        using var trusted = SigningKey.Generate(Path.Combine(scratch.Path, "trusted"));
        using var foreign = SigningKey.Generate(Path.Combine(scratch.Path, "foreign"));
        var trust = TrustStore.Of("test trust", trusted.PublicKey);
        var manifest = Path.Combine(scratch.Path, "manifest.txt");
        File.WriteAllText(manifest, "version 1.0.0\n");

        Assert.That(DetachedSignature.CheckFile(manifest, manifest + ".sig", trust).Verdict, Is.EqualTo(SignatureVerdict.Unsigned));

        DetachedSignature.SignFile(foreign, manifest, manifest + ".sig");
        var byForeign = DetachedSignature.CheckFile(manifest, manifest + ".sig", trust);
        Assert.That(byForeign.Verdict, Is.EqualTo(SignatureVerdict.ForeignKey));
        Assert.That(byForeign.Describe("bundle x", manifest, trust), Does.Contain(foreign.KeyId).And.Contain("does not trust"));

        DetachedSignature.SignFile(trusted, manifest, manifest + ".sig");
        File.WriteAllText(manifest, "version 9.0.0\n");
        Assert.That(DetachedSignature.CheckFile(manifest, manifest + ".sig", trust).Verdict, Is.EqualTo(SignatureVerdict.Mismatch));
    }

    [Test]
    public void A_private_key_in_the_trust_folder_is_an_error_naming_the_file()
    {
        using var scratch = new ScratchFolder("signing");
        using var key = SigningKey.Generate(Path.Combine(scratch.Path, "unit"));
        var trust = Directory.CreateDirectory(Path.Combine(scratch.Path, "trust")).FullName;
        File.Copy(Path.Combine(scratch.Path, "unit.key"), Path.Combine(trust, "unit.pub.pem"));

        var error = Assert.Throws<SigningException>(() => TrustStore.Load(trust));
        Assert.That(error!.Message, Does.Contain("unit.pub.pem").And.Contain("PRIVATE"));
    }

    [Test]
    public void The_private_key_file_is_readable_by_its_owner_only_and_never_overwritten()
    {
        using var scratch = new ScratchFolder("signing");
        var path = Path.Combine(scratch.Path, "release");
        using (SigningKey.Generate(path))
        {
        }

        Assert.That(File.GetUnixFileMode(path + ".key"), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.Throws<SigningException>(() => SigningKey.Generate(path));
    }

    [Test]
    public void Openssl_verifies_the_signature_so_the_installer_can_check_a_bundle_before_running_any_of_it()
    {
        using var scratch = new ScratchFolder("signing");
        using var key = SigningKey.Generate(Path.Combine(scratch.Path, "release"));
        var manifest = Path.Combine(scratch.Path, "manifest.txt");
        File.WriteAllText(manifest, "edgebci-release 1\nversion 1.0.0\n");
        var signature = DetachedSignature.SignFile(key, manifest, manifest + ".sig");
        var raw = Path.Combine(scratch.Path, "signature.bin");
        File.WriteAllBytes(raw, [.. signature.Signature]);

        Assert.That(Openssl(scratch.Path, manifest, raw), Is.EqualTo(0));
        File.AppendAllText(manifest, "file x\n");
        Assert.That(Openssl(scratch.Path, manifest, raw), Is.Not.EqualTo(0));
    }

    private static int Openssl(string folder, string manifest, string rawSignature)
    {
        var start = new ProcessStartInfo("openssl")
        {
            ArgumentList = { "pkeyutl", "-verify", "-pubin", "-inkey", Path.Combine(folder, "release.pub.pem"), "-rawin", "-in", manifest, "-sigfile", rawSignature },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode;
    }
}
