using EdgeBci.Signal.Chain;
using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Tests;

public class SignalChainTests
{
    private static readonly string[] Montage = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"];

    [TestCase("none", 0)]
    [TestCase("average", 160)]
    [TestCase("bipolar:C3-Cz,C4-Cz", 0)]
    public void Streaming_in_random_blocks_equals_one_batch_through_the_whole_chain(string reference, int outputRate)
    {
        var options = new SignalOptions { Reference = reference, OutputRate = outputRate };
        var input = Counts(Montage.Length, 250 * 20, seed: 1);
        var batchChain = SignalChain.Create(options, Montage, 250, maximumBlockFrames: 4096);
        var batch = new int[batchChain.MaximumOutputFrames(250 * 20) * batchChain.OutputChannels];
        var batchFrames = batchChain.Process(input, batch);

        var streamChain = SignalChain.Create(options, Montage, 250, maximumBlockFrames: 8);
        var streamed = new List<int>();
        var buffer = new int[streamChain.MaximumOutputFrames(300) * streamChain.OutputChannels];
        var random = new Random(2);
        for (var frame = 0; frame < 250 * 20;)
        {
            var frames = Math.Min(random.Next(1, 300), (250 * 20) - frame);
            var produced = streamChain.Process(input.AsSpan(frame * Montage.Length, frames * Montage.Length), buffer);
            streamed.AddRange(buffer.AsSpan(0, produced * streamChain.OutputChannels).ToArray());
            frame += frames;
        }

        Assert.That(streamed, Is.EqualTo(batch.AsSpan(0, batchFrames * batchChain.OutputChannels).ToArray()));
    }

    [Test]
    public void Without_re_referencing_or_resampling_the_chain_is_the_cascade_on_left_aligned_counts()
    {
        var options = new SignalOptions();
        var input = Counts(Montage.Length, 1000, seed: 3);
        var chain = SignalChain.Create(options, Montage, 250);
        var output = new int[input.Length];
        Assert.That(chain.Process(input, output), Is.EqualTo(1000));

        var expected = new int[input.Length];
        for (var i = 0; i < input.Length; i++)
        {
            expected[i] = Q31.FromCounts(input[i]);
        }

        new BiquadCascadeQ31(SignalChain.Design(options, 250).Sections, Montage.Length).Process(expected);
        Assert.That(output, Is.EqualTo(expected));
    }

    [Test]
    public void A_left_aligned_block_filtered_in_place_gives_the_same_output_as_counts()
    {
        var options = new SignalOptions { Reference = "average", OutputRate = 160 };
        var counts = Counts(Montage.Length, 2000, seed: 5);
        var fromCounts = SignalChain.Create(options, Montage, 250, maximumBlockFrames: 8);
        var fromQ31 = SignalChain.Create(options, Montage, 250, maximumBlockFrames: 8);
        var expected = new int[fromCounts.MaximumOutputFrames(2000) * fromCounts.OutputChannels];
        var actual = new int[expected.Length];
        var q31 = new int[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            q31[i] = Q31.FromCounts(counts[i]);
        }

        var expectedFrames = fromCounts.Process(counts, expected);
        Assert.That(fromQ31.ProcessLeftAligned(q31, actual), Is.EqualTo(expectedFrames));
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void The_default_chain_is_dc_blocker_notch_and_band_pass()
    {
        var chain = SignalChain.Create(new SignalOptions(), Montage, 250);
        Assert.That(chain.Stages, Is.EqualTo(new[] { "DC blocker 0.5 Hz", "notch 50 Hz Q 30", "Butterworth bandpass 8-30 Hz order 4" }));
        Assert.That(chain.QuantisedSections, Has.Count.EqualTo(6));
    }

    [Test]
    public void Every_bad_setting_is_named_with_what_is_allowed()
    {
        var options = new SignalOptions
        {
            NotchHz = 55,
            Filters = [new FilterSpecification { Type = "Chebyshev", Order = 4, LowHz = 8, HighHz = 30 }, new FilterSpecification { Type = "BandPass", Order = 4, LowHz = 30, HighHz = 8 }],
            Reference = "bipolar:C3-Xx",
        };
        var exception = Assert.Throws<ArgumentException>(() => SignalChain.Create(options, Montage, 250))!;
        Assert.That(exception.Message, Does.Contain("Signal:NotchHz = 55 is not allowed")
            .And.Contain("Signal:Filters:0:Type = 'Chebyshev' is not allowed")
            .And.Contain("Signal:Filters:1: LowHz 30 must be below HighHz 8")
            .And.Contain("Signal:Reference = 'bipolar:C3-Xx'"));
    }

    [Test]
    public void A_block_through_the_chain_allocates_nothing()
    {
        var chain = SignalChain.Create(new SignalOptions { Reference = "average", OutputRate = 160 }, Montage, 250, maximumBlockFrames: 8);
        var input = Counts(Montage.Length, 8, seed: 4);
        var output = new int[chain.MaximumOutputFrames(8) * chain.OutputChannels];
        chain.Process(input, output);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            chain.Process(input, output);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    private static int[] Counts(int channels, int frames, int seed)
    {
        var random = new Random(seed);
        var data = new int[channels * frames];
        for (var f = 0; f < frames; f++)
        {
            for (var c = 0; c < channels; c++)
            {
                // EEG-sized noise plus an electrode offset, in 24-bit counts.
                data[(f * channels) + c] = 20_000 + (c * 1000) + random.Next(-3000, 3000);
            }
        }

        return data;
    }
}
