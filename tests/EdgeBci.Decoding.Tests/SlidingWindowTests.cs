using EdgeBci.Decoding.Live;

namespace EdgeBci.Decoding.Tests;

public sealed class SlidingWindowTests
{
    // Frame f carries f·1000 + channel in every stream channel, so a copied value says where it came from.
    private static int[] Frame(long f, int channels)
    {
        var frame = new int[channels];
        for (var c = 0; c < channels; c++)
        {
            frame[c] = (int)((f * 1000) + c);
        }

        return frame;
    }

    [Test]
    public void A_full_window_holds_the_last_samples_of_the_mapped_channels_oldest_first()
    {
        var window = new SlidingWindow([2, 0], streamChannels: 3, samples: 4, microvoltsPerQ31: 0.5);
        for (var f = 0; f < 10; f++)
        {
            Assert.That(window.IsFull, Is.EqualTo(f >= 4));
            window.Push(Frame(f, 3), f);
        }

        var target = new float[8];
        window.CopyWindow(target);

        // Row 0 is stream channel 2, row 1 stream channel 0; frames 6..9; µV = Q31 × 0.5.
        Assert.That(target, Is.EqualTo(new[] { 3001f, 3501f, 4001f, 4501f, 3000f, 3500f, 4000f, 4500f }));
        Assert.That(window.NewestSampleIndex, Is.EqualTo(9));
    }

    [Test]
    public void Values_are_scaled_in_double_then_rounded_to_float_as_the_training_windows_are()
    {
        const double scale = 0.02235174 / 256;
        var window = new SlidingWindow([0], 1, 1000, scale);
        var random = new Random(2);
        var q31 = new int[1000];
        for (var i = 0; i < q31.Length; i++)
        {
            q31[i] = random.Next(int.MinValue, int.MaxValue);
            window.Push([q31[i]], i);
        }

        var target = new float[1000];
        window.CopyWindow(target);

        // DeviceReplay computes q31 × scale in double and the dataset casts to float; float arithmetic would differ.
        Assert.That(target, Is.EqualTo(q31.Select(q => (float)(q * scale))));
        Assert.That(q31.Count(q => (float)(q * scale) != q * (float)scale), Is.GreaterThan(0), "the check can tell the two apart");
    }

    [Test]
    public void A_jump_in_the_sample_index_empties_the_window()
    {
        var window = new SlidingWindow([0], 1, 3, 1);
        for (var f = 0; f < 5; f++)
        {
            window.Push(Frame(f, 1), f);
        }

        Assert.That(window.Push(Frame(7, 1), 7), Is.False);
        Assert.That(window.IsFull, Is.False);
        Assert.That(window.Gaps, Is.EqualTo(1));
        window.Push(Frame(8, 1), 8);
        window.Push(Frame(9, 1), 9);
        var target = new float[3];
        window.CopyWindow(target);
        Assert.That(target, Is.EqualTo(new[] { 7000f, 8000f, 9000f }));
    }

    [Test]
    public void Copying_a_window_that_is_not_full_throws()
    {
        var window = new SlidingWindow([0], 1, 3, 1);
        window.Push([1], 0);

        Assert.That(() => window.CopyWindow(new float[3]), Throws.InvalidOperationException);
    }

    [Test]
    public void Pushing_frames_and_copying_windows_allocates_nothing()
    {
        var window = new SlidingWindow([0, 1, 2, 3, 4, 5, 6, 7], 8, 500, 1e-4);
        var frame = Frame(1, 8);
        var target = new float[8 * 500];
        for (var f = 0; f < 600; f++)
        {
            window.Push(frame, f);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var f = 600; f < 10_600; f++)
        {
            window.Push(frame, f);
            if (f % 63 == 0)
            {
                window.CopyWindow(target);
            }
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
