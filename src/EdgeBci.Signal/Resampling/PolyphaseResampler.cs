namespace EdgeBci.Signal.Resampling;

/// <summary>
/// The polyphase resampler shared by <see cref="PolyphaseResamplerQ31"/> and <see cref="PolyphaseResamplerDouble"/>:
/// ratio, anti-alias design, phase schedule, per-channel history and the streaming loop. The two differ only in how
/// taps are stored and how one output sample is summed, so the fixed-point path and its reference cannot drift apart.
/// </summary>
/// <typeparam name="TSample">int for Q31, double for the reference.</typeparam>
public abstract class PolyphaseResampler<TSample>
    where TSample : struct
{
    private readonly TSample[] _reversedPhaseTaps;
    private readonly TSample[] _history;
    private readonly int _tapsPerPhase;
    private readonly bool _passThrough;
    private PolyphaseSchedule _schedule;
    private int _writeIndex;

    /// <param name="quantiseTaps">Turns the designed (double) polyphase taps into the stored taps.</param>
    protected PolyphaseResampler(int inputRate, int outputRate, int channels, Func<double[], TSample[]> quantiseTaps)
    {
        ArgumentNullException.ThrowIfNull(quantiseTaps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        (InterpolationFactor, DecimationFactor) = ResamplingRatio.Reduce(inputRate, outputRate);
        InputRate = inputRate;
        OutputRate = outputRate;
        Channels = channels;
        _passThrough = InterpolationFactor == 1 && DecimationFactor == 1;
        _schedule = PolyphaseSchedule.Start(InterpolationFactor, DecimationFactor);
        if (_passThrough)
        {
            _reversedPhaseTaps = [];
            _history = [];
            return;
        }

        var prototype = KaiserLowPass.DesignAntiAlias(inputRate, outputRate);
        _reversedPhaseTaps = quantiseTaps(PolyphaseSchedule.Decompose(prototype, InterpolationFactor, out _tapsPerPhase));
        DelaySeconds = (prototype.Length - 1) / 2.0 / ((double)inputRate * InterpolationFactor);

        // Two copies of each channel's ring, so the newest tapsPerPhase samples are always one contiguous span.
        _history = new TSample[channels * 2 * _tapsPerPhase];
    }

    public int InputRate { get; }

    public int OutputRate { get; }

    public int Channels { get; }

    /// <summary>L: outputRate over the greatest common divisor of the two rates.</summary>
    public int InterpolationFactor { get; }

    /// <summary>M: inputRate over the greatest common divisor of the two rates.</summary>
    public int DecimationFactor { get; }

    /// <summary>Taps each output sample costs per channel (0 when passing through).</summary>
    public int TapsPerPhase => _tapsPerPhase;

    /// <summary>Group delay of the anti-alias filter: how far output content lags the input time of its frame.</summary>
    public double DelaySeconds { get; }

    /// <summary>The stored taps, phase after phase, each phase reversed to run against the history.</summary>
    protected ReadOnlySpan<TSample> ReversedPhaseTaps => _reversedPhaseTaps;

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
        return _schedule.CountOutputs(inputFrames);
    }

    /// <summary>
    /// Resamples whole frames of <paramref name="input"/> into <paramref name="output"/> (both interleaved frame-major)
    /// and returns the frames written. <paramref name="output"/> must hold <see cref="OutputFramesFor"/> frames;
    /// <see cref="MaximumOutputFrames"/> is always enough.
    /// </summary>
    public int Process(ReadOnlySpan<TSample> input, Span<TSample> output)
    {
        if (input.Length % Channels != 0)
        {
            throw new ArgumentException($"The input holds {input.Length} samples, not a whole number of {Channels}-channel frames.", nameof(input));
        }

        var inputFrames = input.Length / Channels;
        var outputFrames = _schedule.CountOutputs(inputFrames);
        if (output.Length < outputFrames * Channels)
        {
            throw new ArgumentException($"The output holds {output.Length} samples; {inputFrames} input frames produce {outputFrames} frames of {Channels} channels.", nameof(output));
        }

        if (_passThrough)
        {
            input.CopyTo(output);
            return inputFrames;
        }

        var ringLength = _tapsPerPhase;
        var stride = 2 * ringLength;
        var written = 0;
        for (var frame = 0; frame < inputFrames; frame++)
        {
            var samples = input.Slice(frame * Channels, Channels);
            for (var channel = 0; channel < Channels; channel++)
            {
                var slot = (channel * stride) + _writeIndex;
                _history[slot] = samples[channel];
                _history[slot + ringLength] = samples[channel];
            }

            _writeIndex = _writeIndex + 1 == ringLength ? 0 : _writeIndex + 1;

            while (_schedule.TryTakeOutput(out var phase))
            {
                var taps = _reversedPhaseTaps.AsSpan(phase * _tapsPerPhase, _tapsPerPhase);
                var destination = output.Slice(written * Channels, Channels);
                for (var channel = 0; channel < Channels; channel++)
                {
                    destination[channel] = Convolve(taps, _history.AsSpan((channel * stride) + _writeIndex, ringLength));
                }

                written++;
            }

            _schedule.ConsumeFrame();
        }

        return written;
    }

    /// <summary>Forgets the history and restarts the output grid, as if newly constructed.</summary>
    public void Reset()
    {
        Array.Clear(_history);
        _writeIndex = 0;
        _schedule = PolyphaseSchedule.Start(InterpolationFactor, DecimationFactor);
    }

    /// <summary>One output sample: the phase's taps against the channel's newest samples.</summary>
    protected abstract TSample Convolve(ReadOnlySpan<TSample> taps, ReadOnlySpan<TSample> window);
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
