using EdgeBci.Signal.Chain;
using EdgeBci.Signal.Design;
using EdgeBci.Signal.FixedPoint;
using EdgeBci.Signal.Reference;

namespace EdgeBci.Signal.Tests;

public class FixedPointCascadeTests
{
    private const int Rate = 250;
    private const int Channels = 8;

    /// <summary>The default chain: DC blocker 0.5 Hz, notch 50 Hz Q 30, Butterworth band-pass 8-30 Hz order 4.</summary>
    internal static List<Biquad> DefaultSections() => SignalChain.Design(new SignalOptions(), Rate).Sections;

    [Test]
    public void The_default_chain_is_six_sections_with_a_post_shift_that_rules_out_accumulator_overflow()
    {
        var cascade = new BiquadCascadeQ31(DefaultSections(), Channels);
        Assert.That(cascade.Sections, Is.EqualTo(6));
        // Peak scaling raises one band-pass section's zeros to b = [4.1, -8.2, 4.1]: |c| < 16 needs Q27 (post-shift 4),
        // which also keeps its |b0|+|b1|+|b2|+|a1|+|a2| (about 18) under the 32 at which five products could pass 2^63.
        Assert.That(cascade.PostShift, Is.EqualTo(4));
        foreach (var section in cascade.QuantisedSections)
        {
            var sum = Math.Abs(section.B0) + Math.Abs(section.B1) + Math.Abs(section.B2) + Math.Abs(section.A1) + Math.Abs(section.A2);
            Assert.That(sum, Is.LessThan(Math.ScaleB(1.0, cascade.PostShift + 1)));
        }
    }

    [Test]
    public void Vector_and_scalar_paths_are_bit_identical()
    {
        var input = Noise(Channels, 5000, amplitude: 0.2, seed: 1);
        var vector = (int[])input.Clone();
        var scalar = (int[])input.Clone();
        new BiquadCascadeQ31(DefaultSections(), Channels).Process(vector);
        new BiquadCascadeQ31(DefaultSections(), Channels, allowVectors: false).Process(scalar);
        Assert.That(vector, Is.EqualTo(scalar));
    }

    [TestCase(8)]
    [TestCase(3)]
    public void Streaming_in_random_blocks_equals_one_batch(int channels)
    {
        var input = Noise(channels, 20_000, amplitude: 0.5, seed: 2);
        var batch = (int[])input.Clone();
        new BiquadCascadeQ31(DefaultSections(), channels).Process(batch);

        var streamed = (int[])input.Clone();
        var cascade = new BiquadCascadeQ31(DefaultSections(), channels);
        var random = new Random(3);
        for (var frame = 0; frame < 20_000;)
        {
            var frames = Math.Min(random.Next(1, 300), 20_000 - frame);
            cascade.Process(streamed.AsSpan(frame * channels, frames * channels));
            frame += frames;
        }

        Assert.That(streamed, Is.EqualTo(batch));
    }

    [Test]
    public void Full_scale_square_waves_saturate_and_never_wrap()
    {
        var cascade = new BiquadCascadeQ31(DefaultSections(), Channels);
        var sections = cascade.QuantisedSections;
        var frames = 4000;
        var input = new int[frames * Channels];
        for (var f = 0; f < frames; f++)
        {
            for (var c = 0; c < Channels; c++)
            {
                // Squares at 10 Hz (in band) and 1 Hz, rail to rail: intermediate sections overshoot full scale.
                var period = c % 2 == 0 ? 25 : 250;
                input[(f * Channels) + c] = f % period < period / 2 ? int.MaxValue : int.MinValue;
            }
        }

        var expected = SaturatingReference(sections, input);
        cascade.Process(input);
        var saturatedSamples = 0;
        for (var i = 0; i < input.Length; i++)
        {
            // The same filter in double, clamped at every section output as a saturating Q31 section is: the
            // fixed-point output follows it; a wrap-around would jump to the other rail, an error of about 2.
            Assert.That(Q31.ToDouble(input[i]), Is.EqualTo(expected[i]).Within(1e-3), $"sample {i}");
            if (Math.Abs(expected[i]) >= 0.999)
            {
                saturatedSamples++;
            }
        }

        Assert.That(saturatedSamples, Is.GreaterThan(0), "the test drives the cascade into saturation");
    }

