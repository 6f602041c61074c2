using EdgeBci.Decoding.Bundle;
using EdgeBci.Signal.Chain;

namespace EdgeBci.Decoding.Tests;

/// <summary>A real S001 bundle against the unit's configuration: what fits is mapped, each kind of misfit is refused with its own message.</summary>
public sealed class BundleCompatibilityTests
{
    private static ModelManifest Manifest => ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None).Manifest;

    [Test]
    public void The_default_unit_runs_the_model_and_each_model_channel_maps_to_its_stream_index()
    {
        var map = BundleCompatibility.Check(Manifest, S001Bundles.Unit());

        Assert.That(map, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 6, 7 }));
    }

    [Test]
    public void Stream_channels_in_another_order_and_case_are_found_by_name()
    {
        var unit = S001Bundles.Unit() with { ChannelNames = ["pz", "cp4", "Cp3", "c4", "CZ", "c3", "fc4", "fc3", "O1"] };

        var map = BundleCompatibility.Check(Manifest, unit);

        Assert.That(map, Is.EqualTo(new[] { 7, 6, 5, 4, 3, 2, 1, 0 }));
    }

    [Test]
    public void A_tampered_model_file_is_refused_when_the_bundle_is_loaded()
    {
        var folder = S001Bundles.Variant("tampered", m => m);
        var path = Path.Combine(folder, ModelManifest.Int8ModelFile);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 3] ^= 0x40;
        File.WriteAllBytes(path, bytes);

        Assert.That(() => ModelBundle.Load(folder, ModelTrustPolicy.None), Throws.TypeOf<ModelBundleException>()
            .With.Message.Contain(ModelManifest.Int8ModelFile).And.Message.Contain("SHA-256"));
    }

    [Test]
    public void A_missing_channel_is_a_channel_mismatch_naming_the_channel()
    {
        var unit = S001Bundles.Unit() with { ChannelNames = ["FC3", "FC4", "C3", "CZ", "C4", "CP3", "CP4", "O1"] };

        var message = Refusal(unit);

        Assert.That(message, Does.Contain(BundleCompatibility.ChannelMismatch).And.Contain("'PZ'").And.Contain("O1"));
        Assert.That(message, Does.Not.Contain(BundleCompatibility.RateMismatch).And.Not.Contain(BundleCompatibility.SignalChainMismatch));
    }

    [Test]
    public void Another_output_rate_is_a_rate_mismatch_naming_both_rates()
    {
        var signal = new SignalOptions { OutputRate = 125 };

        var message = Refusal(S001Bundles.Unit(signal));

        Assert.That(message, Does.Contain(BundleCompatibility.RateMismatch).And.Contain("250 Hz").And.Contain("125 Hz"));
        Assert.That(message, Does.Not.Contain(BundleCompatibility.ChannelMismatch).And.Not.Contain(BundleCompatibility.SignalChainMismatch));
    }

    [Test]
    public void Another_band_pass_edge_is_a_chain_mismatch_naming_the_key_and_both_values()
    {
        var signal = new SignalOptions { Filters = [new FilterSpecification { Type = "BandPass", Order = 4, LowHz = 8, HighHz = 40 }] };

        var message = Refusal(S001Bundles.Unit(signal));

        Assert.That(message, Does.Contain(BundleCompatibility.SignalChainMismatch)
            .And.Contain("Signal:Filters[0].HighHz is 40 on the unit, 30 in the model"));
    }

    [TestCase("DcBlockerHz", "Signal:DcBlockerHz is 1 on the unit, 0.5 in the model")]
    [TestCase("NotchHz", "Signal:NotchHz is 60 on the unit, 50 in the model")]
    [TestCase("NotchQ", "Signal:NotchQ is 20 on the unit, 30 in the model")]
    [TestCase("NotchHarmonics", "Signal:NotchHarmonics is 1 on the unit, 0 in the model")]
    [TestCase("Order", "Signal:Filters[0].Order is 2 on the unit, 4 in the model")]
    [TestCase("Stages", "Signal:Filters has 2 stage(s) on the unit")]
    [TestCase("Reference", "Signal:Reference is 'average' on the unit, 'none' in the model")]
    [TestCase("Resampling", "Signal:OutputRate is 250 on the unit (chip at 500 SPS, resampled to 250 Hz), 0 in the model (no resampling)")]
    public void Each_chain_key_that_differs_is_named(string key, string expected)
    {
        var signal = new SignalOptions();
        var chipRate = 250;
        switch (key)
        {
            case "DcBlockerHz": signal.DcBlockerHz = 1; break;
            case "NotchHz": signal.NotchHz = 60; break;
            case "NotchQ": signal.NotchQ = 20; break;
            case "NotchHarmonics": signal.NotchHarmonics = 1; break;
            case "Order": signal.Filters = [new FilterSpecification { Type = "BandPass", Order = 2, LowHz = 8, HighHz = 30 }]; break;
            case "Stages": signal.Filters = [SignalOptions.DefaultBandPass, new FilterSpecification { Type = "LowPass", Order = 2, HighHz = 40 }]; break;
            case "Reference": signal.Reference = "average"; break;
            case "Resampling": signal.OutputRate = 250; chipRate = 500; break;
        }

        var unit = UnitConfiguration.For(signal, [.. S001Bundles.Montage.Select(EdgeBci.Recording.ChannelLabel.Normalize)], chipRate);

        Assert.That(Refusal(unit), Does.Contain(BundleCompatibility.SignalChainMismatch).And.Contain(expected));
    }

    [Test]
    public void Configuration_that_leaves_the_chain_unchanged_is_accepted()
    {
        // Filters spelled out as the default, an output rate equal to the chip's rate (no resampler), a reference
        // written with other case and spaces: the same chain, so the same model input.
        var signal = new SignalOptions { Filters = [SignalOptions.DefaultBandPass], OutputRate = 250, Reference = " None " };

        Assert.That(() => BundleCompatibility.Check(Manifest, S001Bundles.Unit(signal)), Throws.Nothing);
    }

    [Test]
    public void A_running_decoder_window_of_another_length_is_a_window_mismatch()
    {
        var message = Refusal(S001Bundles.Unit() with { WindowSamples = 400 });

        Assert.That(message, Does.Contain(BundleCompatibility.WindowMismatch).And.Contain("500").And.Contain("400"));
    }

    [Test]
    public void The_four_kinds_of_mismatch_give_four_different_messages()
    {
        var unit = S001Bundles.Unit();
        string[] messages =
        [
            Refusal(unit with { ChannelNames = ["A", "B"] }),
            Refusal(unit with { OutputRate = 200 }),
            Refusal(unit with { WindowSamples = 250 }),
            Refusal(unit with { Signal = new SignalOptions { NotchHz = 0 } }),
        ];

        Assert.That(messages, Is.Unique);
        string[] kinds = [BundleCompatibility.ChannelMismatch, BundleCompatibility.RateMismatch, BundleCompatibility.WindowMismatch, BundleCompatibility.SignalChainMismatch];
        for (var i = 0; i < kinds.Length; i++)
        {
            Assert.That(messages[i], Does.Contain(kinds[i]).And.StartWith("Model s001-test 1 does not fit this unit:"));
        }
    }

    private static string Refusal(UnitConfiguration unit)
    {
        var exception = Assert.Throws<ModelBundleException>(() => BundleCompatibility.Check(Manifest, unit));
        return exception!.Message;
    }
}
