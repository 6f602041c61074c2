using EdgeBci.Signal.Resampling;

namespace EdgeBci.Signal.Tests;

/// <summary>
/// The Kaiser anti-alias design and the polyphase resamplers, on the rate pairs the product meets: 250 Hz ADS1299
/// data to 160 Hz models, 500 Hz to 250 Hz, and 160 Hz recordings up to 250 Hz.
/// </summary>
[TestFixture]
public sealed class ResamplingTests
{
    private const double FullScale = 2147483648.0;
    private const int CountShift = 8;

    /// <summary>−6 dBFS, the level the fixed-point comparison is specified at.</summary>
    private static readonly double MinusSixDbfs = Math.Pow(10, -6.0 / 20);

    [TestCase(250, 160, 16, 25)]
    [TestCase(500, 250, 1, 2)]
    [TestCase(160, 250, 25, 16)]
    [TestCase(250, 250, 1, 1)]
    [TestCase(1000, 250, 1, 4)]
    public void Rates_reduce_to_L_over_M_in_lowest_terms(int inputRate, int outputRate, int up, int down)
    {
        var resampler = new PolyphaseResamplerQ31(inputRate, outputRate, 2);

        Assert.Multiple(() =>
        {
            Assert.That(resampler.InterpolationFactor, Is.EqualTo(up));
            Assert.That(resampler.DecimationFactor, Is.EqualTo(down));
            Assert.That(resampler.InputRate, Is.EqualTo(inputRate));
            Assert.That(resampler.OutputRate, Is.EqualTo(outputRate));
            Assert.That(resampler.Channels, Is.EqualTo(2));
        });
    }

    [Test]
    public void Kaiser_design_is_odd_symmetric_and_has_unit_DC_gain()
    {
        var taps = KaiserLowPass.Design(cutoffHz: 40, transitionHz: 10, attenuationDb: 80, sampleRate: 250);

        Assert.That(taps.Length % 2, Is.EqualTo(1));
        var sum = 0.0;
        for (var i = 0; i < taps.Length; i++)
        {
            Assert.That(taps[i], Is.EqualTo(taps[taps.Length - 1 - i]), $"tap {i} breaks the symmetry");
            sum += taps[i];
        }

        Assert.That(sum, Is.EqualTo(1.0).Within(1e-14));
    }

    [Test]
    public void Kaiser_beta_and_length_follow_Kaiser_formulas()
    {
        Assert.Multiple(() =>
        {
            Assert.That(KaiserLowPass.Beta(80), Is.EqualTo(0.1102 * (80 - 8.7)).Within(1e-12));
            Assert.That(KaiserLowPass.Beta(30), Is.EqualTo((0.5842 * Math.Pow(9, 0.4)) + (0.07886 * 9)).Within(1e-12));
            Assert.That(KaiserLowPass.Beta(15), Is.Zero);

            // Δω = 2π·10/250; N = ⌈(80 − 7.95) / (2.285 Δω)⌉ = 126 → 127 taps (already odd).
            Assert.That(KaiserLowPass.Length(10, 80, 250), Is.EqualTo(127));
        });
    }

    [TestCase(250, 160)]
    [TestCase(500, 250)]
    [TestCase(160, 250)]
    public void Anti_alias_prototype_meets_its_pass_band_and_stop_band(int inputRate, int outputRate)
    {
        var prototype = KaiserLowPass.DesignAntiAlias(inputRate, outputRate);
        var up = new PolyphaseResamplerDouble(inputRate, outputRate, 1).InterpolationFactor;
        var filterRate = (double)inputRate * up;
        var lowerRate = Math.Min(inputRate, outputRate);

        var worstRippleDb = 0.0;
        for (var f = 0.0; f <= KaiserLowPass.PassBandFraction * lowerRate; f += 0.25)
        {
            worstRippleDb = Math.Max(worstRippleDb, Math.Abs(20 * Math.Log10(Magnitude(prototype, f, filterRate))));
        }

        var worstStopDb = double.NegativeInfinity;
        for (var f = KaiserLowPass.StopBandFraction * lowerRate; f <= filterRate / 2; f += 0.25)
        {
            worstStopDb = Math.Max(worstStopDb, 20 * Math.Log10(Magnitude(prototype, f, filterRate)));
        }

        TestContext.Out.WriteLine($"{inputRate}->{outputRate}: {prototype.Length} taps, pass-band ripple {worstRippleDb:E2} dB, stop band {worstStopDb:F1} dB");
        Assert.Multiple(() =>
        {
            Assert.That(worstRippleDb, Is.LessThan(0.01));
            Assert.That(worstStopDb, Is.LessThan(-80));
        });
    }

