using EdgeBci.Decoding.Bundle;
using EdgeBci.Signing;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests;

/// <summary>
/// <c>edgebci sign-model</c> and <c>edgebci verify-model</c>'s signature report, round trip with throw-away keys on a
/// copy of the shipped (unsigned) bundle.
/// </summary>
public class SignModelCommandTests
{
    private static readonly string Shipped = Path.Combine(AppContext.BaseDirectory, "models", "s001-left-vs-right");

    private ScratchFolder _copy = null!;
    private string _keys = null!;
    private string _trainerKey = null!;
    private string _trainerId = null!;
    private string _strangerTrust = null!;

    private string Folder => _copy.Path;

    [SetUp]
    public void CopyTheShippedBundleAndMakeKeys()
    {
        _copy = new ScratchFolder("sign-model", Shipped);
        _keys = Path.Combine(Path.GetTempPath(), $"edgebci-model-keys-{Guid.NewGuid():N}");
        using (var trainer = SigningKey.Generate(Path.Combine(_keys, "trust", "trainer")))
        {
            _trainerId = trainer.KeyId;
        }

        _trainerKey = Path.Combine(_keys, "trust", "trainer" + SigningKey.PrivateKeyExtension);
        using var stranger = SigningKey.Generate(Path.Combine(_keys, "stranger", "stranger"));
        _strangerTrust = Path.Combine(_keys, "stranger", "stranger" + TrustedKey.PublicKeyExtension);
    }

    [TearDown]
    public void Delete()
    {
        _copy.Dispose();
        Directory.Delete(_keys, recursive: true);
    }

    // One trusted public key file; its folder (which also holds the private key, not read as trust) is a trust folder too.
    private string TrainerTrust => Path.Combine(_keys, "trust", "trainer" + TrustedKey.PublicKeyExtension);

    [Test]
    public void A_signed_bundle_verifies_with_the_signature_reported_before_the_hashes()
    {
        var (signExit, signOutput) = CliRunner.Run(["sign-model", Folder, "--key", _trainerKey]);
        Assert.That(signExit, Is.Zero, signOutput);
        Assert.That(signOutput, Does.Contain($"signed: {Folder}").And.Contain($"with key {_trainerId}"));

        var (exit, output) = CliRunner.Run(["verify-model", Folder, "--trust", TrainerTrust, "--require-signature"]);

        Assert.That(exit, Is.Zero, output);
        var signature = output.IndexOf($"signed by trusted key {_trainerId}", StringComparison.Ordinal);
        Assert.That(signature, Is.GreaterThanOrEqualTo(0), output);
        Assert.That(signature, Is.LessThan(output.IndexOf("sha256", StringComparison.Ordinal)), "the signature comes first");
        Assert.That(output, Does.Contain("verified"));
    }

    [Test]
    public void An_unsigned_bundle_passes_with_a_warning_and_fails_when_a_signature_is_required()
    {
        var (exit, output) = CliRunner.Run(["verify-model", Folder, "--trust", TrainerTrust]);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("is not signed").And.Contain("verified"));

        (exit, output) = CliRunner.Run(["verify-model", Folder, "--trust", TrainerTrust, "--require-signature"]);
        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("is not signed").And.Not.Contain("verified"));
    }

    [Test]
    public void A_bundle_signed_by_a_key_the_trust_does_not_hold_is_refused()
    {
        CliRunner.Run(["sign-model", Folder, "--key", _trainerKey]);

        var (exit, output) = CliRunner.Run(["verify-model", Folder, "--trust", _strangerTrust]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain($"signed by key {_trainerId}, which this unit does not trust").And.Not.Contain("verified"));
    }

    [Test]
    public void A_manifest_edited_after_signing_is_refused_as_tampered()
    {
        CliRunner.Run(["sign-model", Folder, "--key", _trainerKey]);
        File.AppendAllText(Path.Combine(Folder, ModelManifest.FileName), "\n");

        var (exit, output) = CliRunner.Run(["verify-model", Folder, "--trust", Path.GetDirectoryName(TrainerTrust)!]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain($"the signature does not match {ModelManifest.FileName}"));
    }

    [Test]
    public void Sign_model_refuses_a_bundle_whose_files_no_longer_match()
    {
        var model = Path.Combine(Folder, ModelManifest.Int8ModelFile);
        var bytes = File.ReadAllBytes(model);
        bytes[100] ^= 0x40;
        File.WriteAllBytes(model, bytes);

        var (exit, output) = CliRunner.Run(["sign-model", Folder, "--key", _trainerKey]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("SHA-256"));
        Assert.That(File.Exists(Path.Combine(Folder, ModelSignature.FileName)), Is.False);
    }

    [Test]
    public void Sign_model_names_a_key_that_cannot_be_used()
    {
        var (exit, output) = CliRunner.Run(["sign-model", Folder, "--key", TrainerTrust]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("--key").And.Contain("not a PEM private key"));
    }
}