    /// <summary>Direct form I in double with every section's output clamped to the Q31 range.</summary>
    private static double[] SaturatingReference(IReadOnlyList<Biquad> sections, int[] input)
    {
        var output = new double[input.Length];
        var state = new double[sections.Count * Channels * 4];
        for (var f = 0; f < input.Length / Channels; f++)
        {
            for (var c = 0; c < Channels; c++)
            {
                var x = Q31.ToDouble(input[(f * Channels) + c]);
                for (var s = 0; s < sections.Count; s++)
                {
                    var st = state.AsSpan(((s * Channels) + c) * 4, 4);
                    var b = sections[s];
                    var y = Math.Clamp((b.B0 * x) + (b.B1 * st[0]) + (b.B2 * st[1]) - (b.A1 * st[2]) - (b.A2 * st[3]), -1.0, 1.0 - Math.ScaleB(1.0, -31));
                    st[1] = st[0];
                    st[0] = x;
                    st[3] = st[2];
                    st[2] = y;
                    x = y;
                }

                output[(f * Channels) + c] = x;
            }
        }

        return output;
    }

    [Test]
    public void Zero_input_after_a_full_scale_burst_decays_to_exactly_zero()
    {
        var cascade = new BiquadCascadeQ31(DefaultSections(), Channels);
        var burst = Noise(Channels, 500, amplitude: 1.0, seed: 4);
        cascade.Process(burst);

        // Settling: the slowest pole is the DC blocker's (0.5 Hz: time constant 0.32 s); 20 s is ample.
        var silence = new int[Rate * 20 * Channels];
        cascade.Process(silence);
        var lastNonZero = silence.AsSpan().LastIndexOfAnyExcept(0);
        var zeroFrom = (lastNonZero + 1) / Channels / (double)Rate;
        TestContext.Out.WriteLine($"zero input after a full-scale burst: exactly 0 from {zeroFrom:0.00} s on");
        var tail = silence.AsSpan(silence.Length - (Rate * 5 * Channels));
        Assert.That(tail.ToArray(), Is.All.EqualTo(0), "no limit cycle: the last 5 s of silence are exactly zero");
        // Deterministic (bit-identical Q31): exactly zero from 6.23 s on.
        Assert.That(zeroFrom, Is.LessThanOrEqualTo(7), "exactly zero within 7 s");
    }

    [Test]
    public void Processing_allocates_nothing()
    {
        var cascade = new BiquadCascadeQ31(DefaultSections(), Channels);
        var block = Noise(Channels, 64, amplitude: 0.1, seed: 5);
        cascade.Process(block);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            cascade.Process(block);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void A_full_scale_sine_sweep_matches_the_double_reference_to_at_least_172_db()
    {
        var cascade = new BiquadCascadeQ31(DefaultSections(), Channels);
        var reference = new BiquadCascadeDouble(cascade.QuantisedSections, Channels);
        var frames = Rate * 60;
        var input = new int[frames * Channels];
        for (var f = 0; f < frames; f++)
        {
            // Linear sweep 1 -> 100 Hz at -0.1 dBFS, a different phase per channel, faded in over the first second:
            // a full-scale step would be a different test (the square-wave one), not a sweep.
            var t = f / (double)Rate;
            var phase = 2 * Math.PI * ((1 * t) + (99 * t * t / (2 * 60)));
            var fade = t < 1 ? 0.5 - (0.5 * Math.Cos(Math.PI * t)) : 1;
            for (var c = 0; c < Channels; c++)
            {
                input[(f * Channels) + c] = Q31.FromDouble(0.988 * fade * Math.Sin(phase + c));
            }
        }

        var snr = Snr(cascade, reference, input);
        TestContext.Out.WriteLine($"full-scale sweep: SNR {snr:0.0} dB");
        // Deterministic (bit-identical Q31): 172.2 dB.
        Assert.That(snr, Is.GreaterThanOrEqualTo(172));
    }

    /// <summary>Output SNR of the fixed-point cascade against the double reference fed the same Q31 input.</summary>
    internal static double Snr(BiquadCascadeQ31 cascade, BiquadCascadeDouble reference, int[] input)
    {
        var exact = new double[input.Length];
        for (var i = 0; i < input.Length; i++)
        {
            exact[i] = input[i];
        }

        var fixedOutput = (int[])input.Clone();
        cascade.Process(fixedOutput);
        reference.Process(exact);
        double signal = 0, error = 0;
        for (var i = 0; i < input.Length; i++)
        {
            signal += exact[i] * exact[i];
            var difference = fixedOutput[i] - exact[i];
            error += difference * difference;
        }

        return 10 * Math.Log10(signal / Math.Max(error, 1e-300));
    }

    internal static int[] Noise(int channels, int frames, double amplitude, int seed)
    {
        var random = new Random(seed);
        var data = new int[channels * frames];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = Q31.FromDouble(amplitude * ((random.NextDouble() * 2) - 1));
        }

        return data;
    }
}