    [TestCase(250, 160, 10.0)]
    [TestCase(250, 160, 60.0)]
    [TestCase(500, 250, 10.0)]
    [TestCase(500, 250, 95.0)]
    [TestCase(160, 250, 10.0)]
    [TestCase(160, 250, 60.0)]
    public void Pass_band_sine_keeps_its_amplitude_within_0_1_dB_and_its_frequency(int inputRate, int outputRate, double frequency)
    {
        var input = Sine(frames: inputRate * 12, channels: 2, inputRate, frequency, MinusSixDbfs);
        var output = ResampleQ31(inputRate, outputRate, 2, input);

        for (var channel = 0; channel < 2; channel++)
        {
            var analysed = SteadyState(output, 2, channel, outputRate, skipSeconds: 2);
            var fit = FitSine(analysed, outputRate, frequency);
            var gainDb = 20 * Math.Log10(fit.Amplitude / (MinusSixDbfs * FullScale));
            var residualDb = 20 * Math.Log10(fit.ResidualRms / (fit.Amplitude / Math.Sqrt(2)));
            var measuredFrequency = EstimateFrequency(analysed, outputRate, frequency);
            TestContext.Out.WriteLine($"{inputRate}->{outputRate} {frequency} Hz ch{channel}: gain {gainDb:F5} dB, residual {residualDb:F1} dB, frequency {measuredFrequency:F7} Hz");

            Assert.Multiple(() =>
            {
                Assert.That(Math.Abs(gainDb), Is.LessThan(0.1));
                Assert.That(measuredFrequency, Is.EqualTo(frequency).Within(1e-4));
                Assert.That(residualDb, Is.LessThan(-80), "something besides the tone came out");
            });
        }
    }

    [TestCase(250, 160, 85.0)]
    [TestCase(250, 160, 100.0)]
    [TestCase(250, 160, 124.0)]
    [TestCase(500, 250, 130.0)]
    [TestCase(500, 250, 200.0)]
    [TestCase(500, 250, 249.0)]
    public void Tone_above_the_output_Nyquist_is_attenuated_by_at_least_70_dB(int inputRate, int outputRate, double frequency)
    {
        var input = Sine(frames: inputRate * 10, channels: 1, inputRate, frequency, MinusSixDbfs);
        var output = ResampleQ31(inputRate, outputRate, 1, input);

        var analysed = SteadyState(output, 1, 0, outputRate, skipSeconds: 2);
        var attenuationDb = 20 * Math.Log10(Rms(analysed) / (MinusSixDbfs * FullScale / Math.Sqrt(2)));
        TestContext.Out.WriteLine($"{inputRate}->{outputRate} {frequency} Hz: {attenuationDb:F1} dB");

        Assert.That(attenuationDb, Is.LessThan(-70));
    }

