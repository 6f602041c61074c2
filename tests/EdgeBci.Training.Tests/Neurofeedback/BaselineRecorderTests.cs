using EdgeBci.Training.Neurofeedback;

namespace EdgeBci.Training.Tests.Neurofeedback;

/// <summary>The baseline sets the wearer's range from the ready scores only, and refuses a baseline that cannot.</summary>
public class BaselineRecorderTests
{
    private const double Hop = 0.25;

    [Test]
    public void The_range_is_the_10th_to_90th_percentile_of_the_ready_scores()
    {
        // 0.30, 0.31, ..., 0.70 once each (41 values, shuffled in time): the 10th percentile is 0.34, the 90th 0.66.
        var recorder = new BaselineRecorder(0, 41 * Hop);
        for (var i = 0; i < 41; i++)
        {
            recorder.Add((i + 1) * Hop, 0.30 + ((i * 17 % 41) * 0.01));
        }

        var result = recorder.Finish();

        Assert.That(result.Refusal, Is.Null);
        Assert.That(result.Range!.Low, Is.EqualTo(0.34).Within(1e-12));
        Assert.That(result.Range.High, Is.EqualTo(0.66).Within(1e-12));
        Assert.That(result.UsableSeconds, Is.EqualTo(41 * Hop));
    }

    [Test]
    public void Not_ready_samples_count_neither_in_the_range_nor_in_the_usable_time()
    {
        var recorder = new BaselineRecorder(0, 20);
        for (var i = 1; i <= 80; i++)
        {
            // Every other sample not ready (null or NaN); the ready ones are 0.40, 0.42, ..., 0.48, eight of each.
            double? score = i % 2 == 0 ? 0.4 + (i % 10 * 0.01) : (i % 4 == 1 ? null : double.NaN);
            recorder.Add(i * Hop, score);
        }

        var result = recorder.Finish();

        Assert.That(result.UsableSeconds, Is.EqualTo(10));
        Assert.That(recorder.NotReadySeconds, Is.EqualTo(10));
        Assert.That(result.Range!.Low, Is.EqualTo(0.40).Within(1e-12));
        Assert.That(result.Range.High, Is.EqualTo(0.48).Within(1e-12));
    }

    [Test]
    public void A_baseline_with_too_little_usable_signal_is_refused_naming_what_it_had_and_what_it_needs()
    {
        var recorder = new BaselineRecorder(0, 60);
        for (var i = 1; i <= 240; i++)
        {
            recorder.Add(i * Hop, i <= 48 ? 0.3 + (i % 5 * 0.02) : null);
        }

        var result = recorder.Finish();

        Assert.That(result.Range, Is.Null);
        Assert.That(result.Refusal, Is.EqualTo("the baseline had only 12 s of usable signal (need 30 s): check the electrodes"));
    }

    [Test]
    public void A_short_baseline_needs_half_of_its_length_but_never_less_than_five_seconds()
    {
        var rules = new BaselineRules();

        Assert.That(rules.UsableSecondsNeeded(10), Is.EqualTo(5));
        Assert.That(rules.UsableSecondsNeeded(4), Is.EqualTo(5));
        Assert.That(rules.UsableSecondsNeeded(60), Is.EqualTo(30));
    }

    [Test]
    public void A_baseline_without_any_ready_sample_says_there_was_no_usable_focus_signal()
    {
        var recorder = new BaselineRecorder(0, 10);
        for (var i = 1; i <= 40; i++)
        {
            recorder.Add(i * Hop, null);
        }

        var result = recorder.Finish();

        Assert.That(result.Range, Is.Null);
        Assert.That(result.Refusal, Does.StartWith("no usable focus signal during the 10 s baseline"));
        Assert.That(result.Refusal, Does.Contain("check the electrodes"));
    }

    [Test]
    public void A_flat_baseline_is_refused()
    {
        var recorder = new BaselineRecorder(0, 10);
        for (var i = 1; i <= 40; i++)
        {
            recorder.Add(i * Hop, 0.412 + (i % 2 * 0.0005));
        }

        var result = recorder.Finish();

        Assert.That(result.Range, Is.Null);
        Assert.That(result.Refusal, Does.StartWith("the focus index hardly moved during the baseline (0.412 to 0.413, need a spread of 0.002)"));
    }

    [Test]
    public void Samples_out_of_time_order_or_outside_0_to_1_are_named()
    {
        var recorder = new BaselineRecorder(0, 10);
        recorder.Add(1, 0.5);

        var backwards = Assert.Throws<ArgumentOutOfRangeException>(() => recorder.Add(1, 0.5))!;
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => recorder.Add(2, 1.5))!;

        Assert.That(backwards.Message, Does.Contain("a sample at 1 s after one at 1 s"));
        Assert.That(outside.Message, Does.Contain("the sample at 2 s is 1.5"));
    }

    [Test]
    public void Bad_rules_are_refused_all_at_once()
    {
        var rules = new BaselineRules { LowPercentile = 90, HighPercentile = 10, MinimumSpread = 0 };

        var error = Assert.Throws<ArgumentException>(() => _ = new BaselineRecorder(0, 10, rules))!;

        Assert.That(error.Message, Does.Contain("LowPercentile 90 and HighPercentile 10"));
        Assert.That(error.Message, Does.Contain("MinimumSpread 0"));
    }
}
