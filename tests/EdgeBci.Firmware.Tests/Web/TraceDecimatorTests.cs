using EdgeBci.Web.Seams;

namespace EdgeBci.Firmware.Tests.Web;

public class TraceDecimatorTests
{
    private static List<(long First, float[][] Values)> Feed(TraceDecimator decimator, IEnumerable<long> samples, Func<long, int> value, float scale = 1)
    {
        var batches = new List<(long, float[][])>();
        var frame = new int[2];
        foreach (var s in samples)
        {
            frame[0] = value(s);
            frame[1] = -value(s);
            if (decimator.Add(frame, s, scale) is { } batch)
            {
                // The arrays are reused: a listener copies them, as the page's tap does.
                batches.Add((batch.FirstPoint, [(float[])batch.Values[0].Clone(), (float[])batch.Values[1].Clone()]));
            }
        }

        return batches;
    }

    private static IEnumerable<long> Range(long from, long count)
    {
        for (var s = from; s < from + count; s++)
        {
            yield return s;
        }
    }

    [Test]
    public void Halving_the_rate_averages_each_pair_of_frames_into_one_point_in_microvolts_channel_major()
    {
        var decimator = new TraceDecimator(channels: 2, outputRate: 250, displayRate: 125, pointsPerBatch: 4);
        var batches = Feed(decimator, Range(0, 16), s => (int)s * 10, scale: 0.5f);

        Assert.That(batches, Has.Count.EqualTo(2));
        Assert.Multiple(() =>
        {
            // Point p = mean of samples 2p and 2p+1 = (20p + 5) counts, × 0.5 µV.
            Assert.That(batches[0].First, Is.EqualTo(0));
            Assert.That(batches[0].Values[0], Is.EqualTo(new[] { 2.5f, 12.5f, 22.5f, 32.5f }));
            Assert.That(batches[0].Values[1], Is.EqualTo(new[] { -2.5f, -12.5f, -22.5f, -32.5f }));
            Assert.That(batches[1].First, Is.EqualTo(4));
            Assert.That(batches[1].Values[0], Is.EqualTo(new[] { 42.5f, 52.5f, 62.5f, 72.5f }));
        });
    }

    [Test]
    public void A_ratio_that_is_not_whole_gives_exactly_the_display_rate_over_a_second()
    {
        var decimator = new TraceDecimator(channels: 2, outputRate: 250, displayRate: 100, pointsPerBatch: 10);
        var batches = Feed(decimator, Range(0, 250 * 3), _ => 7);

        Assert.That(batches, Has.Count.EqualTo(30), "100 points a second for three seconds, 10 a batch");
        Assert.That(batches.Select(b => b.First), Is.EqualTo(Enumerable.Range(0, 30).Select(i => (long)i * 10)));
        Assert.That(batches.SelectMany(b => b.Values[0]), Is.All.EqualTo(7f), "a constant stays constant whatever the bucket size (2 or 3 frames)");
    }

    [Test]
    public void Lost_frames_show_as_a_jump_in_the_first_point_and_the_batch_in_progress_is_dropped()
    {
        var decimator = new TraceDecimator(channels: 2, outputRate: 250, displayRate: 125, pointsPerBatch: 4);
        var samples = Range(0, 12).Concat(Range(100, 8));
        var batches = Feed(decimator, samples, s => (int)s);

        Assert.That(batches.Select(b => b.First), Is.EqualTo(new long[] { 0, 50 }), "points 4-5 were in progress at the gap; sample 100 is point 50");
        Assert.That(batches[1].Values[0][0], Is.EqualTo(100.5f));
    }

    [Test]
    public void A_batch_reuses_the_same_arrays()
    {
        var decimator = new TraceDecimator(channels: 2, outputRate: 250, displayRate: 125, pointsPerBatch: 1);
        var frame = new int[2];
        TraceBatch? first = null, second = null;
        for (var s = 0; s < 4; s++)
        {
            var batch = decimator.Add(frame, s, 1);
            if (batch is not null)
            {
                if (first is null)
                {
                    first = batch;
                }
                else
                {
                    second = batch;
                }
            }
        }

        Assert.That(second!.Values[0], Is.SameAs(first!.Values[0]));
    }
}
