namespace EdgeBci.Signal.Resampling;

/// <summary>
/// The <see cref="PolyphaseResamplerQ31"/> algorithm in double precision, with unquantised taps and no output
/// rounding: the reference the fixed-point path is measured against in tests and benchmarks. Same ratio, filter,
/// phase schedule, alignment, block layout and streaming behaviour, so output k of both describes the same instant.
/// Samples are in whatever unit the caller likes (Q31 counts as doubles to compare against the integer path).
/// </summary>
public sealed class PolyphaseResamplerDouble
{
    private readonly double[] reversedPhaseTaps;
    private readonly double[] history;
    private readonly int tapsPerPhase;
    private readonly bool passThrough;
    private PolyphaseSchedule schedule;
    private int writeIndex;

    public PolyphaseResamplerDouble(int inputRate, int outputRate, int channels)
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
        reversedPhaseTaps = PolyphaseSchedule.Decompose(prototype, InterpolationFactor, out tapsPerPhase);
        DelaySeconds = (prototype.Length - 1) / 2.0 / ((double)inputRate * InterpolationFactor);
        history = new double[channels * 2 * tapsPerPhase];
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

    /// <summary>An upper bound on the frames one call can write for <paramref name="inputFrames"/>: ⌈inputFrames·L/M⌉.</summary>
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

    /// <summary>Resamples whole interleaved frames and returns the frames written, exactly as the Q31 resampler schedules them.</summary>
    public int Process(ReadOnlySpan<double> input, Span<double> output)
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
                    var sum = 0.0;
                    for (var i = 0; i < taps.Length; i++)
                    {
                        sum += taps[i] * window[i];
                    }

                    destination[channel] = sum;
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
}
