using EdgeBci.Signal.Chain;
using EdgeBci.Signal.Quality;

namespace EdgeBci.Signal.Tests;

/// <summary>
/// The quality monitor's memory on recorded-style steps: a channel counts as good only after it has been good for the
/// hold-off, from switch-on as after a fault; a step from the rail to a constant and an exactly constant input are bad
/// at once, never "good" in between.
/// </summary>
public partial class SignalQualityTests
{
    private const int C3 = 2;

    [Test]
    public void A_step_from_the_rail_to_exactly_zero_is_bad_at_once_and_never_good_in_between()
    {
        var monitor = Monitor();
        // Railed for 3.4 s (mid-window), then the channel is switched off: exactly zero counts.
        var verdicts = EveryBlock(monitor, seconds: 8, (c, n, _, microvolts) => c != C3 ? microvolts : n < 850 ? 1e9 : double.NaN);

        var afterFirstWindow = verdicts.Where(v => v.Frame >= 250).ToList();
        Assert.That(afterFirstWindow.Select(v => v.Quality[C3].State), Has.All.EqualTo(QualityState.Bad), "bad in every block, railed then dead");
        Assert.That(afterFirstWindow.Select(v => v.Conditions[C3]), Has.All.Matches<ChannelCondition>(c => c.IsUnusable()));
        var firstConstant = verdicts.First(v => v.Frame > 850 && v.Quality[C3].Reason.Contains("constant", StringComparison.Ordinal)).Frame;
        Assert.That(firstConstant - 850, Is.LessThanOrEqualTo(25 + 7), "the constant is seen within ConstantSeconds (0.1 s) and one block");
        Assert.That(monitor.Get(C3), Is.EqualTo(new ChannelQuality(QualityState.Bad, "constant")));
        Assert.That(monitor.GetCondition(C3), Is.EqualTo(ChannelCondition.Constant));
        Assert.That(Others(monitor, C3), Is.All.EqualTo(ChannelQuality.Good));
    }

    [Test]
    public void A_step_from_the_rail_to_a_drift_without_signal_is_never_good()
    {
        var monitor = Monitor();
        // After the rail the amplifier recovers slowly: 2 mV/s of drift and no EEG, never the same value twice.
        var verdicts = EveryBlock(monitor, seconds: 12, (c, n, t, microvolts) => c != C3 ? microvolts : n < 750 ? 1e9 : 40_000 - (2000 * (t - 3)));

        TestContext.Out.WriteLine(string.Join(" | ", verdicts.Where(v => v.Frame % 125 < 7).Select(v => $"{v.Frame}: {v.Quality[C3]}")));
        Assert.That(verdicts.Where(v => v.Frame >= 250).Select(v => v.Quality[C3].State), Has.None.EqualTo(QualityState.Good).And.None.EqualTo(QualityState.Noisy));
        Assert.That(monitor.Get(C3), Is.EqualTo(new ChannelQuality(QualityState.Bad, "flat line")));
    }

    [Test]
    public void A_step_from_the_rail_to_a_drifting_live_electrode_is_settling_for_the_hold_off_then_good()
    {
        var monitor = Monitor();
        var verdicts = EveryBlock(monitor, seconds: 12, (c, n, t, microvolts) => c != C3 ? microvolts : n < 750 ? 1e9 : 40_000 - (500 * (t - 3)) + microvolts);

        var firstGood = verdicts.First(v => v.Frame > 750 && v.Quality[C3].IsGood).Frame;
        TestContext.Out.WriteLine($"C3 good again {(firstGood - 750) / SampleRate:0.00} s after leaving the rail");
        Assert.That(firstGood - 750, Is.GreaterThanOrEqualTo(5 * 250), "not before the 5 s hold-off");
        Assert.That(firstGood - 750, Is.LessThanOrEqualTo(7 * 250), "the hold-off, plus the window the step fell in, plus one window");
        Assert.That(verdicts.Where(v => v.Frame > 750 && v.Frame < firstGood).Select(v => v.Quality[C3].State), Has.None.EqualTo(QualityState.Good));
        Assert.That(verdicts.Where(v => v.Frame >= 1250 && v.Frame < firstGood).Select(v => v.Quality[C3]),
            Has.All.EqualTo(new ChannelQuality(QualityState.Settling, "after railed")));
    }

