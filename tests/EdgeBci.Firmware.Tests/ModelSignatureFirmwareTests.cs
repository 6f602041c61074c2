using EdgeBci.Decoding.Bundle;
using EdgeBci.Signing;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// The emulator firmware and model signatures: the shipped unsigned bundle runs with a warning; a bundle signed by a
/// key the unit does not trust is refused like a failed checksum (no decoder, nothing moves), at start and by the
/// hot-swap watcher, which also sees a signature that changes while the manifest does not.
/// </summary>
public class ModelSignatureFirmwareTests
{
    private static readonly string Shipped = Path.Combine(Path.GetDirectoryName(FirmwareProcess.FirmwareDll)!, "models", "s001-left-vs-right");

    private ScratchFolder _copy = null!;
    private ScratchFolder _keys = null!;
    private SigningKey _trainer = null!;
    private SigningKey _stranger = null!;

    private string Folder => _copy.Path;

    private string Trust => Path.Combine(_keys.Path, "trust");

    [SetUp]
    public void CopyTheShippedBundleAndMakeKeys()
    {
        _copy = new ScratchFolder("firmware-signed-model", Shipped);
        _keys = new ScratchFolder("firmware-model-keys");
        _trainer = SigningKey.Generate(Path.Combine(Trust, "trainer"));
        _stranger = SigningKey.Generate(Path.Combine(_keys.Path, "stranger"));
    }

    [TearDown]
    public void Delete()
    {
        _trainer.Dispose();
        _stranger.Dispose();
        _copy.Dispose();
        _keys.Dispose();
    }

    [Test]
    public void The_emulator_runs_the_unsigned_shipped_bundle_with_a_warning()
    {
        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}", $"--{TrustStore.ConfigurationKey}={Trust}");

        Assert.That(firmware.WaitUntil(o => o.Contains("verified and warmed up", StringComparison.Ordinal), TimeSpan.FromSeconds(60)), Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Contain($"decoder: model bundle {Folder} is not signed"));
    }

    [Test]
    public void A_bundle_signed_by_a_foreign_key_leaves_the_unit_without_a_decoder()
    {
        ModelSignature.Sign(Folder, _stranger);

        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}", $"--{TrustStore.ConfigurationKey}={Trust}");

        Assert.That(firmware.WaitUntil(o => o.Contains("decoder: none (", StringComparison.Ordinal), TimeSpan.FromSeconds(60)), Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Contain($"signed by key {_stranger.KeyId}, which this unit does not trust").And.Contain("nothing may move"));
        Assert.That(firmware.Output, Does.Not.Contain("verified and warmed up"));
    }

    [Test]
    public void The_watcher_refuses_a_bundle_re_signed_by_a_foreign_key_and_the_running_model_continues()
    {
        ModelSignature.Sign(Folder, _trainer);
        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}", $"--{TrustStore.ConfigurationKey}={Trust}", "--Control:AutoArmOnEmulator=false");
        Assert.That(firmware.WaitUntil(o => o.Contains("verified and warmed up", StringComparison.Ordinal), TimeSpan.FromSeconds(60)), Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Not.Contain("is not signed"));

        // Only manifest.sig changes: the watcher must look at it, not only at manifest.json.
        ModelSignature.Sign(Folder, _stranger);

        Assert.That(firmware.WaitUntil(o => o.Contains("new model refused", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Contain($"signed by key {_stranger.KeyId}, which this unit does not trust"));
        var refusedAt = firmware.Output.Length;
        Assert.That(firmware.WaitUntil(o => o.Length > refusedAt && o[refusedAt..].Contains("decoder: s001-left-vs-right", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20)), Is.True, "the running model continues");
    }
}
