using System.Collections.Concurrent;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Live;
using EdgeBci.Decoding.Tests.Support;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Data;

namespace EdgeBci.Decoding.Tests;

/// <summary>
/// Models swapped under load: one thread pushes S001 run 14's chain output as fast as it can (looping over the
/// run), another swaps between two bundles 20 times and tries one incompatible model in between.
/// </summary>
[NonParallelizable]
public sealed class HotSwapTests
{
    private sealed record Seen(long Window, long Last, string ModelId, bool Rejected, double Evidence, int EvidenceClass, float[] Probabilities);

    [Test]
    public void Twenty_swaps_under_load_lose_and_repeat_no_window_and_each_decision_names_the_model_that_produced_it()
    {
        var stream = ChainReplay.Run(S001Bundles.RunPath(14), S001Bundles.Montage, new SignalOptions(), ReplaySettings.Default);
        var first = ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None);
        var second = ModelBundle.Load(S001Bundles.OtherFolder, ModelTrustPolicy.None);
        var reordered = ModelBundle.Load(S001Bundles.Variant("reordered", m => m with { ModelId = "s001-reordered", Channels = [.. m.Channels.Reverse()] }), ModelTrustPolicy.None);
        var seen = new List<Seen>();
        LiveDecoder? decoder = null;
        decoder = new LiveDecoder(new OnnxWindowClassifier(first), S001Bundles.Unit(), stream.MicrovoltsPerQ31, new DecodingOptions(),
            (in Decision d) => seen.Add(new Seen(d.WindowIndex, d.LastSampleIndex, d.ModelId, d.Rejected, d.Evidence, d.EvidenceClass, decoder!.Probabilities.ToArray())));

        var swapping = true;
        var refusal = (string?)null;
        var modelBeforeRefusal = (string?)null;
        var modelAfterRefusal = (string?)null;
        var swapsAfterRefusal = 0;
        var errors = new ConcurrentQueue<Exception>();
        var pusher = new Thread(() =>
        {
            try
            {
                long f = 0;
                var extraWindows = long.MaxValue;
                while (decoder.WindowsDecoded < extraWindows)
                {
                    decoder.Push(stream.Frame(f % stream.OutputFrames), f, f);
                    f++;
                    if (!Volatile.Read(ref swapping) && extraWindows == long.MaxValue)
                    {
                        extraWindows = decoder.WindowsDecoded + 20;
                    }
                }
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        });
        pusher.Start();
        try
        {
            for (var s = 0; s < 20; s++)
            {
                var next = new OnnxWindowClassifier(s % 2 == 0 ? second : first);
                next.WarmUp(1);
                Assert.That(decoder.Swap(next).Accepted, Is.True);
                WaitFor(() => decoder.SwapsApplied == s + 1);
                if (s == 9)
                {
                    using var incompatible = new OnnxWindowClassifier(reordered);
                    modelBeforeRefusal = decoder.CurrentModel;
                    var result = decoder.Swap(incompatible);
                    refusal = result.Accepted ? null : result.Reason;
                    var windows = decoder.WindowsDecoded;
                    WaitFor(() => decoder.WindowsDecoded > windows + 5);
                    modelAfterRefusal = decoder.CurrentModel;
                    swapsAfterRefusal = decoder.SwapsApplied;
                    Assert.That(incompatible.Probabilities.Length, Is.EqualTo(2), "a refused model stays the caller's, undisposed");
                }

                // Let the new model classify a few windows under load before the next swap.
                var now = decoder.WindowsDecoded;
                WaitFor(() => decoder.WindowsDecoded >= now + 3);
            }
        }
        finally
        {
            Volatile.Write(ref swapping, false);
            pusher.Join();
            decoder.Dispose();
        }

        Assert.That(errors, Is.Empty);
        Assert.That(refusal, Does.Contain("s001-reordered").And.Contain("channels"));
        Assert.That(modelBeforeRefusal, Is.EqualTo("s001-test 1 (Int8)"), "the 10th swap put the first model back");
        Assert.That(modelAfterRefusal, Is.EqualTo(modelBeforeRefusal), "the refused swap left the running model");
        Assert.That(swapsAfterRefusal, Is.EqualTo(10));

        // Every window number exactly once, in order, each hop apart.
        Assert.That(seen.Select(d => d.Window), Is.EqualTo(Enumerable.Range(0, seen.Count).Select(i => (long)i)));
        Assert.That(seen.Select(d => d.Last), Is.EqualTo(Enumerable.Range(0, seen.Count).Select(i => 499 + (63L * i))));

        // Twenty changes of model, alternating, each taking effect at a window boundary.
        var switches = Enumerable.Range(1, seen.Count - 1).Where(i => seen[i].ModelId != seen[i - 1].ModelId).ToList();
        Assert.That(switches, Has.Count.EqualTo(20));
        Assert.That(seen[0].ModelId, Is.EqualTo("s001-test"));
        Assert.That(seen[^1].ModelId, Is.EqualTo("s001-test"));

        // Each decision's probabilities are what the model it names gives for its window: bit for bit, offline.
        using var offlineFirst = new OfflineWindows(first.Int8ModelPath, first.Manifest);
        using var offlineSecond = new OfflineWindows(second.Int8ModelPath, second.Manifest);
        var rows = offlineFirst.Rows(stream.OutputNames);
        double Sample(int c, long s) => stream.Output[(int)(((s % stream.OutputFrames) * stream.OutputChannels) + c)] * stream.MicrovoltsPerQ31;
        var differing = 0;
        foreach (var decision in seen)
        {
            var window = offlineFirst.Cut(rows, decision.Last, Sample);
            var byFirst = offlineFirst.Probabilities(window);
            var bySecond = offlineSecond.Probabilities(window);
            differing += byFirst.SequenceEqual(bySecond) ? 0 : 1;
            Assert.That(decision.Probabilities, Is.EqualTo(decision.ModelId == "s001-test" ? byFirst : bySecond), $"window {decision.Window} by {decision.ModelId}");
        }

        Assert.That(differing, Is.GreaterThan(seen.Count * 9 / 10), "the two models give different probabilities, so the check can tell them apart");

        // The evidence restarts from uniform with every new model.
        foreach (var i in switches)
        {
            var fresh = new EvidenceAccumulator(2, 0.3, 0.55);
            fresh.Update(seen[i].Probabilities);
            Assert.That(seen[i].Evidence, Is.EqualTo(fresh.LeaderEvidence), $"evidence after the swap at window {i}");
        }

        TestContext.Out.WriteLine($"{seen.Count} windows, 20 swaps at windows {string.Join(", ", switches)}; refused: {refusal}");
    }