    [Test]
    public void Good_then_railed_then_good_is_held_off_for_the_configured_time_and_the_others_are_untouched()
    {
        var monitor = Monitor(new SignalQualityOptions { HoldOffSeconds = 2 });
        // Good 0-3 s, railed 3-4 s, good again from 4 s; verdict after each 1 s window.
        var verdicts = Run(monitor, seconds: 9, (c, n, _, microvolts) => c == C3 && n is >= 750 and < 1000 ? 1e9 : microvolts);

        var c3 = verdicts.Select(window => window[C3].ToString()).ToList();
        TestContext.Out.WriteLine(string.Join(" | ", c3));
        Assert.That(c3, Is.EqualTo(new[]
        {
            "settling (since switch-on)", "good", "good", "bad (railed)", // 0-1 s: good for 1 s of the 2 since switch-on
            "settling (after railed)", // 4-5 s: good for 1 s of the 2
            "good", "good", "good", "good",
        }));
        Assert.That(verdicts.Skip(1).SelectMany(window => window.Where((_, c) => c != C3)), Is.All.EqualTo(ChannelQuality.Good), "good once past the switch-on hold-off");
        Assert.That(monitor.GoodSeconds(C3), Is.EqualTo(2.0), "capped at the hold-off");
    }

    [Test]
    public void Before_the_first_window_a_channel_has_no_verdict_and_is_unusable()
    {
        var monitor = Monitor();
        Assert.That(monitor.Get(0), Is.EqualTo(new ChannelQuality(QualityState.Settling, "no verdict yet")));
        Assert.That(monitor.GetCondition(0), Is.EqualTo(ChannelCondition.NoVerdict));
        Assert.That(monitor.GetCondition(0).IsUnusable(), Is.True);
    }

    [Test]
    public void At_switch_on_a_clean_channel_is_settling_for_exactly_the_hold_off_then_good()
    {
        var monitor = Monitor();
        var verdicts = EveryBlock(monitor, seconds: 7, (_, _, _, microvolts) => microvolts);

        // One block is 7 frames; the 5 s hold-off ends at frame 1250, the end of the fifth good window.
        var firstGood = verdicts.First(v => v.Quality.All(q => q.IsGood)).Frame;
        TestContext.Out.WriteLine($"every channel good {firstGood / SampleRate:0.000} s after switch-on");
        Assert.Multiple(() =>
        {
            Assert.That(firstGood, Is.EqualTo(1250 + (7 - (1250 % 7))), "good in the first block after exactly the hold-off");
            Assert.That(verdicts.Where(v => v.Frame < 1250).SelectMany(v => v.Quality).Select(q => q.State), Has.All.EqualTo(QualityState.Settling));
            Assert.That(verdicts.Where(v => v.Frame is >= 250 and < 1250).SelectMany(v => v.Quality),
                Has.All.EqualTo(new ChannelQuality(QualityState.Settling, "since switch-on")), "judged good, but not yet for the hold-off");
            Assert.That(verdicts.Where(v => v.Frame < 1250).SelectMany(v => v.Conditions), Has.All.Matches<ChannelCondition>(c => c.IsUnusable()));
            Assert.That(verdicts.Where(v => v.Frame >= 1250).SelectMany(v => v.Quality), Has.All.EqualTo(ChannelQuality.Good));
        });
        Assert.That(monitor.SettlingFrom(C3), Is.EqualTo(ChannelCondition.NoVerdict), "never bad");

        // A stream restart is a switch-on for the memory.
        monitor.Reset();
        Run(monitor, seconds: 4, (_, _, _, microvolts) => microvolts);
        Assert.That(monitor.Get(C3), Is.EqualTo(new ChannelQuality(QualityState.Settling, "since switch-on")));
        Run(monitor, seconds: 1, (_, _, _, microvolts) => microvolts);
        Assert.That(monitor.Get(C3), Is.EqualTo(ChannelQuality.Good));
    }

    [Test]
    public void A_channel_bad_since_switch_on_settles_after_its_fault_and_says_so()
    {
        var monitor = Monitor();
        Run(monitor, seconds: 3, (c, _, _, microvolts) => c == C3 ? 1e9 : microvolts);
        Assert.That(monitor.SettlingFrom(C3), Is.EqualTo(ChannelCondition.Railed));
        Run(monitor, seconds: 2, (_, _, _, microvolts) => microvolts);
        Assert.That(monitor.Get(C3), Is.EqualTo(new ChannelQuality(QualityState.Settling, "after railed")));
        Assert.That(monitor.Get(0), Is.EqualTo(ChannelQuality.Good), "the others have been good for 5 s");
        Assert.That(ChannelConditions.DescribeSettling(monitor.SettlingFrom(C3)), Is.EqualTo("after railed"));
        Assert.That(ChannelConditions.DescribeSettling(monitor.SettlingFrom(0)), Is.EqualTo("since switch-on"));
    }

