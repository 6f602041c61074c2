using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Live;
using EdgeBci.Decoding.Tests.Support;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Decoding.Tests;

/// <summary>
/// The run-time check in the decoder: models that pass every load check (their graph ends in a Softmax, their warm-up
/// window gives [0.5, 0.5]) but whose output on a real window is not a distribution. Such a window is not a decision:
/// the decoder reports a model fault once and decides nothing more until another model takes over.
/// </summary>
public sealed class ModelFaultDecodingTests
{
    private const int Window = TestModelBundles.Samples;

    [Test]
    public void The_same_windows_through_a_model_that_ends_in_softmax_are_decisions()
    {
        // The control for the cases below: these frames and this set-up give decisions with a sound model.
        var (decisions, faults) = Decode(TestModelBundles.Classifier("sound", OnnxTestModels.Softmax), microvolts: 20, windows: 3);

        Assert.That(faults, Is.Empty);
        // +20 µV on every channel: class 0 (the manifest's "feet") gets logit +8, class 1 −8.
        Assert.That(decisions.Select(d => d.ClassName), Is.EqualTo(new[] { "feet", "feet", "feet" }));
        Assert.That(decisions.Select(d => d.Confidence), Has.All.GreaterThan(0.99f));
    }

    [Test]
    public void A_model_that_gives_NaN_on_a_real_window_reports_a_model_fault_and_decides_nothing()
    {
        var classifier = TestModelBundles.Classifier("nan", OnnxTestModels.NaNUnlessZero);
        var faults = new List<string>();
        var decisions = new List<Decision>();
        using var decoder = Decoder(classifier, decisions, faults);

        TestModelBundles.Push(decoder, TestModelBundles.Frame(20), 0, Window + (5 * decoder.HopSamples));

        Assert.That(decisions, Is.Empty, "a window of NaN is not a decision");
        Assert.That(faults, Has.Count.EqualTo(1), "reported once, not once per window");
        Assert.That(faults[0], Does.StartWith("model test-nan 1 (Int8), window #0: probability 0 ('feet') is NaN, not a finite number")
            .And.Contain("no longer trusted"));
        Assert.That(decoder.ModelFault, Is.EqualTo(faults[0]));
        Assert.That(decoder.WindowsDecoded, Is.Zero);
    }

    [Test]
    public void A_model_whose_quantized_output_saturates_reports_a_model_fault_with_the_sum()
    {
        // One QuantizeLinear/DequantizeLinear pair with one scale, which the graph check accepts; 0.5/127 saturates at 0.5.
        var (decisions, faults) = Decode(TestModelBundles.Classifier("saturates-at-half", (c, s) => OnnxTestModels.SoftmaxThroughQdq(c, s, 0.5f / 127)),
            microvolts: 20, windows: 3);

        Assert.That(decisions, Is.Empty);
        Assert.That(faults, Has.Count.EqualTo(1));
        Assert.That(faults[0], Does.Contain("window #0: the probabilities sum to 0.5, not 1 ± 0.001"));
    }

    [Test]
    public void A_faulted_model_decides_again_only_when_another_model_has_taken_over()
    {
        var classifier = TestModelBundles.Classifier("nan-then-replaced", OnnxTestModels.NaNUnlessZero);
        var faults = new List<string>();
        var decisions = new List<Decision>();
        var swapped = new List<string>();
        using var decoder = new LiveDecoder(classifier, S001Bundles.Unit(), TestModelBundles.MicrovoltsPerQ31, new DecodingOptions(),
            (in Decision d) => decisions.Add(d))
        {
            ModelFaulted = faults.Add,
            ModelSwapped = swapped.Add,
        };
        var next = TestModelBundles.Push(decoder, TestModelBundles.Frame(20), 0, Window + decoder.HopSamples);
        Assert.That(decoder.ModelFault, Is.Not.Null);

        var sound = TestModelBundles.Classifier("sound-replacement", OnnxTestModels.Softmax);
        Assert.That(decoder.Swap(sound).Accepted, Is.True);
        TestModelBundles.Push(decoder, TestModelBundles.Frame(20), next, 2 * decoder.HopSamples);

        Assert.That(faults, Has.Count.EqualTo(1));
        Assert.That(swapped, Is.EqualTo(new[] { "test-sound-replacement 1 (Int8)" }));
        Assert.That(decoder.ModelFault, Is.Null, "cleared when the new model took over");
        Assert.That(decisions, Has.Count.EqualTo(2));
        Assert.That(decisions.Select(d => d.ModelId), Has.All.EqualTo("test-sound-replacement"));
        Assert.That(decisions.Select(d => d.WindowIndex), Is.EqualTo(new[] { 0L, 1L }), "the faulted windows were not counted as decided");
    }

    private static (List<Decision> Decisions, List<string> Faults) Decode(OnnxWindowClassifier classifier, double microvolts, int windows)
    {
        var decisions = new List<Decision>();
        var faults = new List<string>();
        using var decoder = Decoder(classifier, decisions, faults);
        TestModelBundles.Push(decoder, TestModelBundles.Frame(microvolts), 0, Window + ((windows - 1) * decoder.HopSamples));
        return (decisions, faults);
    }

    private static LiveDecoder Decoder(OnnxWindowClassifier classifier, List<Decision> decisions, List<string> faults) =>
        new(classifier, S001Bundles.Unit(), TestModelBundles.MicrovoltsPerQ31, new DecodingOptions(), (in Decision d) => decisions.Add(d))
        {
            ModelFaulted = faults.Add,
        };
}