    /// <summary>
    /// Upsampling cannot be fed a tone above the output Nyquist; what it must suppress instead are the images at
    /// k·160 ± f that zero-stuffing creates. Whatever remains beside the tone is their sum.
    /// </summary>
    [TestCase(160, 250, 30.0)]
    [TestCase(160, 250, 60.0)]
    [TestCase(160, 250, 75.0)]
    public void Images_of_an_upsampled_tone_are_attenuated_by_at_least_70_dB(int inputRate, int outputRate, double frequency)
    {
        var input = Sine(frames: inputRate * 10, channels: 1, inputRate, frequency, MinusSixDbfs);
        var output = ResampleQ31(inputRate, outputRate, 1, input);

        var analysed = SteadyState(output, 1, 0, outputRate, skipSeconds: 2);
        var fit = FitSine(analysed, outputRate, frequency);
        var imagesDb = 20 * Math.Log10(fit.ResidualRms / (MinusSixDbfs * FullScale / Math.Sqrt(2)));
        TestContext.Out.WriteLine($"{inputRate}->{outputRate} {frequency} Hz: images {imagesDb:F1} dB");

        Assert.That(imagesDb, Is.LessThan(-70));
    }

    [TestCase(250, 160)]
    [TestCase(500, 250)]
    [TestCase(160, 250)]
    public void Fixed_point_matches_the_double_reference_with_SNR_above_100_dB(int inputRate, int outputRate)
    {
        const int channels = 4;
        var input = Sine(frames: inputRate * 10, channels, inputRate, 17.0, MinusSixDbfs);
        var fixedPoint = ResampleQ31(inputRate, outputRate, channels, input);
        var reference = ResampleDouble(inputRate, outputRate, channels, input);

        Assert.That(fixedPoint, Has.Length.EqualTo(reference.Length));
        double signal = 0;
        double error = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            signal += reference[i] * reference[i];
            var difference = fixedPoint[i] - reference[i];
            error += difference * difference;
        }

