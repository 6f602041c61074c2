using EdgeBci.Decoding.Live;
using EdgeBci.Decoding.Tests.Support;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Decoding.Tests;

/// <summary>
/// A swapped-in model waits, staged, until <see cref="LiveDecoder.SwapPermitted"/> allows it at the start of a window
/// (the firmware: the supervisor Disarmed or in SafeStop); the running model decides every window until then.
/// </summary>
public sealed class StagedSwapTests
{
    [Test]
    public void A_staged_model_takes_over_at_the_first_window_the_gate_permits_and_not_before()
    {
        var permitted = false;
        var asked = 0;
        var decisions = new List<Decision>();
        var swapped = new List<(string Model, long Window)>();
        LiveDecoder? decoder = null;
        decoder = new LiveDecoder(TestModelBundles.Classifier("running", OnnxTestModels.Softmax), S001Bundles.Unit(), TestModelBundles.MicrovoltsPerQ31,
            new DecodingOptions(), (in Decision d) => decisions.Add(d))
        {
            SwapPermitted = () =>
            {
                asked++;
                return permitted;
            },
            ModelSwapped = model => swapped.Add((model, decoder!.WindowsDecoded)),
        };
        using (decoder)
        {
            var frame = TestModelBundles.Frame(20);
            var next = TestModelBundles.Push(decoder, frame, 0, TestModelBundles.Samples + (2 * decoder.HopSamples));
            Assert.That(asked, Is.Zero, "the gate is asked only while a model is staged");

            Assert.That(decoder.Swap(TestModelBundles.Classifier("staged", OnnxTestModels.Softmax)).Accepted, Is.True);
            next = TestModelBundles.Push(decoder, frame, next, 5 * decoder.HopSamples);

            Assert.That(decoder.StagedModel, Is.EqualTo("test-staged 1 (Int8)"));
            Assert.That(decoder.SwapsApplied, Is.Zero);
            Assert.That(swapped, Is.Empty);
            Assert.That(asked, Is.EqualTo(5), "asked once per window while staged");
            Assert.That(decisions.Select(d => d.ModelId), Is.EqualTo(Enumerable.Repeat("test-running", 8)));

            permitted = true;
            TestModelBundles.Push(decoder, frame, next, 3 * decoder.HopSamples);

            Assert.That(decoder.StagedModel, Is.Null);
            Assert.That(decoder.SwapsApplied, Is.EqualTo(1));
            Assert.That(swapped, Is.EqualTo(new[] { ("test-staged 1 (Int8)", 8L) }), "reported before the new model's first window, #8");
            Assert.That(asked, Is.EqualTo(6), "not asked again once nothing is staged");
            Assert.That(decisions.Skip(8).Select(d => d.ModelId), Is.EqualTo(Enumerable.Repeat("test-staged", 3)));
            Assert.That(decisions.Select(d => d.WindowIndex), Is.EqualTo(Enumerable.Range(0, 11).Select(i => (long)i)), "no window lost or repeated");
        }
    }

    [Test]
    public void A_model_staged_twice_keeps_only_the_newer_one_waiting()
    {
        var decisions = new List<Decision>();
        using var decoder = new LiveDecoder(TestModelBundles.Classifier("first", OnnxTestModels.Softmax), S001Bundles.Unit(), TestModelBundles.MicrovoltsPerQ31,
            new DecodingOptions(), (in Decision d) => decisions.Add(d))
        {
            SwapPermitted = () => false,
        };
        var older = TestModelBundles.Classifier("older", OnnxTestModels.Softmax);

        Assert.That(decoder.Swap(older).Accepted, Is.True);
        Assert.That(decoder.Swap(TestModelBundles.Classifier("newer", OnnxTestModels.Softmax)).Accepted, Is.True);
        TestModelBundles.Push(decoder, TestModelBundles.Frame(20), 0, TestModelBundles.Samples + decoder.HopSamples);

        Assert.That(decoder.StagedModel, Is.EqualTo("test-newer 1 (Int8)"));
        Assert.That(() => older.Input.Length, Throws.TypeOf<ObjectDisposedException>(), "the older staged model was replaced and disposed");
        Assert.That(decisions.Select(d => d.ModelId), Is.EqualTo(Enumerable.Repeat("test-first", 2)));
    }
}
