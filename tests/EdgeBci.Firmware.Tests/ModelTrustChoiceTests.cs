using EdgeBci.Decoding.Bundle;
using EdgeBci.Signing;
using EdgeBci.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware.Tests;

/// <summary>Which model signatures the decoder accepts per board, and where it reads the trusted keys.</summary>
public class ModelTrustChoiceTests
{
    private ScratchFolder _trust = null!;

    [SetUp]
    public void CreateTrustFolder() => _trust = new ScratchFolder("model-trust");

    [TearDown]
    public void DeleteTrustFolder() => _trust.Dispose();

    [Test]
    public void The_emulator_warns_about_unsigned_models_and_every_real_board_requires_a_signature()
    {
        using (SigningKey.Generate(Path.Combine(_trust.Path, "trainer")))
        {
        }

        var emulator = ModelTrustChoice.For("emulator", _trust.Path);
        Assert.That(emulator.Requirement, Is.EqualTo(ModelSignatureRequirement.WarnIfUnsigned));
        Assert.That(emulator.Trust!.Keys, Has.Count.EqualTo(1));
        foreach (var board in new[] { "rpi4", "rpi5", "jetson-orin-nano", "Emulator", "" })
        {
            Assert.That(ModelTrustChoice.For(board, _trust.Path).Requirement, Is.EqualTo(ModelSignatureRequirement.Required), $"Board = '{board}'");
        }
    }

    [Test]
    public void A_file_in_the_trust_folder_that_is_no_public_key_refuses_every_model_naming_it()
    {
        var stray = Path.Combine(_trust.Path, "broken" + TrustedKey.PublicKeyExtension);
        File.WriteAllText(stray, "not a key\n");

        Assert.That(() => ModelTrustChoice.For("rpi4", _trust.Path), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain("signature cannot be checked").And.Message.Contain(stray));
    }

    [Test]
    public void The_trust_folder_is_the_top_level_key_or_the_units_default()
    {
        var none = new ConfigurationBuilder().Build();
        var configured = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [TrustStore.ConfigurationKey] = "keys" }).Build();

        Assert.That(ModelTrustChoice.TrustFolder(none, "/opt/edgebci/firmware"), Is.EqualTo(TrustStore.DefaultFolder));
        Assert.That(ModelTrustChoice.TrustFolder(configured, "/opt/edgebci/firmware"), Is.EqualTo("/opt/edgebci/firmware/keys"));
    }
}