        var snrDb = 10 * Math.Log10(signal / error);
        TestContext.Out.WriteLine($"{inputRate}->{outputRate}: SNR {snrDb:F1} dB");
        Assert.That(snrDb, Is.GreaterThan(100));
    }

    [TestCase(250, 160)]
    [TestCase(500, 250)]
    [TestCase(160, 250)]
    [TestCase(250, 250)]
    public void Streaming_in_random_blocks_is_bit_identical_to_one_call(int inputRate, int outputRate)
    {
        const int channels = 3;
        var random = new Random(inputRate * 1000 + outputRate);
        var input = Sine(frames: 4001, channels, inputRate, 23.0, 0.3);
        for (var i = 0; i < input.Length; i++)
        {
            input[i] += random.Next(-(1 << 28), 1 << 28);
        }

        var batch = ResampleQ31(inputRate, outputRate, channels, input);
        var batchDouble = ResampleDouble(inputRate, outputRate, channels, input);

        var streamer = new PolyphaseResamplerQ31(inputRate, outputRate, channels);
        var streamerDouble = new PolyphaseResamplerDouble(inputRate, outputRate, channels);
        var streamed = new List<int>();
        var streamedDouble = new List<double>();
        var inputDouble = ToDouble(input);
        for (var frame = 0; frame < input.Length / channels;)
        {
            var frames = Math.Min(random.Next(0, 40), (input.Length / channels) - frame);
            var expected = streamer.OutputFramesFor(frames);
            Assert.That(expected, Is.LessThanOrEqualTo(streamer.MaximumOutputFrames(frames)));

            var block = new int[expected * channels];
            var written = streamer.Process(input.AsSpan(frame * channels, frames * channels), block);
            Assert.That(written, Is.EqualTo(expected));
            streamed.AddRange(block);

            var blockDouble = new double[streamerDouble.MaximumOutputFrames(frames) * channels];
            var writtenDouble = streamerDouble.Process(inputDouble.AsSpan(frame * channels, frames * channels), blockDouble);
            streamedDouble.AddRange(blockDouble.AsSpan(0, writtenDouble * channels));
            frame += frames;
        }

        Assert.Multiple(() =>
        {
            Assert.That(streamed, Is.EqualTo(batch).AsCollection);
            Assert.That(streamedDouble, Is.EqualTo(batchDouble).AsCollection);
        });
    }

    [TestCase(250, 160)]
    [TestCase(500, 250)]
    [TestCase(160, 250)]
    public void Process_allocates_nothing_after_warm_up(int inputRate, int outputRate)
    {
        const int channels = 8;
        const int blockFrames = 25;
        var resampler = new PolyphaseResamplerQ31(inputRate, outputRate, channels);
        var reference = new PolyphaseResamplerDouble(inputRate, outputRate, channels);
        var input = Sine(blockFrames, channels, inputRate, 10, 0.5);
        var inputDouble = ToDouble(input);
        var output = new int[resampler.MaximumOutputFrames(blockFrames) * channels];
        var outputDouble = new double[output.Length];
        for (var i = 0; i < 10; i++)
        {
            resampler.Process(input, output);
            reference.Process(inputDouble, outputDouble);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            resampler.Process(input, output);
            reference.Process(inputDouble, outputDouble);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
    }

    [TestCase(250, 160)]
    [TestCase(500, 250)]
    [TestCase(160, 250)]
    public void Full_scale_square_saturates_instead_of_wrapping(int inputRate, int outputRate)
    {
        var frames = inputRate * 3;
        var input = new int[frames];
        for (var i = 0; i < frames; i++)
        {
            input[i] = (i / (inputRate / 10)) % 2 == 0 ? int.MaxValue : int.MinValue;
        }

        var output = ResampleQ31(inputRate, outputRate, 1, input);
        var reference = ResampleDouble(inputRate, outputRate, 1, input);

        var clipped = 0;
        for (var i = 0; i < output.Length; i++)
        {
            if (reference[i] >= int.MaxValue)
            {
                Assert.That(output[i], Is.EqualTo(int.MaxValue), $"frame {i}: the overshoot to {reference[i]:F0} must clip high");
                clipped++;
            }
            else if (reference[i] <= int.MinValue)
            {
                Assert.That(output[i], Is.EqualTo(int.MinValue), $"frame {i}: the overshoot to {reference[i]:F0} must clip low");
                clipped++;
            }
            else
            {
                Assert.That(output[i], Is.EqualTo(reference[i]).Within(1e-7 * FullScale), $"frame {i}");
            }
        }

        TestContext.Out.WriteLine($"{inputRate}->{outputRate}: {clipped} of {output.Length} frames clipped");
        Assert.That(clipped, Is.GreaterThan(0), "the Gibbs overshoot of a full-scale square should have needed clipping");
    }

    [TestCase(250, 160)]
    [TestCase(500, 250)]
    [TestCase(160, 250)]
    public void Output_frame_count_over_a_long_run_is_input_times_L_over_M_within_one(int inputRate, int outputRate)
    {
        var resampler = new PolyphaseResamplerQ31(inputRate, outputRate, 1);
        var random = new Random(7);
        var block = new int[1000];
        for (var i = 0; i < block.Length; i++)
        {
            block[i] = random.Next();
        }

        var output = new int[resampler.MaximumOutputFrames(block.Length)];
        long inputFrames = 0;
        long outputFrames = 0;
        while (inputFrames < 1_000_003)
        {
            var frames = (int)Math.Min(random.Next(1, block.Length + 1), 1_000_003 - inputFrames);
            outputFrames += resampler.Process(block.AsSpan(0, frames), output);
            inputFrames += frames;
        }

        var ideal = inputFrames * (double)outputRate / inputRate;
        TestContext.Out.WriteLine($"{inputRate}->{outputRate}: {inputFrames} in, {outputFrames} out, ideal {ideal}");
        Assert.That(outputFrames, Is.EqualTo(ideal).Within(1));
    }

    [TestCase(250, 160)]
    [TestCase(500, 250)]
    [TestCase(160, 250)]
    public void Output_frame_k_carries_the_input_at_k_M_over_L_delayed_by_DelaySeconds(int inputRate, int outputRate)
    {
        const double frequency = 7.0;
        const double phase = 0.4;
        var input = Sine(frames: inputRate * 6, channels: 1, inputRate, frequency, MinusSixDbfs, phase);
        var resampler = new PolyphaseResamplerQ31(inputRate, outputRate, 1);
        var output = new int[resampler.MaximumOutputFrames(input.Length)];
        var written = resampler.Process(input, output);

        var worst = 0.0;
        for (var k = 2 * outputRate; k < written; k++)
        {
            var time = ((double)k / outputRate) - resampler.DelaySeconds;
            var expected = MinusSixDbfs * FullScale * Math.Sin((2 * Math.PI * frequency * time) + phase);
            worst = Math.Max(worst, Math.Abs(output[k] - expected) / FullScale);
        }

        TestContext.Out.WriteLine($"{inputRate}->{outputRate}: delay {resampler.DelaySeconds * 1000:F3} ms, worst deviation {worst:E2} of full scale");
        Assert.That(worst, Is.LessThan(1e-4));
    }

    [Test]
    public void Equal_rates_pass_samples_through_untouched_with_no_delay()
    {
        var resampler = new PolyphaseResamplerQ31(250, 250, 2);
        int[] input = [1, -2, int.MaxValue, int.MinValue, 5, 6];
        var output = new int[resampler.MaximumOutputFrames(3) * 2];

        var written = resampler.Process(input, output);

        Assert.Multiple(() =>
        {
            Assert.That(written, Is.EqualTo(3));
            Assert.That(output, Is.EqualTo(input).AsCollection);
            Assert.That(resampler.DelaySeconds, Is.Zero);
        });
    }

    [Test]
    public void Reset_restarts_as_if_newly_constructed()
    {
        var input = Sine(frames: 777, channels: 2, 250, 13, 0.4);
        var resampler = new PolyphaseResamplerQ31(250, 160, 2);
        var first = new int[resampler.MaximumOutputFrames(777) * 2];
        var second = new int[first.Length];

        var firstCount = resampler.Process(input, first);
        resampler.Process(input.AsSpan(0, 202), new int[resampler.MaximumOutputFrames(101) * 2]);
        resampler.Reset();
        var secondCount = resampler.Process(input, second);

        Assert.Multiple(() =>
        {
            Assert.That(secondCount, Is.EqualTo(firstCount));
            Assert.That(second, Is.EqualTo(first).AsCollection);
        });
    }

    [Test]
    public void Partial_frames_and_short_output_buffers_are_rejected()
    {
        var resampler = new PolyphaseResamplerQ31(500, 250, 2);

        Assert.Multiple(() =>
        {
            Assert.That(() => resampler.Process(new int[3], new int[10]), Throws.ArgumentException);
            Assert.That(() => resampler.Process(new int[20], new int[9]), Throws.ArgumentException);
            Assert.That(() => new PolyphaseResamplerQ31(0, 250, 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => new PolyphaseResamplerQ31(250, 160, 0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        });
    }

    /// <summary>Interleaved Q31 samples of a sine that went through the ADS1299's 24-bit quantiser (count &lt;&lt; 8); each channel is phase-shifted.</summary>
    private static int[] Sine(int frames, int channels, double rate, double frequency, double amplitude, double phase = 0)
    {
        var samples = new int[frames * channels];
        var countScale = (1 << 23) * amplitude;
        for (var frame = 0; frame < frames; frame++)
        {
            for (var channel = 0; channel < channels; channel++)
            {
                var angle = (2 * Math.PI * frequency * frame / rate) + phase + (channel * 0.7);
                var counts = (int)Math.Round(countScale * Math.Sin(angle));
                samples[(frame * channels) + channel] = Math.Clamp(counts, -(1 << 23), (1 << 23) - 1) << CountShift;
            }
        }

        return samples;
    }

    private static int[] ResampleQ31(int inputRate, int outputRate, int channels, int[] input)
    {
        var resampler = new PolyphaseResamplerQ31(inputRate, outputRate, channels);
        var output = new int[resampler.MaximumOutputFrames(input.Length / channels) * channels];
        var written = resampler.Process(input, output);
        return output.AsSpan(0, written * channels).ToArray();
    }

    private static double[] ResampleDouble(int inputRate, int outputRate, int channels, int[] input)
    {
        var resampler = new PolyphaseResamplerDouble(inputRate, outputRate, channels);
        var output = new double[resampler.MaximumOutputFrames(input.Length / channels) * channels];
        var written = resampler.Process(ToDouble(input), output);
        return output.AsSpan(0, written * channels).ToArray();
    }

    private static double[] ToDouble(int[] samples)
    {
        var result = new double[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            result[i] = samples[i];
        }

        return result;
    }

    /// <summary>One channel from <paramref name="skipSeconds"/> on, past the filter's run-in.</summary>
    private static double[] SteadyState(int[] interleaved, int channels, int channel, int rate, double skipSeconds)
    {
        var start = (int)(skipSeconds * rate);
        var frames = (interleaved.Length / channels) - start;
        var result = new double[frames];
        for (var i = 0; i < frames; i++)
        {
            result[i] = interleaved[((start + i) * channels) + channel];
        }

        return result;
    }

    /// <summary>Least-squares a·cos + b·sin at a known frequency; the residual is everything else in the signal.</summary>
    private static (double Amplitude, double Phase, double ResidualRms) FitSine(ReadOnlySpan<double> signal, double rate, double frequency)
    {
        double cc = 0, ss = 0, cs = 0, xc = 0, xs = 0;
        for (var i = 0; i < signal.Length; i++)
        {
            var angle = 2 * Math.PI * frequency * i / rate;
            var c = Math.Cos(angle);
            var s = Math.Sin(angle);
            cc += c * c;
            ss += s * s;
            cs += c * s;
            xc += signal[i] * c;
            xs += signal[i] * s;
        }

        var determinant = (cc * ss) - (cs * cs);
        var a = ((xc * ss) - (xs * cs)) / determinant;
        var b = ((xs * cc) - (xc * cs)) / determinant;
        double residual = 0;
        for (var i = 0; i < signal.Length; i++)
        {
            var angle = 2 * Math.PI * frequency * i / rate;
            var difference = signal[i] - (a * Math.Cos(angle)) - (b * Math.Sin(angle));
            residual += difference * difference;
        }

        return (Math.Sqrt((a * a) + (b * b)), Math.Atan2(a, b), Math.Sqrt(residual / signal.Length));
    }

    /// <summary>
    /// The tone's true frequency from how its phase (fitted at the nominal frequency) drifts between the first and
    /// the last quarter of the signal.
    /// </summary>
    private static double EstimateFrequency(double[] signal, double rate, double nominal)
    {
        var quarter = signal.Length / 4;
        var early = FitSine(signal.AsSpan(0, quarter), rate, nominal).Phase;
        var lateStart = signal.Length - quarter;
        var late = FitSine(signal.AsSpan(lateStart, quarter), rate, nominal).Phase;
        var nominalAdvance = 2 * Math.PI * nominal * lateStart / rate;
        var drift = Math.IEEERemainder(late - early - nominalAdvance, 2 * Math.PI);
        return nominal + (drift / (2 * Math.PI * lateStart / rate));
    }

    private static double Rms(ReadOnlySpan<double> signal)
    {
        double sum = 0;
        foreach (var sample in signal)
        {
            sum += sample * sample;
        }

        return Math.Sqrt(sum / signal.Length);
    }

    /// <summary>|H(e^{jω})| of an FIR filter at <paramref name="frequency"/>.</summary>
    private static double Magnitude(double[] taps, double frequency, double rate)
    {
        var omega = 2 * Math.PI * frequency / rate;
        double real = 0, imaginary = 0;
        for (var n = 0; n < taps.Length; n++)
        {
            real += taps[n] * Math.Cos(omega * n);
            imaginary -= taps[n] * Math.Sin(omega * n);
        }

        return Math.Sqrt((real * real) + (imaginary * imaginary));
    }
}
