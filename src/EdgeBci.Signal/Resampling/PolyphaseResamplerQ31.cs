using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Resampling;

/// <summary>
/// Rational-factor sample-rate conversion of interleaved Q31 blocks (250 Hz ADS1299 data to the 160 Hz a model was
/// trained on, 500 Hz to 250 Hz, and so on) in integer arithmetic only, so arm64 boards and x86-64 CI produce the
/// same bits.
/// </summary>
/// <remarks>
/// <para>
/// The ratio outputRate/inputRate is reduced to L/M (250→160 is 16/25). Conceptually the input is interpolated by L
/// (L − 1 zeros between samples), low-passed by the <see cref="KaiserLowPass.DesignAntiAlias"/> prototype h, scaled
/// by L, and every M-th sample kept. The polyphase form computes only the kept samples and skips the zero products:
/// output k uses phase p = k·M mod L, whose taps are L·h[p], L·h[p + L], L·h[p + 2L], …, against input frames
/// ⌊k·M/L⌋, ⌊k·M/L⌋ − 1, ….
/// </para>
/// <para>
/// Alignment: output frame k is sampled at input time k·M/L input frames (exactly; frame 0 of both streams
/// coincide, and there is no fractional start offset), and it carries the band-limited input as it was
/// <see cref="DelaySeconds"/> earlier: y[k] ≈ x(k·M/L·T_in − DelaySeconds). Subtract <see cref="DelaySeconds"/>
/// from an output timestamp to line it up with events stamped on input frames. Before the first call the history
/// holds zeros (as if silence preceded frame 0), so the first ≈ 2·DelaySeconds of output are the filter's run-in.
/// </para>
/// <para>
/// Fixed point: taps are rounded to Q30 (1.0 = 2^30, room for the ±2 a tap could in principle need); each product
/// Q31 × Q30 is Q61 in a 64-bit accumulator, and the sum is shifted right by 30 with round-half-up and saturated to
/// Q31. The constructor checks that the taps' absolute sum keeps the accumulator from overflowing for any input
/// (it is 2.1 to 2.2 for these designs; overflow would need 4). Equal rates pass samples through untouched.
/// </para>
/// <para>
/// State (history and phase) carries across calls, so any split of the input into blocks gives bit-identical
/// output to one call. Process allocates nothing.
/// </para>
/// </remarks>
public sealed class PolyphaseResamplerQ31
{
    /// <summary>Q format of the taps: 1.0 is 2^30.</summary>
    public const int TapFractionBits = 30;

    private readonly int[] reversedPhaseTaps;
    private readonly int[] history;
    private readonly int tapsPerPhase;
    private readonly bool passThrough;
    private PolyphaseSchedule schedule;
    private int writeIndex;

    public PolyphaseResamplerQ31(int inputRate, int outputRate, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        (InterpolationFactor, DecimationFactor) = ResamplingRatio.Reduce(inputRate, outputRate);
        InputRate = inputRate;
        OutputRate = outputRate;
        Channels = channels;
        passThrough = InterpolationFactor == 1 && DecimationFactor == 1;
        schedule = PolyphaseSchedule.Start(InterpolationFactor, DecimationFactor);

        if (passThrough)
        {
            reversedPhaseTaps = [];
            history = [];
            return;
        }

        var prototype = KaiserLowPass.DesignAntiAlias(inputRate, outputRate);
        var phases = PolyphaseSchedule.Decompose(prototype, InterpolationFactor, out tapsPerPhase);
        reversedPhaseTaps = new int[phases.Length];
        for (var i = 0; i < phases.Length; i++)
        {
            reversedPhaseTaps[i] = (int)Math.Round(phases[i] * (1L << TapFractionBits), MidpointRounding.AwayFromZero);
        }

        EnsureAccumulatorCannotOverflow();
        DelaySeconds = (prototype.Length - 1) / 2.0 / ((double)inputRate * InterpolationFactor);

        // Two copies of each channel's ring, so the newest tapsPerPhase samples are always one contiguous span.
        history = new int[channels * 2 * tapsPerPhase];
    }

