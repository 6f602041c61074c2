using EdgeBci.Acquisition.Streaming;

namespace EdgeBci.Acquisition.Tests;

public class RingAndGapTests
{
    [Test]
    public void A_reader_that_falls_behind_loses_the_oldest_frames_and_counts_them()
    {
        var ring = new SampleRing(2, 1, 8);
        using var reader = ring.CreateReader();
        for (var i = 0; i < 20; i++)
        {
            Write(ring, i);
        }

        var samples = new int[2];
        var indices = new List<long>();
        while (reader.TryRead(samples, default, out var stamp))
        {
            Assert.That(samples[0], Is.EqualTo((int)stamp.SampleIndex));
            indices.Add(stamp.SampleIndex);
        }

        Assert.That(reader.Overruns, Is.EqualTo(12), "20 written into a ring that keeps 8");
        Assert.That(ring.Overruns, Is.EqualTo(12));
        Assert.That(indices, Is.EqualTo(Enumerable.Range(12, 8).Select(i => (long)i)));
    }

    [Test]
    public void A_concurrent_reader_never_sees_a_torn_frame()
    {
        const int channels = 16;
        var ring = new SampleRing(channels, 2, 64);
        using var reader = ring.CreateReader();
        var producer = new Thread(() =>
        {
            for (var i = 0; i < 300_000; i++)
            {
                Write(ring, i);
            }
        });
        producer.Start();

        var samples = new int[channels];
        var status = new uint[2];
        long read = 0, lastIndex = -1;
        while (producer.IsAlive || reader.Available > 0)
        {
            if (!reader.TryRead(samples, status, out var stamp))
            {
                reader.WaitForData(TimeSpan.FromMilliseconds(1));
                continue;
            }

            for (var c = 0; c < channels; c++)
            {
                Assert.That(samples[c], Is.EqualTo((int)stamp.SampleIndex + c), "every channel of a frame comes from the same write");
            }

            Assert.That(status[1], Is.EqualTo((uint)stamp.SampleIndex));
            Assert.That(stamp.SampleIndex, Is.GreaterThan(lastIndex));
            lastIndex = stamp.SampleIndex;
            read++;
        }

        producer.Join();
        Assert.That(read + reader.Overruns, Is.EqualTo(300_000), "every frame is either read or counted as lost");
    }

    [Test]
    public void Waiting_reader_wakes_on_publish()
    {
        var ring = new SampleRing(1, 1, 4);
        using var reader = ring.CreateReader();
        Assert.That(reader.WaitForData(TimeSpan.FromMilliseconds(20)), Is.False);
        var publisher = Task.Run(() =>
        {
            Thread.Sleep(50);
            Write(ring, 1);
        });
        Assert.That(reader.WaitForData(TimeSpan.FromSeconds(5)), Is.True);
        publisher.Wait();
    }

    [Test]
    public void A_block_reader_is_woken_once_its_block_is_complete_not_by_each_frame()
    {
        var ring = new SampleRing(1, 1, 64);
        using var reader = ring.CreateReader();
        var woke = new TaskCompletionSource<long>();
        var waiter = new Thread(() =>
        {
            reader.WaitForData(8, TimeSpan.FromSeconds(10));
            woke.SetResult(ring.Published);
        });
        waiter.Start();
        Thread.Sleep(50);
        for (var i = 0; i < 7; i++)
        {
            Write(ring, i);
        }

        Thread.Sleep(100);
        Assert.That(woke.Task.IsCompleted, Is.False, "seven of eight frames do not wake it");
        Write(ring, 7);
        Assert.That(woke.Task.Wait(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(woke.Task.Result, Is.GreaterThanOrEqualTo(8));
        waiter.Join();
    }

    [Test]
    public void Read_latency_below_one_period_is_not_a_gap()
    {
        var detector = new DataReadyGapDetector(250, 1_000_000);
        var random = new Random(7);
        var missed = 0;
        for (var k = 0; k < 100_000; k++)
        {
            // Conversion every 4000 µs; the reader wakes 0..3900 µs late.
            missed += detector.Observe((k * 4000L) + random.Next(0, 3900));
        }

        Assert.That(missed, Is.Zero);
    }

    [TestCase(100)]
    [TestCase(-100)]
    [TestCase(500)]
    public void Clock_drift_between_chip_and_host_is_not_a_gap(int ppm)
    {
        var detector = new DataReadyGapDetector(16000, 10_000_000);
        var period = 625.0 * (1 + (ppm * 1e-6));
        var random = new Random(3);
        var missed = 0;
        for (var k = 0; k < 500_000; k++)
        {
            missed += detector.Observe((long)((k * period) + random.Next(0, 300)));
        }

        Assert.That(missed, Is.Zero);
    }

    [Test]
    public void Skipped_conversions_are_counted_exactly()
    {
        var detector = new DataReadyGapDetector(250, 1_000_000);
        var missed = 0;
        var k = 0L;
        for (var i = 0; i < 1000; i++)
        {
            var skip = i % 100 == 50 ? 3 : 0;
            k += 1 + skip;
            missed += detector.Observe((k * 4000) + 200);
        }

        Assert.That(missed, Is.EqualTo(30));
    }

    private static void Write(SampleRing ring, int value)
    {
        var samples = ring.BeginWrite(out var status);
        for (var c = 0; c < samples.Length; c++)
        {
            samples[c] = value + c;
        }

        status.Fill((uint)value);
        ring.Publish(new FrameStamp(value, value));
    }
}
