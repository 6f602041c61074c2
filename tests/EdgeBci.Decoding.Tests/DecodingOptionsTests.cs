using EdgeBci.Decoding.Inference;

namespace EdgeBci.Decoding.Tests;

public sealed class DecodingOptionsTests
{
    [Test]
    public void The_defaults_are_valid_and_are_the_documented_values()
    {
        var options = new DecodingOptions();

        Assert.That(options.Validate(), Is.Empty);
        Assert.That(options.ParsedPrecision, Is.EqualTo(ModelPrecision.Int8));
        Assert.That(options.HopSeconds, Is.EqualTo(0.25));
        Assert.That(options.HopSamples(250), Is.EqualTo(63), "62.5 rounds half away from zero");
        Assert.That(options.IntraOpThreads, Is.EqualTo(1));
        Assert.That(options.EvidenceFactor, Is.EqualTo(0.3));
        Assert.That(options.RejectionFloor, Is.EqualTo(0.55));
        Assert.That((options.Focus.WindowSeconds, options.Focus.Smoothing, options.Focus.Threshold), Is.EqualTo((2.0, 0.2, 0.5)));
        Assert.That(options.OptimizedModelCachePath("/b", ModelPrecision.Int8), Is.Null);
    }

    [Test]
    public void Every_bad_key_gets_one_message_naming_key_value_and_what_is_allowed()
    {
        var options = new DecodingOptions
        {
            ModelPath = "/no/such/bundle",
            Precision = "int4",
            HopSeconds = 0,
            IntraOpThreads = 0,
            EvidenceFactor = 1.5,
            RejectionFloor = -0.1,
            Focus = new FocusOptions { WindowSeconds = 0.1, Smoothing = 0, Threshold = 2, Channels = [" "] },
        };

        var errors = options.Validate();

        // A ModelPath without a bundle (yet) is not a configuration error: the unit runs without a decoder and says why.
        Assert.That(errors, Has.Count.EqualTo(9));
        Assert.That(errors, Has.None.Contain("ModelPath"));
        string[] expected =
        [
            "Decoding:Precision = 'int4' is not allowed; use int8 or fp32",
            "Decoding:HopSeconds = 0", "Decoding:IntraOpThreads = 0 is out of range 1..64", "Decoding:EvidenceFactor = 1.5",
            "Decoding:RejectionFloor = -0.1 is out of range 0..1", "Decoding:Focus:WindowSeconds = 0.1", "Decoding:Focus:Smoothing = 0",
            "Decoding:Focus:Threshold = 2 is out of range 0..1", "Decoding:Focus:Channels",
        ];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(errors[i], Does.StartWith(expected[i]));
        }
    }

    [Test]
    public void The_optimised_model_cache_is_off_inside_the_bundle_or_in_a_given_folder()
    {
        var bundle = Path.GetFullPath("bundle");

        Assert.That(new DecodingOptions { OptimizedModelCache = "True" }.OptimizedModelCachePath(bundle, ModelPrecision.Int8),
            Is.EqualTo(Path.Combine(bundle, ".ort-cache", "model.optimized.onnx")));
        Assert.That(new DecodingOptions { OptimizedModelCache = "/var/cache/edgebci" }.OptimizedModelCachePath(bundle, ModelPrecision.Fp32),
            Is.EqualTo("/var/cache/edgebci/model.fp32.optimized.onnx"));
        Assert.That(new DecodingOptions { OptimizedModelCache = "false", Precision = "FP32" }.ToInferenceOptions(bundle),
            Is.EqualTo(new InferenceOptions { Precision = ModelPrecision.Fp32 }));
    }
}