    public int InputRate { get; }

    public int OutputRate { get; }

    public int Channels { get; }

    /// <summary>L: outputRate over the greatest common divisor of the two rates.</summary>
    public int InterpolationFactor { get; }

    /// <summary>M: inputRate over the greatest common divisor of the two rates.</summary>
    public int DecimationFactor { get; }

    /// <summary>Taps each output sample costs per channel (0 when passing through).</summary>
    public int TapsPerPhase => tapsPerPhase;

    /// <summary>Group delay of the anti-alias filter: how far output content lags the input time of its frame.</summary>
    public double DelaySeconds { get; }

    /// <summary>An upper bound on the frames one call can write for <paramref name="inputFrames"/>, whatever the state: ⌈inputFrames·L/M⌉.</summary>
    public int MaximumOutputFrames(int inputFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputFrames);
        return PolyphaseSchedule.MaximumOutputs(inputFrames, InterpolationFactor, DecimationFactor);
    }

    /// <summary>Exactly how many frames the next <see cref="Process"/> call writes for <paramref name="inputFrames"/>.</summary>
    public int OutputFramesFor(int inputFrames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputFrames);
        return schedule.CountOutputs(inputFrames);
    }

    /// <summary>
    /// Resamples whole frames of <paramref name="input"/> into <paramref name="output"/> (both interleaved frame-major)
    /// and returns the frames written. <paramref name="output"/> must hold <see cref="OutputFramesFor"/> frames;
    /// <see cref="MaximumOutputFrames"/> is always enough.
    /// </summary>
    public int Process(ReadOnlySpan<int> input, Span<int> output)
    {
        if (input.Length % Channels != 0)
        {
            throw new ArgumentException($"The input holds {input.Length} samples, not a whole number of {Channels}-channel frames.", nameof(input));
        }

        var inputFrames = input.Length / Channels;
        var outputFrames = schedule.CountOutputs(inputFrames);
        if (output.Length < outputFrames * Channels)
        {
            throw new ArgumentException($"The output holds {output.Length} samples; {inputFrames} input frames produce {outputFrames} frames of {Channels} channels.", nameof(output));
        }

        if (passThrough)
        {
            input.CopyTo(output);
            return inputFrames;
        }

        var ringLength = tapsPerPhase;
        var stride = 2 * ringLength;
        var written = 0;
        for (var frame = 0; frame < inputFrames; frame++)
        {
            var samples = input.Slice(frame * Channels, Channels);
            for (var channel = 0; channel < Channels; channel++)
            {
                var slot = (channel * stride) + writeIndex;
                history[slot] = samples[channel];
                history[slot + ringLength] = samples[channel];
            }

            writeIndex = writeIndex + 1 == ringLength ? 0 : writeIndex + 1;

            while (schedule.TryTakeOutput(out var phase))
            {
                var taps = reversedPhaseTaps.AsSpan(phase * tapsPerPhase, tapsPerPhase);
                var destination = output.Slice(written * Channels, Channels);
                for (var channel = 0; channel < Channels; channel++)
                {
                    var window = history.AsSpan((channel * stride) + writeIndex, ringLength);
                    destination[channel] = Convolve(taps, window);
                }

                written++;
            }

            schedule.ConsumeFrame();
        }

        return written;
    }

    /// <summary>Forgets the history and restarts the output grid, as if newly constructed.</summary>
    public void Reset()
    {
        Array.Clear(history);
        writeIndex = 0;
        schedule = PolyphaseSchedule.Start(InterpolationFactor, DecimationFactor);
    }

    private static int Convolve(ReadOnlySpan<int> taps, ReadOnlySpan<int> window)
    {
        long accumulator = 1L << (TapFractionBits - 1);
        for (var i = 0; i < taps.Length; i++)
        {
            accumulator += (long)taps[i] * window[i];
        }

        return Q31.Saturate(accumulator >> TapFractionBits);
    }

    private void EnsureAccumulatorCannotOverflow()
    {
        var limit = (long.MaxValue - (1L << (TapFractionBits - 1))) / (1L << 31);
        for (var phase = 0; phase < InterpolationFactor; phase++)
        {
            long absoluteSum = 0;
            foreach (var tap in reversedPhaseTaps.AsSpan(phase * tapsPerPhase, tapsPerPhase))
            {
                absoluteSum += Math.Abs((long)tap);
            }

            if (absoluteSum > limit)
            {
                throw new InvalidOperationException($"Phase {phase} of the {InputRate}→{OutputRate} Hz filter could overflow the 64-bit accumulator (absolute tap sum {absoluteSum / (double)(1L << TapFractionBits):F3}).");
            }
        }
    }
}

