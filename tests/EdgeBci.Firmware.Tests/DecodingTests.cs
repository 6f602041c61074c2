using EdgeBci.Tests.Shared;
using System.Text.Json.Nodes;
using EdgeBci.Decoding.Bundle;

namespace EdgeBci.Firmware.Tests;

/// <summary>The firmware's decoding stage end to end: the shipped model decodes the demo, a bad bundle leaves it without a decoder, a new one is swapped in live.</summary>
public class DecodingTests
{
    private static readonly string Shipped = Path.Combine(Path.GetDirectoryName(FirmwareProcess.FirmwareDll)!, "models", "s001-left-vs-right");

    private ScratchFolder _copy = null!;

    private string Folder => _copy.Path;

    [SetUp]
    public void CopyTheShippedBundle() => _copy = new ScratchFolder("firmware-model", Shipped);

    [TearDown]
    public void DeleteCopy() => _copy.Dispose();

    [Test]
    public void The_default_model_decodes_the_demo_recording_four_times_a_second()
    {
        using var firmware = FirmwareProcess.WithShippedDefaults();

        var decoding = firmware.WaitUntil(o => o.Split('\n').Count(l => l.Contains("decoder: s001-rest-left-right", StringComparison.Ordinal) && l.Contains("windows", StringComparison.Ordinal)) >= 3,
            TimeSpan.FromSeconds(40));

        Assert.That(decoding, Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Contain("verified and warmed up"));
        Assert.That(firmware.Output, Does.Match(@"\| [345] windows \| evidence (left|rest|right) \d\.\d\d"), "a window every 0.25 s");
        Assert.That(firmware.Output, Does.Match(@"DRDY-to-decision p50 \d+\.\d\d ms p99 \d+\.\d\d ms"));
    }

    [Test]
    public void A_tampered_bundle_leaves_the_unit_running_without_a_decoder_and_says_which_file()
    {
        var model = Path.Combine(Folder, ModelManifest.Int8ModelFile);
        var bytes = File.ReadAllBytes(model);
        bytes[^10] ^= 0x01;
        File.WriteAllBytes(model, bytes);

        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}");

        Assert.That(firmware.WaitUntil(o => o.Contains("decoder: none (", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Contain("model.onnx").And.Contain("SHA-256").And.Contain("nothing may move"));
        // Good only after the 5 s quality hold-off since streaming started (Signal:QualityHoldOffSeconds): waited for.
        Assert.That(firmware.WaitUntil(o => o.Contains("quality: FC3 good", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Is.True,
            "acquisition and the signal chain keep running: " + firmware.Output);
        Assert.That(firmware.Output, Does.Not.Contain("decision #").And.Not.Contain("swapped in"));
    }

    [Test]
    public void A_bundle_for_other_channels_is_refused_with_the_mismatch()
    {
        RewriteManifest(manifest => manifest["channels"]![7] = "O2");

        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}");

        Assert.That(firmware.WaitUntil(o => o.Contains("decoder: none (", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Is.True, firmware.Output);
        Assert.That(firmware.Output, Does.Contain(BundleCompatibility.ChannelMismatch).And.Contain("O2"));
    }

    [Test]
    public void A_new_bundle_written_into_the_model_folder_is_swapped_in_and_a_broken_one_is_refused()
    {
        // Never armed, so a new model takes over at once (staging while armed: ModelSwapTests).
        using var firmware = new FirmwareProcess($"--Decoding:ModelPath={Folder}", "--Control:AutoArmOnEmulator=false");
        Assert.That(firmware.WaitUntil(o => o.Contains("verified and warmed up", StringComparison.Ordinal), TimeSpan.FromSeconds(30)), Is.True, firmware.Output);

        var bundle = ModelBundle.Load(Folder, ModelTrustPolicy.None);
        var files = bundle.Manifest.Files.ToDictionary(f => f.Name, f => File.ReadAllBytes(Path.Combine(Folder, f.Name)));
        ModelBundle.Write(Folder, bundle.Manifest with { ModelVersion = "hot-swap-2" }, files);
        Assert.That(firmware.WaitUntil(o => o.Contains("swapped in s001-left-vs-right hot-swap-2", StringComparison.Ordinal), TimeSpan.FromSeconds(20)),
            Is.True, firmware.Output);
        Assert.That(firmware.WaitUntil(o => o.Contains("decoder: s001-left-vs-right hot-swap-2", StringComparison.Ordinal), TimeSpan.FromSeconds(10)),
            Is.True, "decisions now come from the new model");

        files[ModelManifest.Int8ModelFile] = [1, 2, 3];
        ModelBundle.Write(Folder, bundle.Manifest with { ModelVersion = "broken-3" }, files);
        Assert.That(firmware.WaitUntil(o => o.Contains("new model refused", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), Is.True, firmware.Output);
        var refusedAt = firmware.Output.Length;
        Assert.That(firmware.WaitUntil(o => o.Length > refusedAt && o[refusedAt..].Contains("decoder: s001-left-vs-right hot-swap-2", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10)), Is.True, "the running model continues");
    }

    private void RewriteManifest(Action<JsonNode> change)
    {
        var path = Path.Combine(Folder, ModelManifest.FileName);
        var manifest = JsonNode.Parse(File.ReadAllText(path))!;
        change(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }
}
