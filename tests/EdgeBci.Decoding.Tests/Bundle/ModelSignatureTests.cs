using EdgeBci.Decoding.Bundle;
using EdgeBci.Signing;

namespace EdgeBci.Decoding.Tests.Bundle;

/// <summary>
/// manifest.sig of a model bundle under each <see cref="ModelTrustPolicy"/>: a trainer's signature lets a bundle load
/// where one is required, its absence is a warning only where the policy allows it, and a signature that names a
/// foreign key or no longer matches the manifest is refused wherever signatures are checked, before any hash.
/// </summary>
public sealed class ModelSignatureTests
{
    private string _root = null!;
    private SigningKey _trainer = null!;
    private SigningKey _stranger = null!;
    private TrustStore _trust = null!;

    [SetUp]
    public void CreateKeys()
    {
        _root = Path.Combine(Path.GetTempPath(), $"edgebci-signed-bundle-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_root);
        _trainer = SigningKey.Generate(Path.Combine(_root, "keys", "trainer"));
        _stranger = SigningKey.Generate(Path.Combine(_root, "keys", "stranger"));
        _trust = TrustStore.Of("the test's trust", _trainer.PublicKey);
    }

    [TearDown]
    public void Delete()
    {
        _trainer.Dispose();
        _stranger.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private ModelTrustPolicy Required => ModelTrustPolicy.Required(_trust);

    private ModelTrustPolicy WarnIfUnsigned => ModelTrustPolicy.WarnIfUnsigned(_trust);

    private string WriteBundle(SigningKey? signer, string name = "bundle")
    {
        var folder = Path.Combine(_root, name);
        ModelBundle.Write(folder, ModelBundleTests.Manifest(), new Dictionary<string, byte[]>
        {
            [ModelManifest.Int8ModelFile] = [1, 2, 3, 4, 5],
            [ModelManifest.Fp32ModelFile] = [6, 7, 8, 9, 10, 11],
        }, signer);
        return folder;
    }

    private static string SignatureFile(string folder) => Path.Combine(folder, ModelSignature.FileName);

    [Test]
    public void A_bundle_written_with_the_trainers_key_loads_where_a_signature_is_required()
    {
        var folder = WriteBundle(_trainer);

        var bundle = ModelBundle.Load(folder, Required);

        Assert.That(bundle.Signature!.Verdict, Is.EqualTo(SignatureVerdict.Valid));
        Assert.That(bundle.Signature.KeyId, Is.EqualTo(_trainer.KeyId));
        Assert.That(bundle.Warning, Is.Null);
        Assert.That(File.ReadAllText(SignatureFile(folder)), Does.StartWith($"ed25519 {_trainer.KeyId} ").And.EndWith("\n"));
        Assert.That(bundle.Manifest.Files.Select(f => f.Name), Has.None.EqualTo(ModelSignature.FileName), "the signature signs the manifest; it is not listed in it");
    }

    [Test]
    public void A_bundle_signed_in_place_loads_where_a_signature_is_required()
    {
        var folder = WriteBundle(signer: null);
        Assert.That(() => ModelBundle.Load(folder, Required), Throws.TypeOf<ModelBundleException>());

        ModelSignature.Sign(folder, _trainer);

        Assert.That(ModelBundle.Load(folder, Required).Signature!.KeyId, Is.EqualTo(_trainer.KeyId));
        Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EquivalentTo(new[]
        {
            ModelManifest.FileName, ModelSignature.FileName, ModelManifest.Int8ModelFile, ModelManifest.Fp32ModelFile,
        }), "no staging file is left behind");
    }

    [Test]
    public void An_unsigned_bundle_is_refused_where_required_and_loads_with_a_warning_where_allowed()
    {
        var folder = WriteBundle(signer: null);

        Assert.That(() => ModelBundle.Load(folder, Required), Throws.TypeOf<ModelBundleException>()
            .With.Message.EqualTo($"model bundle {folder} is not signed (no signature beside {ModelManifest.FileName})"));

        var bundle = ModelBundle.Load(folder, WarnIfUnsigned);
        Assert.That(bundle.Warning, Does.StartWith($"model bundle {folder} is not signed").And.Contain("a real board refuses it"));
        Assert.That(bundle.Signature!.Verdict, Is.EqualTo(SignatureVerdict.Unsigned));
    }

    [Test]
    public void A_bundle_signed_by_a_foreign_key_is_refused_under_both_policies()
    {
        var folder = WriteBundle(_stranger);

        foreach (var policy in new[] { Required, WarnIfUnsigned })
        {
            Assert.That(() => ModelBundle.Load(folder, policy), Throws.TypeOf<ModelBundleException>()
                .With.Message.EqualTo($"model bundle {folder} is signed by key {_stranger.KeyId}, which this unit does not trust (1 trusted key(s) in the test's trust)"),
                policy.ToString());
        }
    }

    [Test]
    public void An_edited_manifest_is_refused_under_both_policies()
    {
        var folder = WriteBundle(_trainer);
        var manifest = Path.Combine(folder, ModelManifest.FileName);
        File.WriteAllText(manifest, File.ReadAllText(manifest).Replace("\"modelVersion\": \"1\"", "\"modelVersion\": \"2\"", StringComparison.Ordinal));
        Assert.That(ModelBundle.Load(folder, ModelTrustPolicy.None).Manifest.ModelVersion, Is.EqualTo("2"), "the edit keeps the manifest valid and its hashes true");

        foreach (var policy in new[] { Required, WarnIfUnsigned })
        {
            Assert.That(() => ModelBundle.Load(folder, policy), Throws.TypeOf<ModelBundleException>()
                .With.Message.EqualTo($"model bundle {folder}: the signature does not match {ModelManifest.FileName} (tampered or corrupted after signing)"),
                policy.ToString());
        }
    }

    [Test]
    public void The_signature_is_checked_before_the_hashes()
    {
        var folder = WriteBundle(_stranger);
        var model = Path.Combine(folder, ModelManifest.Int8ModelFile);
        File.WriteAllBytes(model, [1, 2, 3, 4, 6]);
        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("SHA-256"), "the hash is bad too");

        Assert.That(() => ModelBundle.Load(folder, WarnIfUnsigned), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("does not trust").And.Message.Not.Contain("SHA-256"));
    }