/// <summary>
/// Which input frame each output frame of an L/M polyphase resampler waits for, and with which phase: the bookkeeping
/// the integer and double resamplers share so their outputs line up sample for sample.
/// </summary>
/// <remarks>
/// Output k sits at interpolated time k·M, i.e. at input frame ⌊k·M/L⌋ with phase k·M mod L. The schedule keeps the
/// phase of the next output and how many input frames, counting the one being handled, remain until its frame.
/// </remarks>
internal struct PolyphaseSchedule
{
    private readonly int up;
    private readonly int down;
    private int phase;
    private int framesAhead;

    private PolyphaseSchedule(int up, int down)
    {
        this.up = up;
        this.down = down;
    }

    public static PolyphaseSchedule Start(int up, int down) => new(up, down);

    /// <summary>⌈frames·L/M⌉ computed in 64 bits: the most outputs any state can yield.</summary>
    public static int MaximumOutputs(int frames, int up, int down) =>
        frames == 0 ? 0 : checked((int)((((long)frames * up) - 1) / down) + 1);

    /// <summary>
    /// Splits <paramref name="prototype"/> (DC gain 1) into L phases scaled by L, zero-padded to equal length, each
    /// stored reversed (oldest sample's tap first) so a phase is a dot product with the history in time order.
    /// </summary>
    public static double[] Decompose(double[] prototype, int up, out int tapsPerPhase)
    {
        tapsPerPhase = (prototype.Length + up - 1) / up;
        var phases = new double[up * tapsPerPhase];
        for (var phase = 0; phase < up; phase++)
        {
            for (var k = 0; k < tapsPerPhase; k++)
            {
                var index = phase + (k * up);
                var tap = index < prototype.Length ? up * prototype[index] : 0.0;
                phases[(phase * tapsPerPhase) + (tapsPerPhase - 1 - k)] = tap;
            }
        }

        return phases;
    }

    /// <summary>Outputs that <paramref name="frames"/> more input frames complete.</summary>
    public readonly int CountOutputs(int frames)
    {
        if (frames <= framesAhead)
        {
            return 0;
        }

        // The first pending output lies at interpolated time framesAhead·L + phase from the start of the next frame;
        // every one before frames·L is produced.
        var span = ((long)(frames - framesAhead) * up) - 1 - phase;
        return span < 0 ? 0 : checked((int)((span / down) + 1));
    }

    /// <summary>True (with its phase) while the frame just pushed completes another output.</summary>
    public bool TryTakeOutput(out int outputPhase)
    {
        if (framesAhead != 0)
        {
            outputPhase = 0;
            return false;
        }

        outputPhase = phase;
        var next = phase + down;
        framesAhead = next / up;
        phase = next % up;
        return true;
    }

    /// <summary>Moves on to the next input frame.</summary>
    public void ConsumeFrame()
    {
        if (framesAhead > 0)
        {
            framesAhead--;
        }
    }
}
