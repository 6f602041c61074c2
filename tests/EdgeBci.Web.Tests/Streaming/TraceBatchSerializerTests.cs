using System.Text;
using EdgeBci.Web.Seams;
using EdgeBci.Web.Streaming;

namespace EdgeBci.Web.Tests.Streaming;

[TestFixture]
public sealed class TraceBatchSerializerTests
{
    [Test]
    public void A_batch_is_one_traces_frame_rounded_to_a_tenth_of_a_microvolt()
    {
        var batch = new TraceBatch(1250, 125, [[12.345f, -0.04f, float.NaN], [-87.96f, 3f, 0.05f]]);
        var frame = Encoding.UTF8.GetString(new TraceBatchSerializer().Serialize(batch));
        Assert.That(frame, Is.EqualTo("event: traces\ndata: {\"firstPoint\":1250,\"displayRate\":125,\"values\":[[12.3,0,null],[-88,3,0.1]]}\n\n"));
    }

    [Test]
    public void One_second_of_eight_channels_at_the_display_rate_stays_well_under_50_kB()
    {
        const int displayRate = 125;
        const int batchesPerSecond = 10;
        var random = new Random(17);
        var serializer = new TraceBatchSerializer();
        var bytes = 0;
        var point = 0L;
        for (var b = 0; b < batchesPerSecond; b++)
        {
            var points = (displayRate * (b + 1) / batchesPerSecond) - (displayRate * b / batchesPerSecond);
            var values = new float[8][];
            for (var c = 0; c < values.Length; c++)
            {
                // EEG-like: tens of µV with the odd blink near 150 µV, all with decimals.
                values[c] = [.. Enumerable.Range(0, points).Select(_ => (float)((random.NextDouble() - 0.5) * 300))];
            }

            bytes += serializer.Serialize(new TraceBatch(point, displayRate, values)).Length;
            point += points;
        }

        TestContext.Out.WriteLine($"traces stream: {bytes} bytes/s for 8 channels at {displayRate} points/s ({batchesPerSecond} batches/s); goal 50000");
        Assert.That(bytes, Is.LessThan(25_000));
    }
}