    [Test]
    public void With_a_hold_off_of_zero_a_channel_is_good_from_its_first_good_window()
    {
        var monitor = Monitor(new SignalQualityOptions { HoldOffSeconds = 0 });
        var verdicts = EveryBlock(monitor, seconds: 2, (_, _, _, microvolts) => microvolts);
        Assert.That(verdicts.Where(v => v.Frame < 250).SelectMany(v => v.Quality), Has.All.EqualTo(new ChannelQuality(QualityState.Settling, "no verdict yet")));
        Assert.That(verdicts.Where(v => v.Frame >= 250).SelectMany(v => v.Quality), Has.All.EqualTo(ChannelQuality.Good), "immediate: no switch-on hold-off");
    }

    [Test]
    public void The_hold_off_is_a_validated_signal_key_and_a_monitor_option()
    {
        Assert.That(new SignalOptions { QualityHoldOffSeconds = -1 }.Validate(250),
            Has.One.EqualTo("Signal:QualityHoldOffSeconds = -1 is out of range 0 (no memory) .. 600 s."));
        Assert.That(new SignalOptions { QualityHoldOffSeconds = double.NaN }.Validate(250), Has.One.StartsWith("Signal:QualityHoldOffSeconds = NaN"));
        Assert.That(new SignalOptions().Validate(250), Is.Empty);
        Assert.That(new SignalOptions().QualityHoldOffSeconds, Is.EqualTo(5));
        Assert.That(() => Monitor(new SignalQualityOptions { HoldOffSeconds = double.NaN }),
            Throws.ArgumentException.With.Message.Contains("hold-off"));
        Assert.That(() => Monitor(new SignalQualityOptions { ConstantSeconds = 0.001 }),
            Throws.ArgumentException.With.Message.Contains("constant input"));

        var noMemory = Monitor(new SignalQualityOptions { HoldOffSeconds = 0 });
        var verdicts = Run(noMemory, seconds: 3, (c, n, _, microvolts) => c == C3 && n < 250 ? 1e9 : microvolts);
        Assert.That(verdicts[1][C3], Is.EqualTo(ChannelQuality.Good), "0 turns the memory off");
    }

    [Test]
    public void Published_conditions_carry_the_monitors_verdicts_to_another_thread_without_allocating()
    {
        var monitor = Monitor();
        var published = new PublishedChannelConditions(Montage.Length);
        Assert.That(published.Get(0), Is.EqualTo(ChannelCondition.NoVerdict), "nothing published yet is unusable");
        Run(monitor, seconds: 2, (c, _, _, microvolts) => c == C3 ? 1e9 : microvolts);
        published.Publish(monitor);
        Assert.That(published.Get(0), Is.EqualTo(ChannelCondition.Settling), "good for 2 s of the 5 s hold-off since switch-on");
        Assert.That(published.SettlingFrom(0), Is.EqualTo(ChannelCondition.NoVerdict));
        Run(monitor, seconds: 3, (c, _, _, microvolts) => c == C3 ? 1e9 : microvolts);

        published.Publish(monitor);
        var before = GC.GetAllocatedBytesForCurrentThread();
        published.Publish(monitor);
        var c3 = published.Get(C3);
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(c3, Is.EqualTo(ChannelCondition.Railed));
        Assert.That(published.SettlingFrom(C3), Is.EqualTo(ChannelCondition.Railed));
        Assert.That(published.Get(0), Is.EqualTo(ChannelCondition.Good));
        Assert.That(() => new PublishedChannelConditions(3).Publish(monitor), Throws.ArgumentException);
    }

    /// <summary>Feeds a synthesized stream (NaN: exactly zero counts) in blocks of 7 frames and records every channel's verdict after each block.</summary>
    private static List<(int Frame, ChannelQuality[] Quality, ChannelCondition[] Conditions)> EveryBlock(
        SignalQualityMonitor monitor, int seconds, Func<int, int, double, double, double> modify)
    {
        // Zero counts, whatever the channel's electrode offset: what a switched-off channel sends.
        var signal = Synthesize(seconds, (c, n, t, microvolts) => modify(c, n, t, microvolts) is var value && double.IsNaN(value) ? -10_000.0 * (c - 3.5) : value);
        var channels = monitor.Channels;
        var verdicts = new List<(int, ChannelQuality[], ChannelCondition[])>();
        for (var offset = 0; offset < signal.Length; offset += 7 * channels)
        {
            var length = Math.Min(7 * channels, signal.Length - offset);
            monitor.Process(signal.AsSpan(offset, length));
            var quality = new ChannelQuality[channels];
            monitor.CopyTo(quality);
            var conditions = new ChannelCondition[channels];
            for (var c = 0; c < channels; c++)
            {
                conditions[c] = monitor.GetCondition(c);
            }

            verdicts.Add(((offset + length) / channels, quality, conditions));
        }

        return verdicts;
    }
}
