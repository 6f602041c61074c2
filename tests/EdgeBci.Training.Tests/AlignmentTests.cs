using EdgeBci.Training.Alignment;
using EdgeBci.Training.Data;

namespace EdgeBci.Training.Tests;

public class AlignmentTests
{
    [Test]
    public void After_alignment_the_wearers_mean_covariance_is_the_identity()
    {
        var raw = TransferTestData.Wearer(trials: 30, channels: 6, samples: 200, seed: 1);
        var before = TransferTestData.MeanCovariance(raw);
        Assert.That(MaxDistanceFromIdentity(before, 6), Is.GreaterThan(10), "the raw data are far from white (µV², mixed)");

        var alignment = EuclideanAlignment.Compute(raw);
        var after = TransferTestData.MeanCovariance(alignment.Apply(raw));

        Assert.That(alignment.WindowCount, Is.EqualTo(30));
        Assert.That(MaxDistanceFromIdentity(after, 6), Is.LessThan(1e-4));
        for (var i = 0; i < 6; i++)
        {
            for (var j = 0; j < 6; j++)
            {
                Assert.That(alignment.Matrix[(i * 6) + j], Is.EqualTo(alignment.Matrix[(j * 6) + i]).Within(1e-6), "R is symmetric");
            }
        }
    }

    [Test]
    public void Aligning_already_aligned_data_is_close_to_the_identity()
    {
        var raw = TransferTestData.Wearer(trials: 30, channels: 6, samples: 200, seed: 2);
        var aligned = EuclideanAlignment.Compute(raw).Apply(raw);

        var again = EuclideanAlignment.Compute(aligned);

        Assert.That(again.IsIdentity, Is.False, "computed, not a shortcut");
        Assert.That(MaxDistanceFromIdentity([.. again.Matrix.ToArray().Select(v => (double)v)], 6), Is.LessThan(1e-4));
    }

    [Test]
    public void Alignment_uses_no_labels_and_aligns_crop_contexts_with_the_windows()
    {
        var raw = TransferTestData.Wearer(trials: 12, channels: 4, samples: 100, seed: 3);
        var relabelled = new EpochDataset(raw.Windows, [.. raw.Labels.Select(l => (l + 1) % 3)], raw.RunNumbers, raw.OnsetSeconds, raw.ClassNames,
            raw.ChannelNames, raw.SampleRate, raw.SamplesPerWindow);

        Assert.That(EuclideanAlignment.Compute(relabelled).Matrix.ToArray(), Is.EqualTo(EuclideanAlignment.Compute(raw).Matrix.ToArray()));

        // A context is the window with 10 more samples each side; the aligned context's centre must be the aligned window.
        var contexts = raw.Windows.Select(w => Pad(w, 4, 100, 10)).ToArray();
        var withContexts = new EpochDataset(raw.Windows, raw.Labels, raw.RunNumbers, raw.OnsetSeconds, raw.ClassNames, raw.ChannelNames,
            raw.SampleRate, raw.SamplesPerWindow, contexts, 10);
        var aligned = EuclideanAlignment.Compute(withContexts).Apply(withContexts);
        var shifted = new float[4 * 100];
        aligned.CopyShiftedWindow(5, 0, shifted);
        Assert.That(shifted, Is.EqualTo(aligned.Windows[5]).Within(1e-4f));
    }

    [Test]
    public void A_dead_channel_is_refused_by_name()
    {
        var raw = TransferTestData.Wearer(trials: 9, channels: 5, samples: 100, seed: 4);
        var dead = raw.MapSignals((values, samples) =>
        {
            var copy = (float[])values.Clone();
            Array.Clear(copy, 3 * samples, samples);
            return copy;
        });

        var error = Assert.Throws<ArgumentException>(() => EuclideanAlignment.Compute(dead))!;

        Assert.That(error.Message, Does.Contain("Channel E3 is flat").And.Contain("dead"));
    }

    [Test]
    public void A_channel_that_copies_another_makes_the_covariance_rank_deficient_and_is_named()
    {
        var raw = TransferTestData.Wearer(trials: 9, channels: 5, samples: 100, seed: 5);
        var bridged = raw.MapSignals((values, samples) =>
        {
            var copy = (float[])values.Clone();
            Array.Copy(copy, 1 * samples, copy, 4 * samples, samples);
            return copy;
        });

        var error = Assert.Throws<ArgumentException>(() => EuclideanAlignment.Compute(bridged))!;

        Assert.That(error.Message, Does.Contain("rank-deficient"));
        Assert.That(error.Message, Does.Contain("channel E1").Or.Contain("channel E4"), "one of the two bridged channels is named");
    }

    [Test]
    public void A_stored_matrix_must_be_square_and_finite()
    {
        var channels = TransferTestData.Channels(3);
        Assert.That(() => EuclideanAlignment.FromRows([[1.0, 0, 0], [0, 1.0, 0]], channels, 5),
            Throws.ArgumentException.With.Message.Contains("2 rows"));
        Assert.That(() => EuclideanAlignment.FromRows([[1.0, 0, 0], [0, 1.0], [0, 0, 1.0]], channels, 5),
            Throws.ArgumentException.With.Message.Contains("Row 1"));
        Assert.That(() => EuclideanAlignment.FromRows([[1.0, 0, 0], [0, double.NaN, 0], [0, 0, 1.0]], channels, 5),
            Throws.ArgumentException.With.Message.Contains("[1][1]"));
        Assert.That(EuclideanAlignment.FromRows([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]], channels, 5).IsIdentity, Is.True);
    }

    [Test]
    public void Applying_to_a_window_allocates_nothing()
    {
        var raw = TransferTestData.Wearer(trials: 6, channels: 8, samples: 500, seed: 6);
        var alignment = EuclideanAlignment.Compute(raw);
        var target = new float[8 * 500];
        alignment.Apply(raw.Windows[0], target);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            alignment.Apply(raw.Windows[i % raw.Count], target);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private static float[] Pad(float[] window, int channels, int samples, int margin)
    {
        var padded = new float[channels * (samples + (2 * margin))];
        for (var c = 0; c < channels; c++)
        {
            for (var t = 0; t < samples + (2 * margin); t++)
            {
                var source = Math.Clamp(t - margin, 0, samples - 1);
                padded[(c * (samples + (2 * margin))) + t] = window[(c * samples) + source];
            }
        }

        return padded;
    }

    private static double MaxDistanceFromIdentity(double[] matrix, int size)
    {
        var worst = 0.0;
        for (var i = 0; i < size; i++)
        {
            for (var j = 0; j < size; j++)
            {
                worst = Math.Max(worst, Math.Abs(matrix[(i * size) + j] - (i == j ? 1 : 0)));
            }
        }

        return worst;
    }
}
