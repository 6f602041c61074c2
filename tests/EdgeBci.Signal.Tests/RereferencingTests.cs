using EdgeBci.Signal.Referencing;

namespace EdgeBci.Signal.Tests;

/// <summary>Common average and bipolar re-referencing of interleaved Q31 frames, and the configuration syntax.</summary>
[TestFixture]
public sealed class RereferencingTests
{
    private static readonly string[] Montage = ["Fp1", "Fp2", "C3", "Cz", "C4", "P3", "Pz", "P4"];

    [Test]
    public void Common_average_leaves_channels_that_average_to_zero_within_one_LSB()
    {
        const int channels = 8;
        const int frames = 2000;
        var random = new Random(11);
        var input = new int[frames * channels];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = random.Next(-(1 << 30), 1 << 30);
        }

        var output = new int[input.Length];
        var rereferencer = Rereferencer.CommonAverage(channels);
        rereferencer.Process(input, output, frames);

        Assert.That(rereferencer.OutputChannels, Is.EqualTo(channels));
        for (var frame = 0; frame < frames; frame++)
        {
            long sum = 0;
            long inputSum = 0;
            for (var channel = 0; channel < channels; channel++)
            {
                sum += output[(frame * channels) + channel];
                inputSum += input[(frame * channels) + channel];
            }

            Assert.That(Math.Abs(sum / (double)channels), Is.LessThanOrEqualTo(1), $"frame {frame}");

            // Each output is its input minus one shared integer: the rounded mean.
            var shift = input[frame * channels] - (long)output[frame * channels];
            Assert.That(shift, Is.EqualTo(inputSum / (double)channels).Within(0.5), $"frame {frame}");
            for (var channel = 1; channel < channels; channel++)
            {
                Assert.That(input[(frame * channels) + channel] - (long)output[(frame * channels) + channel], Is.EqualTo(shift));
            }
        }
    }

    [TestCase(3L, 2, 2L)]
    [TestCase(-3L, 2, -2L)]
    [TestCase(5L, 4, 1L)]
    [TestCase(6L, 4, 2L)]
    [TestCase(-6L, 4, -2L)]
    [TestCase(7L, 3, 2L)]
    [TestCase(-7L, 3, -2L)]
    [TestCase(0L, 8, 0L)]
    public void The_mean_rounds_half_away_from_zero(long sum, int count, long mean)
    {
        Assert.That(Rereferencer.RoundedMean(sum, count), Is.EqualTo(mean));
    }

    [Test]
    public void Common_average_works_in_place()
    {
        int[] frame = [100, 200, 300, 400];
        var rereferencer = Rereferencer.CommonAverage(4);

        rereferencer.Process(frame, frame, 1);

        Assert.That(frame, Is.EqualTo(new[] { -150, -50, 50, 150 }).AsCollection);
    }

    [Test]
    public void Bipolar_pairs_give_one_channel_each_holding_the_difference()
    {
        var rereferencer = Rereferencer.Bipolar([(2, 3), (4, 3), (0, 1)], channels: 5);
        int[] input =
        [
            10, 20, 1000, 300, -50,
            -7, 7, int.MaxValue / 2, -(int.MaxValue / 2), 0,
        ];
        var output = new int[2 * 3];

        rereferencer.Process(input, output, frames: 2);

        Assert.Multiple(() =>
        {
            Assert.That(rereferencer.InputChannels, Is.EqualTo(5));
            Assert.That(rereferencer.OutputChannels, Is.EqualTo(3));
            Assert.That(output, Is.EqualTo(new[] { 700, -350, -10, (int.MaxValue / 2) * 2, int.MaxValue / 2, -14 }).AsCollection);
        });
    }

    [Test]
    public void Bipolar_difference_saturates_at_full_scale_instead_of_wrapping()
    {
        var rereferencer = Rereferencer.Bipolar([(0, 1), (1, 0)], channels: 2);
        int[] input = [int.MaxValue, int.MinValue, int.MinValue + 1, 2];
        var output = new int[4];

        rereferencer.Process(input, output, 2);

        Assert.That(output, Is.EqualTo(new[] { int.MaxValue, int.MinValue, int.MinValue, int.MaxValue }).AsCollection);
    }

    [Test]
    public void Common_average_saturates_at_full_scale_instead_of_wrapping()
    {
        var rereferencer = Rereferencer.CommonAverage(4);
        int[] input =
        [
            int.MaxValue, int.MinValue, int.MinValue, int.MinValue,
            int.MinValue, int.MaxValue, int.MaxValue, int.MaxValue,
        ];
        var output = new int[input.Length];

        rereferencer.Process(input, output, 2);

        // Frame 0: mean ≈ −2^30, so channel 0 would be 2^31 + 2^30 − 1 and channels 1..3 exactly −2^30.
        Assert.That(output, Is.EqualTo(new[]
        {
            int.MaxValue, -(1 << 30), -(1 << 30), -(1 << 30),
            int.MinValue, 1 << 30, 1 << 30, 1 << 30,
        }).AsCollection);
    }

    [Test]
    public void Identity_copies_frames_through()
    {
        var rereferencer = Rereferencer.Identity(3);
        int[] input = [1, 2, 3, int.MinValue, int.MaxValue, 0];
        var output = new int[6];

        rereferencer.Process(input, output, 2);

        Assert.That(output, Is.EqualTo(input).AsCollection);
    }

    [Test]
    public void Process_allocates_nothing_after_warm_up()
    {
        var average = Rereferencer.CommonAverage(8);
        var bipolar = Rereferencer.Bipolar([(2, 3), (4, 3)], 8);
        var input = new int[32 * 8];
        var output = new int[32 * 8];
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = i * 12345;
        }

        average.Process(input, output, 32);
        bipolar.Process(input, output, 32);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            average.Process(input, output, 32);
            bipolar.Process(input, output, 32);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Short_buffers_are_rejected()
    {
        var rereferencer = Rereferencer.Bipolar([(0, 1)], 2);

        Assert.Multiple(() =>
        {
            Assert.That(() => rereferencer.Process(new int[3], new int[2], 2), Throws.ArgumentException);
            Assert.That(() => rereferencer.Process(new int[4], new int[1], 2), Throws.ArgumentException);
            Assert.That(() => Rereferencer.Bipolar([(0, 2)], 2), Throws.ArgumentException);
            Assert.That(() => Rereferencer.Bipolar([(1, 1)], 2), Throws.ArgumentException);
            Assert.That(() => Rereferencer.Bipolar([], 2), Throws.ArgumentException);
        });
    }

    [TestCase("none")]
    [TestCase(" NONE ")]
    public void Parse_none_keeps_the_hardware_reference(string specification)
    {
        var rereferencer = Rereferencer.Parse(specification, Montage);
        int[] input = [1, 2, 3, 4, 5, 6, 7, 8];
        var output = new int[8];

        rereferencer.Process(input, output, 1);

        Assert.Multiple(() =>
        {
            Assert.That(rereferencer.OutputChannels, Is.EqualTo(Montage.Length));
            Assert.That(output, Is.EqualTo(input).AsCollection);
        });
    }

    [Test]
    public void Parse_average_is_the_common_average()
    {
        var rereferencer = Rereferencer.Parse("Average", Montage);
        int[] input = [8, 8, 8, 8, 8, 8, 8, 16];
        var output = new int[8];

        rereferencer.Process(input, output, 1);

        Assert.That(output, Is.EqualTo(new[] { -1, -1, -1, -1, -1, -1, -1, 7 }).AsCollection);
    }

    [Test]
    public void Parse_bipolar_pairs_channels_by_name_ignoring_case_and_spaces()
    {
        var rereferencer = Rereferencer.Parse("bipolar:C3-Cz, c4 - CZ", Montage);
        int[] input = [0, 0, 500, 100, -300, 0, 0, 0];
        var output = new int[2];

        rereferencer.Process(input, output, 1);

        Assert.Multiple(() =>
        {
            Assert.That(rereferencer.OutputChannels, Is.EqualTo(2));
            Assert.That(output, Is.EqualTo(new[] { 400, -400 }).AsCollection);
            Assert.That(rereferencer.OutputChannelNames(Montage), Is.EqualTo(new[] { "C3-Cz", "C4-Cz" }).AsCollection);
        });
    }

    [Test]
    public void Parse_bipolar_accepts_names_that_contain_a_dash_when_the_split_is_unambiguous()
    {
        string[] names = ["C3-REF", "Cz-REF", "C4-REF"];
        var rereferencer = Rereferencer.Parse("bipolar:C3-REF-Cz-REF", names);
        int[] input = [10, 3, 0];
        var output = new int[1];

        rereferencer.Process(input, output, 1);

        Assert.That(output[0], Is.EqualTo(7));
    }

    [Test]
    public void Parse_rejects_an_unknown_channel_naming_it_and_the_channels_that_exist()
    {
        var exception = Assert.Throws<ArgumentException>(() => Rereferencer.Parse("bipolar:C3-Cz,C5-Cz", Montage));

        Assert.Multiple(() =>
        {
            Assert.That(exception!.Message, Does.Contain("C5-Cz"));
            Assert.That(exception.Message, Does.Contain("'C5'"));
            Assert.That(exception.Message, Does.Contain("Fp1, Fp2, C3, Cz, C4, P3, Pz, P4"));
        });
    }

    [TestCase("laplacian", "laplacian")]
    [TestCase("bipolar:", "''")]
    [TestCase("bipolar:C3", "'C3'")]
    [TestCase("bipolar:C3-Cz,", "''")]
    [TestCase("bipolar:C3-C3", "C3-C3")]
    [TestCase("bipolar:-Cz", "-Cz")]
    [TestCase("", "''")]
    public void Parse_rejects_a_malformed_specification_naming_the_bad_part(string specification, string badPart)
    {
        var exception = Assert.Throws<ArgumentException>(() => Rereferencer.Parse(specification, Montage));

        Assert.Multiple(() =>
        {
            Assert.That(exception!.Message, Does.Contain(badPart));
            Assert.That(exception.Message, Does.Contain("Fp1, Fp2, C3"));
        });
    }
}
