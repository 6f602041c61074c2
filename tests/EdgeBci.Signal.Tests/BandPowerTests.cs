using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Quality;

namespace EdgeBci.Signal.Tests;

public class BandPowerTests
{
    private const double SampleRate = 250;
    private const double MicrovoltsPerCount = 0.022351741790771484; // gain 24: 2 · 4.5 V / 24 / 2^24
    private const double MicrovoltsPerQ31 = MicrovoltsPerCount / (1 << Q31.CountShift);

    [Test]
    public void A_10_Hz_sine_puts_half_its_squared_amplitude_into_alpha_and_little_anywhere_else()
    {
        const int channels = 4;
        var amplitudes = new[] { 5.0, 20.0, 50.0, 200.0 };
        var meter = new BandPowerMeter(channels, SampleRate, FrequencyBand.Defaults, 2.0, MicrovoltsPerQ31);
        // 4 s: the filters settle in the first 2, the window then holds the last 2 (twenty whole cycles).
        meter.Process(Sines(channels, 1000, 10.0, amplitudes));
        var power = new double[channels];
        var alpha = IndexOf("alpha");

        meter.GetPower(alpha, power);
        for (var c = 0; c < channels; c++)
        {
            var expected = amplitudes[c] * amplitudes[c] / 2;
            Assert.That(power[c], Is.EqualTo(expected).Within(5).Percent, $"alpha power of a {amplitudes[c]} µV sine");
        }

        for (var b = 0; b < FrequencyBand.Defaults.Count; b++)
        {
            if (b == alpha)
            {
                continue;
            }

            meter.GetPower(b, power);
            for (var c = 0; c < channels; c++)
            {
                // A four-pole band-pass lets about a tenth through just beyond its edge (theta and beta, 2 Hz and 3 Hz
                // away), hardly anything two bands away.
                var alphaPower = amplitudes[c] * amplitudes[c] / 2;
                var leakage = Math.Abs(b - alpha) == 1 ? 0.15 : 0.02;
                TestContext.Out.WriteLine($"{FrequencyBand.Defaults[b].Name}, {amplitudes[c]} µV: {power[c] / alphaPower:P2} of alpha");
                Assert.That(power[c], Is.LessThan(leakage * alphaPower), $"{FrequencyBand.Defaults[b].Name} power of a 10 Hz sine");
            }
        }
    }

    [Test]
    public void Relative_powers_sum_to_one_and_name_the_dominant_band()
    {
        const int channels = 3;
        var meter = new BandPowerMeter(channels, SampleRate, FrequencyBand.Defaults, 1.0, MicrovoltsPerQ31);
        var block = Noise(channels, 750, seed: 7);
        // Channel 2 also carries a strong 20 Hz (beta) sine.
        for (var f = 0; f < 750; f++)
        {
            block[(f * channels) + 2] += Q31.FromCounts((int)Math.Round(80 * Math.Sin(2 * Math.PI * 20 * f / SampleRate) / MicrovoltsPerCount));
        }

        meter.Process(block);
        var sum = new double[channels];
        var relative = new double[channels];
        for (var b = 0; b < meter.Bands.Count; b++)
        {
            meter.GetRelativePower(b, relative);
            for (var c = 0; c < channels; c++)
            {
                Assert.That(relative[c], Is.InRange(0.0, 1.0));
                sum[c] += relative[c];
            }
        }

        Assert.That(sum, Is.All.EqualTo(1.0).Within(1e-12));
        meter.GetRelativePower(IndexOf("beta"), relative);
        Assert.That(relative[2], Is.GreaterThan(0.8), "the 20 Hz sine dominates channel 2");
    }

    [Test]
    public void Streaming_in_random_blocks_gives_bit_for_bit_the_state_of_one_batch()
    {
        const int channels = 8;
        const int frames = 2000;
        var signal = Noise(channels, frames, seed: 42);
        var batch = new BandPowerMeter(channels, SampleRate, FrequencyBand.Defaults, 1.0, MicrovoltsPerQ31);
        var streamed = new BandPowerMeter(channels, SampleRate, FrequencyBand.Defaults, 1.0, MicrovoltsPerQ31);

        batch.Process(signal);
        var random = new Random(3);
        var offset = 0;
        while (offset < frames)
        {
            var blockFrames = Math.Min(frames - offset, random.Next(0, 97));
            streamed.Process(signal.AsSpan(offset * channels, blockFrames * channels));
            offset += blockFrames;
        }

        var batchPower = new double[channels];
        var streamedPower = new double[channels];
        for (var b = 0; b < batch.Bands.Count; b++)
        {
            for (var c = 0; c < channels; c++)
            {
                Assert.That(streamed.SumOfSquares(b, c), Is.EqualTo(batch.SumOfSquares(b, c)), $"band {b}, channel {c}");
            }

            batch.GetPower(b, batchPower);
            streamed.GetPower(b, streamedPower);
            Assert.That(streamedPower, Is.EqualTo(batchPower), "exactly equal, not merely close");
        }
    }