    [Test]
    public void A_model_with_another_window_or_chain_is_refused_and_the_running_model_continues()
    {
        var stream = ChainReplay.Run(S001Bundles.RunPath(14), S001Bundles.Montage, new SignalOptions(), ReplaySettings.Default);
        var ids = new List<string>();
        using var decoder = new LiveDecoder(new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None)), S001Bundles.Unit(), stream.MicrovoltsPerQ31,
            new DecodingOptions(), (in Decision d) => ids.Add(d.ModelId));
        using var notched = new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.Variant("notch60",
            m => m with { ModelId = "s001-notch60", SignalChain = new SignalOptions { NotchHz = 60, Filters = [SignalOptions.DefaultBandPass] } }), ModelTrustPolicy.None));
        using var slower = new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.Variant("rate200", m => m with { ModelId = "s001-200", SampleRate = 200 }), ModelTrustPolicy.None));

        var chain = decoder.Swap(notched);
        var rate = decoder.Swap(slower);
        for (long f = 0; f < 1000; f++)
        {
            decoder.Push(stream.Frame(f), f, f);
        }

        Assert.That(chain.Accepted, Is.False);
        Assert.That(chain.Reason, Does.Contain(BundleCompatibility.SignalChainMismatch).And.Contain("Signal:NotchHz is 50 on the unit, 60 in the model"));
        Assert.That(rate.Accepted, Is.False);
        Assert.That(rate.Reason, Does.Contain(BundleCompatibility.RateMismatch));
        Assert.That(ids, Is.Not.Empty.And.All.EqualTo("s001-test"));
        Assert.That(decoder.SwapsApplied, Is.Zero);
    }

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Timed out waiting for the decoder.");
            }

            Thread.Sleep(1);
        }
    }
}
