using EdgeBci.Acquisition.Streaming;
using EdgeBci.Web.Seams;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Firmware.Tests.Web;

public class LiveTracesTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    private static void Publish(SampleRing ring, long sampleIndex, int value)
    {
        var slot = ring.BeginWrite(out _);
        slot.Fill(value);
        ring.Publish(new FrameStamp(sampleIndex, 0));
    }

    [Test]
    public void Nobody_listening_means_no_reader_and_no_frame_read()
    {
        var ring = new SampleRing(8, 1, 1000);
        using var traces = new LiveTraces(ring, 250, 0.5, 125, 10, NullLogger<LiveTraces>.Instance);
        for (var s = 0; s < 500; s++)
        {
            Publish(ring, s, 1);
        }

        Assert.Multiple(() =>
        {
            Assert.That(traces.FramesRead, Is.Zero);
            Assert.That(traces.Reading, Is.False);
        });
    }

    [Test]
    public void A_listener_gets_batches_in_microvolts_and_when_the_last_one_leaves_the_reader_is_given_back()
    {
        var ring = new SampleRing(8, 1, 1000);
        using var traces = new LiveTraces(ring, 250, 0.5, 125, 10, NullLogger<LiveTraces>.Instance);
        using var got = new ManualResetEventSlim();
        float[]? first = null;
        var rate = 0;
        void Listener(TraceBatch batch)
        {
            first ??= (float[])batch.Values[3].Clone();
            rate = batch.DisplayRate;
            got.Set();
        }

        traces.Batch += Listener;
        Assert.That(SpinWait.SpinUntil(() => traces.Reading, Generous), "the trace thread took a reader");
        long sample = 0;
        while (!got.IsSet && sample < 250 * 600)
        {
            // Fed in bursts the trace thread can follow; the wait is on the event, not on a sleep.
            for (var i = 0; i < 25; i++)
            {
                Publish(ring, sample++, 40);
            }

            got.Wait(TimeSpan.FromMilliseconds(20));
        }

        Assert.That(got.IsSet, "a batch arrived");
        Assert.Multiple(() =>
        {
            Assert.That(traces.PointsPerBatch, Is.EqualTo(13), "125 points/s in 10 batches a second: 13 a batch");
            Assert.That(rate, Is.EqualTo(125));
            Assert.That(first, Has.Length.EqualTo(13).And.All.EqualTo(20f), "40 counts × 0.5 µV");
        });

        traces.Batch -= Listener;
        Assert.That(SpinWait.SpinUntil(() => !traces.Reading, Generous), "the reader is given back when nobody listens");
        var read = traces.FramesRead;
        for (var i = 0; i < 500; i++)
        {
            Publish(ring, sample++, 40);
        }

        Assert.That(traces.FramesRead, Is.EqualTo(read), "no frame is read once nobody listens");
    }

    [Test]
    public void A_listener_that_stalls_never_stalls_the_writer_and_the_frames_it_misses_are_counted()
    {
        var ring = new SampleRing(8, 1, 64);
        using var traces = new LiveTraces(ring, 250, 1, 125, 10, NullLogger<LiveTraces>.Instance);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        void Stalled(TraceBatch batch)
        {
            entered.Set();
            release.Wait(Generous);
        }

        traces.Batch += Stalled;
        Assert.That(SpinWait.SpinUntil(() => traces.Reading, Generous));
        long sample = 0;
        while (!entered.IsSet && sample < 250 * 600)
        {
            for (var i = 0; i < 25; i++)
            {
                Publish(ring, sample++, 1);
            }

            entered.Wait(TimeSpan.FromMilliseconds(20));
        }

        Assert.That(entered.IsSet, "the listener is stalled in a batch");
        var before = ring.Published;
        for (var i = 0; i < 1000; i++)
        {
            Publish(ring, sample++, 1);
        }

        Assert.That(ring.Published - before, Is.EqualTo(1000), "the writer published every frame while the listener stalled");
        release.Set();
        Assert.That(SpinWait.SpinUntil(() => traces.LostFrames > 0, Generous), "the frames overwritten under the stalled reader are counted");
        traces.Batch -= Stalled;
    }

    [Test]
    public void A_listener_that_throws_does_not_stop_the_others()
    {
        var ring = new SampleRing(8, 1, 1000);
        using var traces = new LiveTraces(ring, 250, 1, 125, 10, NullLogger<LiveTraces>.Instance);
        using var got = new ManualResetEventSlim();
        var calls = 0;
        void Broken(TraceBatch batch) => throw new InvalidOperationException("broken listener");
        void Good(TraceBatch batch)
        {
            if (Interlocked.Increment(ref calls) >= 2)
            {
                got.Set();
            }
        }

        traces.Batch += Broken;
        traces.Batch += Good;
        Assert.That(SpinWait.SpinUntil(() => traces.Reading, Generous));
        long sample = 0;
        while (!got.IsSet && sample < 250 * 600)
        {
            for (var i = 0; i < 25; i++)
            {
                Publish(ring, sample++, 1);
            }

            got.Wait(TimeSpan.FromMilliseconds(20));
        }

        Assert.That(got.IsSet, "the good listener got a second batch after the broken one threw");
    }
}