    [Test]
    public void The_window_slides_sample_by_sample_and_forgets_what_left_it()
    {
        const int channels = 1;
        var meter = new BandPowerMeter(channels, SampleRate, [FrequencyBand.Alpha], 1.0, MicrovoltsPerQ31);
        var power = new double[channels];
        meter.Process(Sines(channels, 750, 10.0, [50.0]));
        meter.GetPower(0, power);
        Assert.That(power[0], Is.EqualTo(1250).Within(5).Percent);

        // Silence: after the filter rings out and one window passes, nothing of the sine is left in the sum.
        meter.Process(new int[500]);
        meter.GetPower(0, power);
        Assert.That(power[0], Is.LessThan(1e-3));
        Assert.That(meter.FilledSamples, Is.EqualTo(meter.WindowSamples));
    }

    [Test]
    public void Processing_allocates_nothing_after_warm_up()
    {
        const int channels = 8;
        var meter = new BandPowerMeter(channels, SampleRate, FrequencyBand.Defaults, 1.0, MicrovoltsPerQ31);
        var signal = Noise(channels, 1000, seed: 1);
        var power = new double[channels];
        meter.Process(signal.AsSpan(0, 10 * channels));
        meter.GetPower(0, power);
        meter.GetRelativePower(0, power);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var offset = 10; offset + 10 <= 1000; offset += 10)
        {
            meter.Process(signal.AsSpan(offset * channels, 10 * channels));
            meter.GetPower(2, power);
            meter.GetRelativePower(2, power);
        }

        meter.Process(signal.AsSpan(0, 1000 * channels)); // a block larger than the internal scratch
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void Bands_parse_from_configuration_text_and_print_back()
    {
        var bands = FrequencyBand.Parse(" alpha:8-13 , beta:13-30,low gamma:30-45.5");
        Assert.That(bands, Is.EqualTo(new[] { FrequencyBand.Alpha, FrequencyBand.Beta, new FrequencyBand("low gamma", 30, 45.5) }));
        Assert.That(FrequencyBand.Format(bands), Is.EqualTo("alpha:8-13,beta:13-30,low gamma:30-45.5"));
        Assert.That(FrequencyBand.Parse(FrequencyBand.Format(FrequencyBand.Defaults)), Is.EqualTo(FrequencyBand.Defaults));
        Assert.That(FrequencyBand.Defaults.Select(b => (b.Name, b.LowHz, b.HighHz)), Is.EqualTo(new[]
        {
            ("delta", 1.0, 4.0), ("theta", 4.0, 8.0), ("alpha", 8.0, 13.0), ("beta", 13.0, 30.0), ("gamma", 30.0, 45.0),
        }));
    }

    [TestCase("alpha:8-13,beta13-30", "beta13-30")]
    [TestCase("alpha:8-13,beta:30-13", "beta:30-13")]
    [TestCase("alpha:8-x", "alpha:8-x")]
    [TestCase("alpha:8-13,:1-4", ":1-4")]
    [TestCase("alpha:8-13,alpha:9-12", "alpha:9-12")]
    [TestCase("alpha:8-13,,beta:13-30", "''")]
    public void A_bad_band_item_is_rejected_by_name(string text, string culprit)
    {
        var error = Assert.Throws<ArgumentException>(() => FrequencyBand.Parse(text));
        Assert.That(error!.Message, Does.Contain(culprit));
    }

    [Test]
    public void A_band_beyond_nyquist_is_refused()
    {
        Assert.Throws<ArgumentException>(() => _ = new BandPowerMeter(1, 100, [FrequencyBand.Gamma, new FrequencyBand("high", 40, 60)], 1, MicrovoltsPerQ31));
    }

    private static int IndexOf(string name) => FrequencyBand.Defaults.Select(b => b.Name).ToList().IndexOf(name);

    /// <summary>Sines quantised to ADS1299 counts exactly as the chip would deliver them, then left-aligned to Q31.</summary>
    internal static int[] Sines(int channels, int frames, double hz, IReadOnlyList<double> amplitudes)
    {
        var block = new int[channels * frames];
        for (var f = 0; f < frames; f++)
        {
            for (var c = 0; c < channels; c++)
            {
                var microvolts = amplitudes[c] * Math.Sin((2 * Math.PI * hz * f / SampleRate) + c);
                block[(f * channels) + c] = Q31.FromCounts((int)Math.Round(microvolts / MicrovoltsPerCount));
            }
        }

        return block;
    }

    /// <summary>White noise of about 30 µV rms with a channel-specific DC offset, as counts in Q31.</summary>
    private static int[] Noise(int channels, int frames, int seed)
    {
        var random = new Random(seed);
        var block = new int[channels * frames];
        for (var i = 0; i < block.Length; i++)
        {
            var microvolts = (1000.0 * (i % channels)) + (30 * (random.NextDouble() - 0.5) * Math.Sqrt(12));
            block[i] = Q31.FromCounts((int)Math.Round(microvolts / MicrovoltsPerCount));
        }

        return block;
    }
}