    [Test]
    public void A_damaged_signature_file_is_refused_naming_it()
    {
        var folder = WriteBundle(_trainer);
        File.WriteAllText(SignatureFile(folder), "ed25519 not-a-key-id AAAA\n");

        Assert.That(() => ModelBundle.Load(folder, WarnIfUnsigned), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain(SignatureFile(folder)).And.Message.Contain("not a signature file"));
    }

    [Test]
    public void Rewriting_a_signed_bundle_without_a_key_leaves_it_unsigned_not_tampered()
    {
        var folder = WriteBundle(_trainer);

        WriteBundle(signer: null);

        Assert.That(File.Exists(SignatureFile(folder)), Is.False, "the old signature does not sign the new manifest");
        Assert.That(ModelBundle.Load(folder, WarnIfUnsigned).Warning, Does.Contain("is not signed"));
    }

    [Test]
    public void The_signature_file_cannot_be_a_listed_bundle_file()
    {
        Assert.That(() => ModelBundle.Write(Path.Combine(_root, "listed"), ModelBundleTests.Manifest(), new Dictionary<string, byte[]>
        {
            [ModelManifest.Int8ModelFile] = [1],
            [ModelSignature.FileName] = [2],
        }), Throws.ArgumentException.With.Message.Contain(ModelSignature.FileName));
    }

    [Test]
    public void None_does_not_look_at_the_signature()
    {
        var folder = WriteBundle(_stranger);

        var bundle = ModelBundle.Load(folder, ModelTrustPolicy.None);

        Assert.That(bundle.Signature, Is.Null);
        Assert.That(bundle.Warning, Is.Null);
        Assert.That(ModelTrustPolicy.None.ToString(), Is.EqualTo("signature not checked"));
    }

    [Test]
    public void A_manifest_saved_with_a_byte_order_mark_loads_and_the_signature_covers_its_exact_bytes()
    {
        var folder = WriteBundle(signer: null);
        var manifest = Path.Combine(folder, ModelManifest.FileName);
        File.WriteAllBytes(manifest, [0xEF, 0xBB, 0xBF, .. File.ReadAllBytes(manifest)]);
        ModelSignature.Sign(folder, _trainer);

        Assert.That(ModelBundle.Load(folder, Required).Manifest.ModelId, Is.EqualTo(ModelBundleTests.Manifest().ModelId));
    }
}
