using EdgeBci.Tests.Shared;
using EdgeBci.Decoding.Bundle;

namespace EdgeBci.Cli.Tests;

/// <summary><c>edgebci verify-model</c> on the shipped default bundle and on damaged copies of it.</summary>
public class VerifyModelCommandTests
{
    private static readonly string Shipped = Path.Combine(AppContext.BaseDirectory, "models", "s001-left-vs-right");

    private ScratchFolder _copy = null!;

    private string Folder => _copy.Path;

    [SetUp]
    public void CopyTheShippedBundle() => _copy = new ScratchFolder("verify", Shipped);

    [TearDown]
    public void DeleteCopy() => _copy.Dispose();

    [Test]
    public void The_shipped_bundle_verifies_and_its_manifest_is_printed()
    {
        var (exit, output) = CliRunner.Run(["verify-model", Shipped]);

        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("s001-left-vs-right").And.Contain("left, right").And.Contain("FC3, FC4, C3, CZ, C4, CP3, CP4, PZ")
            .And.Contain("verified"));
    }

    [Test]
    public void A_changed_model_file_fails_naming_the_file()
    {
        var model = Path.Combine(Folder, ModelManifest.Int8ModelFile);
        var bytes = File.ReadAllBytes(model);
        bytes[100] ^= 0x40;
        File.WriteAllBytes(model, bytes);

        var (exit, output) = CliRunner.Run(["verify-model", Folder]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("model.onnx").And.Contain("SHA-256").And.Not.Contain("verified"));
    }

    [Test]
    public void A_missing_manifest_fails_with_the_reason()
    {
        File.Delete(Path.Combine(Folder, ModelManifest.FileName));

        var (exit, output) = CliRunner.Run(["verify-model", Folder]);

        Assert.That(exit, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("no manifest"));
    }
}
