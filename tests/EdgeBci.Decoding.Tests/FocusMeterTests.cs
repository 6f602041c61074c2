using EdgeBci.Decoding.Live;
using EdgeBci.Decoding.Tests.Support;
using EdgeBci.Signal.Chain;
using EdgeBci.Training.Data;

namespace EdgeBci.Decoding.Tests;

/// <summary>
/// The focus meter on S001's baselines, fed as the unit would feed it: each EDF replayed into the emulated electrodes
/// at 250 SPS and quantised to the chip's counts as DatasetBuilder's DeviceReplay does (<see cref="ChainReplay"/>),
/// then left-aligned to Q31 (counts &lt;&lt; 8), the raw broadband block the signal stage holds before its chain.
/// </summary>
public sealed class FocusMeterTests
{
    private static readonly Dictionary<int, ChainStream> Streams = [];

    private static ChainStream Stream(int run)
    {
        if (!Streams.TryGetValue(run, out var stream))
        {
            stream = ChainReplay.Run(S001Bundles.RunPath(run), S001Bundles.Montage, new SignalOptions(), ReplaySettings.Default);
            Streams[run] = stream;
        }

        return stream;
    }

    private static List<double> Scores(ChainStream stream, FocusOptions options, int blockFrames = 8)
    {
        var channels = stream.DeviceNames.Length;
        var meter = new FocusMeter(stream.DeviceNames, stream.ChipRate, stream.MicrovoltsPerQ31, options);
        var scores = new List<double>();
        var frames = stream.Raw.Length / channels;
        for (var start = 0; start < frames; start += blockFrames)
        {
            var take = Math.Min(blockFrames, frames - start);
            var updatesBefore = start / meter.UpdateFrames;
            meter.Process(stream.Raw.AsSpan(start * channels, take * channels));
            if ((start + take) / meter.UpdateFrames > updatesBefore && meter.IsReady)
            {
                scores.Add(meter.Score);
            }
        }

        return scores;
    }

    [Test]
    public void Eyes_open_scores_clearly_higher_than_eyes_closed_over_the_run()
    {
        var open = Scores(Stream(1), new FocusOptions());
        var closed = Scores(Stream(2), new FocusOptions());

        var openMean = open.Average();
        var closedMean = closed.Average();
        TestContext.Out.WriteLine($"mean focus: R01 eyes open {openMean:F3} ({open.Count} scores), R02 eyes closed {closedMean:F3} ({closed.Count} scores)");

        Assert.That(open, Is.All.InRange(0.0, 1.0));
        Assert.That(closed, Is.All.InRange(0.0, 1.0));
        // Measured 0.300 against 0.259 with a spread of about 0.05 within each run; the score is smoothed over 2 s
        // windows, so the 231 scores of each minute hold about 30 independent ones: the 0.04 gap is some four
        // standard errors, and the margin asserted leaves room for a different platform's last bits only.
        Assert.That(openMean - closedMean, Is.GreaterThan(0.025), "eyes closed raises alpha, which lowers beta / (alpha + theta)");
        foreach (var channel in S001Bundles.Montage)
        {
            var options = new FocusOptions { Channels = [channel] };
            Assert.That(Scores(Stream(1), options).Average(), Is.GreaterThan(Scores(Stream(2), options).Average()), $"channel {channel} on its own");
        }
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(100)]
    public void The_score_does_not_depend_on_how_the_stream_is_cut_into_blocks(int blockFrames)
    {
        var stream = Stream(1);
        var channels = stream.DeviceNames.Length;
        var whole = new FocusMeter(stream.DeviceNames, 250, stream.MicrovoltsPerQ31, new FocusOptions());
        var blocks = new FocusMeter(stream.DeviceNames, 250, stream.MicrovoltsPerQ31, new FocusOptions());
        const int frames = 6300;

        whole.Process(stream.Raw.AsSpan(0, frames * channels));
        for (var start = 0; start < frames; start += blockFrames)
        {
            blocks.Process(stream.Raw.AsSpan(start * channels, Math.Min(blockFrames, frames - start) * channels));
        }

        Assert.That(blocks.Score, Is.EqualTo(whole.Score).And.Not.NaN);
        Assert.That(blocks.InstantScore, Is.EqualTo(whole.InstantScore));
    }


    [Test]
    public void Smoothing_one_follows_the_instant_score_and_the_threshold_sets_is_focused()
    {
        var stream = Stream(1);
        var channels = stream.DeviceNames.Length;
        var meter = new FocusMeter(stream.DeviceNames, 250, stream.MicrovoltsPerQ31, new FocusOptions { Smoothing = 1, Threshold = 0 });
        Assert.That(meter.IsReady, Is.False);
        Assert.That(meter.IsFocused, Is.False, "NaN before the window fills is not focused");

        meter.Process(stream.Raw.AsSpan(0, 750 * channels));

        Assert.That(meter.IsReady, Is.True);
        Assert.That(meter.Score, Is.EqualTo(meter.InstantScore));
        Assert.That(meter.IsFocused, Is.True);
        meter.Reset();
        Assert.That(meter.Score, Is.NaN);
    }

    [Test]
    public void A_subset_of_channels_is_averaged_and_an_unknown_channel_is_named()
    {
        var stream = Stream(2);
        var parietal = Scores(stream, new FocusOptions { Channels = ["Pz", "cp3", "CP4"] });
        var all = Scores(stream, new FocusOptions());

        Assert.That(parietal, Is.Not.EqualTo(all));
        Assert.That(() => new FocusMeter(stream.DeviceNames, 250, stream.MicrovoltsPerQ31, new FocusOptions { Channels = ["O1"] }),
            Throws.ArgumentException.With.Message.Contain("Decoding:Focus:Channels").And.Message.Contain("'O1'"));
    }
}
