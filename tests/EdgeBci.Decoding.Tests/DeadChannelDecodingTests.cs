using EdgeBci.Decoding.Bundle;
using EdgeBci.Decoding.Inference;
using EdgeBci.Decoding.Live;
using EdgeBci.Decoding.Tests.Support;
using EdgeBci.Signal.Chain;
using EdgeBci.Signal.Quality;
using EdgeBci.Training.Data;

namespace EdgeBci.Decoding.Tests;

/// <summary>
/// No confident intent on a dead signal: S001 run 14 replayed into the live decoder while the signal stage's conditions
/// say a channel the model needs is railed, constant or settling; the decisions say why instead of a class, the
/// evidence decays, and the focus meter counts only good channels (null when none is).
/// </summary>
public sealed class DeadChannelDecodingTests
{
    private const int C3 = 2;

    [Test]
    public void Windows_with_a_dead_model_channel_are_rejected_with_the_reason_and_the_evidence_decays()
    {
        var stream = ChainReplay.Run(S001Bundles.RunPath(14), S001Bundles.Montage, new SignalOptions(), ReplaySettings.Default);
        var conditions = new ScriptedConditions(stream.DeviceNames.Length);
        var decisions = new List<(Decision Decision, int Probabilities)>();
        LiveDecoder? decoder = null;
        decoder = new LiveDecoder(new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None)), S001Bundles.Unit(), stream.MicrovoltsPerQ31,
            new DecodingOptions(), (in Decision d) => decisions.Add((d, decoder!.Probabilities.Length)),
            quality: new QualitySource(conditions, stream.DeviceNames));
        using (decoder)
        {
            for (long f = 0; f < stream.OutputFrames; f++)
            {
                // Frames 3000-4000: C3 railed, then switched off (constant), then settling after the fault; good from 5000.
                conditions.Values[C3] = f switch
                {
                    < 3000 => ChannelCondition.Good,
                    < 3500 => ChannelCondition.Railed,
                    < 4000 => ChannelCondition.Constant,
                    < 5000 => ChannelCondition.Settling,
                    _ => ChannelCondition.Noisy,
                };
                conditions.From[C3] = f < 3500 ? ChannelCondition.Railed : ChannelCondition.Constant;
                decoder.Push(stream.Frame(f), f, f);
            }
        }

        var dead = decisions.Where(d => d.Decision.LastSampleIndex is >= 3000 and < 5000).ToList();
        var before = decisions.Where(d => d.Decision.LastSampleIndex < 3000).ToList();
        var after = decisions.Where(d => d.Decision.LastSampleIndex >= 5000).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(before.Select(d => d.Decision.Rejection), Has.All.Null);
            Assert.That(before.Count(d => d.Decision.Confidence >= 0.9), Is.GreaterThan(0), "the model is confident on this run");
            Assert.That(dead.Select(d => d.Decision.Rejection).Distinct(), Is.EqualTo(new[] { "rejected: C3 railed", "rejected: C3 constant", "rejected: C3 settling (after constant)" }));
            Assert.That(dead.Select(d => d.Decision.ClassName), Is.EqualTo(dead.Select(d => d.Decision.Rejection)), "the reason stands where the class would");
            Assert.That(dead.Select(d => d.Decision.ClassIndex), Has.All.EqualTo(-1));
            Assert.That(dead.Select(d => d.Decision.Confidence), Has.All.EqualTo(0f));
            Assert.That(dead.Select(d => d.Decision.Rejected), Has.All.True);
            Assert.That(dead.Select(d => d.Probabilities), Has.All.EqualTo(0), "a window not classified has no probabilities");
            Assert.That(after.Select(d => d.Decision.Rejection), Has.All.Null, "a noisy channel is still decoded");
            Assert.That(after.Select(d => d.Probabilities), Has.All.EqualTo(2));
        });

        // From 3000 on the evidence only falls toward uniform (0.5 for two classes), never rises: no confident intent.
        var evidence = dead.Select(d => d.Decision.Evidence).ToList();
        for (var k = 1; k < evidence.Count; k++)
        {
            Assert.That(evidence[k], Is.LessThanOrEqualTo(evidence[k - 1]).And.GreaterThanOrEqualTo(0.5), $"dead window {k}");
        }

        Assert.That(evidence[^1], Is.LessThan(0.51), $"after {evidence.Count} rejected windows the evidence is back at uniform");
        TestContext.Out.WriteLine($"{dead.Count} rejected windows, evidence {evidence[0]:F3} -> {evidence[^1]:F3}");
    }

    [Test]
    public void A_rejected_window_allocates_nothing()
    {
        var stream = ChainReplay.Run(S001Bundles.RunPath(14), S001Bundles.Montage, new SignalOptions(), ReplaySettings.Default);
        var conditions = new ScriptedConditions(stream.DeviceNames.Length);
        var windows = 0L;
        var rejections = 0;
        var classifier = new OnnxWindowClassifier(ModelBundle.Load(S001Bundles.Folder, ModelTrustPolicy.None));
        classifier.WarmUp();
        using var decoder = new LiveDecoder(classifier, S001Bundles.Unit(), stream.MicrovoltsPerQ31, new DecodingOptions(),
            (in Decision d) => { windows = d.WindowIndex + 1; rejections += d.Rejection is null ? 0 : 1; }, quality: new QualitySource(conditions, stream.DeviceNames));
        long f = 0;
        for (; f < 1000; f++)
        {
            decoder.Push(stream.Frame(f), f, f);
        }

        var first = windows;
        var rejectedBefore = rejections;
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (windows < first + 40)
        {
            // Alternating dead and good stretches: both paths, every condition's reason, settling since switch-on and after a fault.
            conditions.Values[C3] = (ChannelCondition)((windows / 4) % 8);
            conditions.From[C3] = windows % 2 == 0 ? ChannelCondition.NoVerdict : ChannelCondition.Railed;
            decoder.Push(stream.Frame(f), f, f);
            f++;
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(rejections - rejectedBefore, Is.InRange(20, 36), "both paths were measured");
    }

    [Test]
    public void The_gate_needs_both_electrodes_of_a_bipolar_channel_and_refuses_an_unknown_one()
    {
        var conditions = new ScriptedConditions(3);
        var gate = new ChannelQualityGate(new QualitySource(conditions, ["C3", "Cz", "C4"]), ["C3-Cz", "C4-Cz"]);
        Assert.That(gate.DeviceChannels, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(gate.Check(), Is.Null);
        conditions.Values[1] = ChannelCondition.LeadOff;
        Assert.That(gate.Check(), Is.EqualTo("rejected: Cz lead-off"));
        conditions.Values[1] = ChannelCondition.Noisy;
        conditions.Values[2] = ChannelCondition.FlatLine;
        Assert.That(gate.Check(), Is.EqualTo("rejected: C4 flat line"));

        Assert.That(() => new ChannelQualityGate(new QualitySource(conditions, ["C3", "Cz", "C4"]), ["C3-Pz"]),
            Throws.ArgumentException.With.Message.Contains("'Pz'"));
    }

    [Test]
    public void A_settling_channel_is_rejected_with_why_it_settles_since_switch_on_or_after_a_fault()
    {
        var conditions = new ScriptedConditions(3);
        var gate = new ChannelQualityGate(new QualitySource(conditions, ["C3", "Cz", "C4"]), ["C3", "C4"]);
        conditions.Values[0] = ChannelCondition.Settling;
        Assert.That(gate.Check(), Is.EqualTo("rejected: C3 settling (since switch-on)"), "not bad since switch-on: still not good for the hold-off");
        conditions.From[0] = ChannelCondition.Railed;
        Assert.That(gate.Check(), Is.EqualTo("rejected: C3 settling (after railed)"));
        conditions.From[0] = ChannelCondition.LeadOff;
        Assert.That(gate.Check(), Is.EqualTo("rejected: C3 settling (after lead-off)"));
        conditions.Values[0] = ChannelCondition.Good;
        Assert.That(gate.Check(), Is.Null, "a good channel is good whatever it once was");
    }

    [Test]
    public void Focus_uses_only_good_channels_and_is_not_a_number_when_none_is()
    {
        var stream = ChainReplay.Run(S001Bundles.RunPath(1), S001Bundles.Montage, new SignalOptions(), ReplaySettings.Default);
        var channels = stream.DeviceNames.Length;
        var conditions = new ScriptedConditions(channels);
        var gated = new FocusMeter(stream.DeviceNames, 250, stream.MicrovoltsPerQ31, new FocusOptions { Smoothing = 1 }, quality: conditions);
        var onlyC3 = new FocusMeter(stream.DeviceNames, 250, stream.MicrovoltsPerQ31, new FocusOptions { Smoothing = 1, Channels = ["C3"] });
        var frames = stream.Raw.Length / channels;
        var seen = new List<(double Gated, double OnlyC3, bool AnyGood)>();
        for (var f = 0; f < Math.Min(frames, 250 * 30); f++)
        {
            var second = f / 250;
            // 0-10 s every channel good; 10-20 s only C3 good, the rest railed or settling; 20-30 s none good.
            for (var c = 0; c < channels; c++)
            {
                conditions.Values[c] = second < 10 || (second < 20 && c == C3) ? ChannelCondition.Good
                    : c % 2 == 0 ? ChannelCondition.Railed : ChannelCondition.Settling;
            }

            gated.Process(stream.Raw.AsSpan(f * channels, channels));
            onlyC3.Process(stream.Raw.AsSpan(f * channels, channels));
            if ((f + 1) % gated.UpdateFrames == 0 && f >= 250 * 3)
            {
                seen.Add((gated.Score, onlyC3.Score, second < 20));
            }
        }

        var c3Stretch = seen.Where(s => s.AnyGood).Skip(seen.Count(s => s.AnyGood) / 2 + 8).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(c3Stretch, Is.Not.Empty);
            Assert.That(c3Stretch.Select(s => s.Gated), Is.EqualTo(c3Stretch.Select(s => s.OnlyC3)).Within(1e-12), "with only C3 good, the score is C3's");
            Assert.That(seen.Where(s => !s.AnyGood).Select(s => s.Gated), Has.All.NaN, "no good channel: no number");
            Assert.That(gated.IsFocused, Is.False, "an unknown focus is not focus");
        });
    }

    [Test]
    public void A_rejected_window_decays_the_evidence_as_one_below_the_floor_does()
    {
        var rejected = new EvidenceAccumulator(2, 0.3, 0.55);
        var belowFloor = new EvidenceAccumulator(2, 0.3, 0.55);
        for (var k = 0; k < 5; k++)
        {
            rejected.Update([0.95f, 0.05f]);
            belowFloor.Update([0.95f, 0.05f]);
        }

        rejected.Reject();
        belowFloor.Update([0.5f, 0.5f]);
        Assert.That(rejected.Evidence.ToArray(), Is.EqualTo(belowFloor.Evidence.ToArray()));
        Assert.That(rejected.Windows, Is.EqualTo(6));
        Assert.That(rejected.Leader, Is.EqualTo(0));
    }

    private sealed class ScriptedConditions(int channels) : IChannelConditions
    {
        public ChannelCondition[] Values { get; } = new ChannelCondition[channels];

        /// <summary>What each channel settles from; NoVerdict (since switch-on) unless set.</summary>
        public ChannelCondition[] From { get; } = Enumerable.Repeat(ChannelCondition.NoVerdict, channels).ToArray();

        public int Channels => Values.Length;

        public ChannelCondition Get(int channel) => Values[channel];

        public ChannelCondition SettlingFrom(int channel) => From[channel];
    }
}
