using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Live;
using EdgeBci.Decoding.Tests.Support;
using EdgeBci.Recording;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Data;

namespace EdgeBci.Decoding.Tests;

/// <summary>
/// S001 run 14 replayed as the unit streams it: the chain's Q31 output, frame by frame, into the live decoder, against
/// the same bundle's int8 model run offline on windows cut in microvolts from the same stream.
/// </summary>
public sealed class LiveDecoderReplayTests
{
    private static readonly SignalOptions Signal = new();

    private readonly List<Decision> _decisions = [];
    private readonly List<float[]> _probabilities = [];
    private readonly List<float[]> _windows = [];

    [Test]
    public void Every_hop_window_gives_probabilities_bit_identical_to_the_int8_model_run_offline_on_the_same_window()
    {
        var path = S001Bundles.RunPath(14);
        var stream = ChainReplay.Run(path, S001Bundles.Montage, Signal, ReplaySettings.Default);
        var filtered = DeviceReplay.Run(RecordingLoader.Load(path), S001Bundles.Montage, stream.DeviceNames, 250, ReplaySettings.Default.Validate(), Signal, out _);
        AssertSameStream(stream, filtered);

        var bundle = ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None);
        LiveDecoder? decoder = null;
        decoder = new LiveDecoder(new OnnxWindowClassifier(bundle), S001Bundles.Unit(), stream.MicrovoltsPerQ31, new DecodingOptions(),
            (in Decision decision) =>
            {
                _decisions.Add(decision);
                _probabilities.Add(decoder!.Probabilities.ToArray());
                _windows.Add(decoder.Window.ToArray());
            });
        using (decoder)
        {
            for (long f = 0; f < stream.OutputFrames; f++)
            {
                decoder.Push(stream.Frame(f), f, f * 4000);
            }
        }

        // The offline window: rows in the manifest's channel order found by name among DeviceReplay's output labels,
        // samples [last − 499, last] of DeviceReplay's microvolts, each cast to float (DatasetBuilder's Cut).
        using var offline = new OfflineWindows(bundle.Int8ModelPath, bundle.Manifest);
        var rows = offline.Rows(filtered.ChannelLabels);
        var hop = 63;
        var expectedWindows = ((stream.OutputFrames - 500) / hop) + 1;
        Assert.That(_decisions, Has.Count.EqualTo(expectedWindows));
        var evidence = new EvidenceAccumulator(2, 0.3, 0.55);
        for (var k = 0; k < _decisions.Count; k++)
        {
            var decision = _decisions[k];
            Assert.That(decision.WindowIndex, Is.EqualTo(k));
            Assert.That(decision.LastSampleIndex, Is.EqualTo(499 + (k * hop)));
            Assert.That(decision.Timestamp, Is.EqualTo(decision.LastSampleIndex * 4000));
            var window = offline.Cut(rows, decision.LastSampleIndex, (c, s) => filtered.Microvolts[c][s]);
            Assert.That(_windows[k], Is.EqualTo(window), $"window {k}: the decoder's input is the offline cut, bit for bit");
            var expected = offline.Probabilities(window);
            Assert.That(_probabilities[k], Is.EqualTo(expected), $"window {k} ending at sample {decision.LastSampleIndex}");

            var rejected = evidence.Update(expected);
            Assert.That(decision.ClassIndex, Is.EqualTo(expected[1] > expected[0] ? 1 : 0));
            Assert.That(decision.ClassName, Is.SameAs(bundle.Manifest.Classes[decision.ClassIndex]));
            Assert.That(decision.Confidence, Is.EqualTo(expected.Max()));
            Assert.That(decision.Rejected, Is.EqualTo(rejected));
            Assert.That(decision.EvidenceClass, Is.EqualTo(evidence.Leader));
            Assert.That(decision.Evidence, Is.EqualTo(evidence.LeaderEvidence));
            Assert.That(decision.ModelId, Is.EqualTo("s001-test"));
            Assert.That(decision.Focus, Is.NaN, "no focus meter attached");
        }

        TestContext.Out.WriteLine($"{_decisions.Count} windows, {_decisions.Count(d => d.Rejected)} rejected, " +
            $"classes {string.Join(", ", _decisions.GroupBy(d => d.ClassName).Select(g => $"{g.Key} {g.Count()}"))}");
    }

    [Test]
    public void A_window_in_steady_state_allocates_no_managed_memory()
    {
        var stream = ChainReplay.Run(S001Bundles.RunPath(14), S001Bundles.Montage, Signal, ReplaySettings.Default);
        var focus = new FocusMeter(stream.DeviceNames, 250, stream.MicrovoltsPerQ31, new FocusOptions());
        var windows = 0L;
        var classifier = new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None));
        classifier.WarmUp();
        using var decoder = new LiveDecoder(classifier, S001Bundles.Unit(), stream.MicrovoltsPerQ31, new DecodingOptions(),
            (in Decision decision) => windows = decision.WindowIndex + 1, focus);
        var channels = stream.DeviceNames.Length;

        // Warm-up: fill the window, decode a few windows, let the focus meter fill.
        long f = 0;
        for (; f < 1000; f++)
        {
            focus.Process(stream.Raw.AsSpan((int)f * channels, channels));
            decoder.Push(stream.Frame(f), f, f);
        }

        var first = windows;
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (windows < first + 100)
        {
            focus.Process(stream.Raw.AsSpan((int)f * channels, channels));
            decoder.Push(stream.Frame(f), f, f);
            f++;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        TestContext.Out.WriteLine($"{allocated} bytes allocated over 100 windows ({f - 1000} frames), focus {focus.Score:F3}");
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void After_a_gap_in_the_sample_index_decoding_resumes_once_the_window_has_refilled()
    {
        var stream = ChainReplay.Run(S001Bundles.RunPath(14), S001Bundles.Montage, Signal, ReplaySettings.Default);
        var windows = new List<(long Window, long Last)>();
        using var decoder = new LiveDecoder(new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None)), S001Bundles.Unit(), stream.MicrovoltsPerQ31,
            new DecodingOptions(), (in Decision d) => windows.Add((d.WindowIndex, d.LastSampleIndex)));

        for (long f = 0; f < 700; f++)
        {
            decoder.Push(stream.Frame(f), f, f);
        }

        // Frames 700..799 were lost (a reader overrun): the stream resumes at 800.
        for (long f = 800; f < 1500; f++)
        {
            decoder.Push(stream.Frame(f), f, f);
        }

        Assert.That(decoder.Gaps, Is.EqualTo(1));
        Assert.That(windows.Select(w => w.Last), Is.EqualTo(new long[] { 499, 562, 625, 688, 1299, 1362, 1425, 1488 }));
        Assert.That(windows.Select(w => w.Window), Is.EqualTo(Enumerable.Range(0, 8).Select(i => (long)i)), "numbering goes on across the gap");
    }

    private static void AssertSameStream(ChainStream stream, MicrovoltRecording filtered)
    {
        Assert.That(filtered.SampleCount, Is.EqualTo(stream.OutputFrames));
        Assert.That(filtered.ChannelLabels, Is.EqualTo(stream.OutputNames));
        for (var c = 0; c < stream.OutputChannels; c++)
        {
            for (var f = 0; f < stream.OutputFrames; f++)
            {
                if (filtered.Microvolts[c][f] != stream.Output[(f * stream.OutputChannels) + c] * stream.MicrovoltsPerQ31)
                {
                    Assert.Fail($"The Q31 stream is not DeviceReplay's at channel {c}, sample {f}.");
                }
            }
        }
    }
}
