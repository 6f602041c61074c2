using EdgeBci.Training.Neurofeedback;

namespace EdgeBci.Training.Tests.Neurofeedback;

/// <summary>Score = time in zone / usable time; time without a ready index counts neither in nor out and is reported.</summary>
public class TimeInZoneScoreTests
{
    private const double Hop = 0.25;
    private static readonly TargetZone Zone = TargetZone.From(new BaselineRange(0.30, 0.50), threshold: 0.5); // 0.40..0.60

    [Test]
    public void The_score_is_exactly_the_time_in_zone_over_the_usable_time()
    {
        var score = new TimeInZoneScore(Zone, startSeconds: 10);
        // 100 samples: 37 in the zone, 50 below, 13 above it.
        for (var i = 1; i <= 100; i++)
        {
            var inZone = score.Add(10 + (i * Hop), i <= 37 ? 0.45 : i <= 87 ? 0.35 : 0.65);
            Assert.That(inZone, Is.EqualTo(i <= 37), $"sample {i}");
        }

        Assert.That(score.Seconds, Is.EqualTo(25));
        Assert.That(score.UsableSeconds, Is.EqualTo(25));
        Assert.That(score.SecondsInZone, Is.EqualTo(37 * Hop));
        Assert.That(score.Score, Is.EqualTo(0.37).Within(1e-12));
    }

    [Test]
    public void Not_ready_gaps_count_neither_in_nor_out_and_are_reported()
    {
        var score = new TimeInZoneScore(Zone, startSeconds: 0);
        var time = 0.0;
        void Run(int samples, double? value)
        {
            for (var i = 0; i < samples; i++)
            {
                time += Hop;
                Assert.That(score.Add(time, value), Is.EqualTo(value is >= 0.4 and <= 0.6));
            }
        }

        Run(20, 0.5);   // 5 s in
        Run(8, null);   // 2 s not ready
        Run(20, 0.3);   // 5 s out
        Run(4, double.NaN); // 1 s not ready
        Run(20, 0.5);   // 5 s in

        Assert.That(score.Seconds, Is.EqualTo(18));
        Assert.That(score.UsableSeconds, Is.EqualTo(15));
        Assert.That(score.NotReadySeconds, Is.EqualTo(3));
        Assert.That(score.NotReadyPeriods, Is.EqualTo(2));
        Assert.That(score.SecondsInZone, Is.EqualTo(10));
        Assert.That(score.Score, Is.EqualTo(10.0 / 15).Within(1e-12), "not 10 / 18: the gaps do not count as out of the zone");
    }

    [Test]
    public void Each_sample_stands_for_the_time_since_the_previous_one_so_a_late_tick_weighs_more()
    {
        var score = new TimeInZoneScore(Zone, startSeconds: 0);

        score.Add(0.25, 0.5);
        score.Add(1.75, 0.5); // the timer was late: this sample stands for 1.5 s
        score.Add(2.00, 0.3);

        Assert.That(score.SecondsInZone, Is.EqualTo(1.75));
        Assert.That(score.UsableSeconds, Is.EqualTo(2.0));
        Assert.That(score.Score, Is.EqualTo(0.875));
    }

    [Test]
    public void Before_any_usable_sample_there_is_no_score()
    {
        var score = new TimeInZoneScore(Zone, startSeconds: 0);
        score.Add(0.25, null);

        Assert.That(score.Score, Is.Null);
        Assert.That(score.NotReadySeconds, Is.EqualTo(0.25));
        Assert.That(score.NotReadyPeriods, Is.EqualTo(1));
    }

    [Test]
    public void A_sample_before_the_previous_one_is_refused()
    {
        var score = new TimeInZoneScore(Zone, startSeconds: 5);

        Assert.Throws<ArgumentOutOfRangeException>(() => score.Add(4.75, 0.5));
        score.Add(5.25, 0.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => score.Add(5.0, 0.5));
        Assert.That(score.Seconds, Is.EqualTo(0.25), "a refused sample leaves the score as it was");
    }
}
