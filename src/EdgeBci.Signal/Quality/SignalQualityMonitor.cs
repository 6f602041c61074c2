using System.Text;
using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Quality;

/// <summary>
/// Judges each channel good, noisy or bad from the raw stream, once per window, so the firmware can log it, the
/// operator can fix an electrode, and the decoder can ignore a channel that carries no brain signal.
/// <para>
/// It reads the converter's output before any other filtering (Q31, counts &lt;&lt; 8, electrode offset included):
/// railing is a property of the raw samples, and a monitor that shared the main chain's filters could not tell
/// their faults from the electrode's. Each channel first passes an integer DC blocker (about 0.15 Hz, primed with
/// the first sample so the electrode offset of tens of millivolts never appears as a step), then four fixed-point
/// Butterworth band-passes: broadband (1–100 Hz), mains (line ± 2 Hz), EMG (55–100 Hz) and blink (0.5–4 Hz).
/// </para>
/// <para>
/// Bad: lead-off reported by the chip (<see cref="SetLeadOff"/>, effective at once), a raw input that repeats
/// exactly the same value for <see cref="SignalQualityOptions.ConstantSeconds"/> (effective at once: a switched-off
/// channel, a step from the rail to a constant), railed, or a flat line (no power to speak of in any band).
/// Noisy: mains or EMG taking too large a share of broadband power, or a blink on a frontal electrode.
/// A bad channel is not also judged noisy, since its ratios measure nothing.
/// </para>
/// <para>
/// <b>Memory.</b> A channel counts as good only after it has stayed good (or noisy) for
/// <see cref="SignalQualityOptions.HoldOffSeconds"/>, from switch-on (or <see cref="Reset"/>) as after a fault; until
/// then it is <see cref="QualityState.Settling"/> ("settling (since switch-on)", "settling (after railed)"), which the
/// decoder and the supervisor treat as unusable. Until its first window completes a channel has no verdict
/// (<see cref="QualityState.Settling"/>, "no verdict yet") unless it is already found bad. A hold-off of 0 makes a
/// channel good at its first good window.
/// </para>
/// <para>
/// <see cref="Process"/> allocates nothing; the verdicts' strings are built when read, and only when a verdict
/// changed. Single-threaded.
/// </para>
/// </summary>
public sealed class SignalQualityMonitor : IChannelConditions
{
    // Filtering goes through scratch buffers of this many frames, so any block length works without allocating.
    private const int ChunkFrames = 64;

    private readonly string[] _names;
    private readonly int _channels;
    private readonly double _microvoltsPerQ31;
    private readonly SignalQualityOptions _options;
    private readonly bool[] _frontal;
    private readonly QualityBands _bands;

    private readonly int[] _dcFree;
    private readonly int[] _work;
    private readonly RawInputFront _front;

    // The window in progress.
    private ulong _leadOffInWindow;
    private int _windowPosition;

    // Outcome of the last completed window, per channel, and the memory across windows.
    private readonly QualityIssues[] _issues;
    private readonly ChannelQualityMetrics[] _metrics;
    private readonly ChannelQualityMemory _memory;
    private ulong _leadOffMask;

    private readonly ChannelVerdictCache _verdicts;

    /// <param name="channelNames">Electrode names in channel order; they decide which channels are frontal, and label <see cref="Describe"/>.</param>
    /// <param name="sampleRate">Samples per second per channel.</param>
    /// <param name="microvoltsPerQ31">Input-referred microvolts of one Q31 step: the count LSB / 2^8 (0.02235 / 256 at gain 24).</param>
    /// <param name="options">Thresholds and bands; null for the defaults.</param>
    public SignalQualityMonitor(IReadOnlyList<string> channelNames, double sampleRate, double microvoltsPerQ31, SignalQualityOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(channelNames);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(microvoltsPerQ31);
        if (channelNames.Count is 0 or > 64)
        {
            throw new ArgumentException("Between 1 and 64 channels are supported (lead-off arrives as a 64-bit mask).", nameof(channelNames));
        }

        _options = options ?? new SignalQualityOptions();
        _names = [.. channelNames];
        _channels = _names.Length;
        _microvoltsPerQ31 = microvoltsPerQ31;
        SampleRate = sampleRate;
        WindowSamples = (int)Math.Round(_options.WindowSeconds * sampleRate);
        if (WindowSamples < 2)
        {
            throw new ArgumentException($"A window of {_options.WindowSeconds} s holds fewer than two samples at {sampleRate} SPS.", nameof(options));
        }

        if (_options.RailFractionOfFullScale is <= 0 or > 1)
        {
            throw new ArgumentException("The rail threshold is a fraction of full scale in (0, 1].", nameof(options));
        }

        if (!(_options.HoldOffSeconds >= 0 && _options.HoldOffSeconds <= 3600))
        {
            throw new ArgumentException($"The quality hold-off of {_options.HoldOffSeconds} s is out of range 0..3600 s.", nameof(options));
        }

        var constantRepeats = (int)Math.Round(_options.ConstantSeconds * sampleRate);
        if (!(constantRepeats >= 2))
        {
            throw new ArgumentException($"A constant input of {_options.ConstantSeconds} s holds fewer than two samples at {sampleRate} SPS.", nameof(options));
        }

        var railThreshold = (long)Math.Ceiling(_options.RailFractionOfFullScale * Q31.FullScale);
        _frontal = new bool[_channels];
        for (var c = 0; c < _channels; c++)
        {
            _frontal[c] = FrontalElectrodes.IsFrontal(_names[c], _options.FrontalRegions);
        }

        _bands = new QualityBands(_channels, sampleRate, _options);
        _front = new RawInputFront(_channels, sampleRate, railThreshold, constantRepeats);

        var chunk = ChunkFrames * _channels;
        _dcFree = new int[chunk];
        _work = new int[chunk];
        _issues = new QualityIssues[_channels];
        _metrics = new ChannelQualityMetrics[_channels];
        _memory = new ChannelQualityMemory(_channels, (long)Math.Round(_options.HoldOffSeconds * sampleRate));
        _verdicts = new ChannelVerdictCache(_channels);
    }

    public int Channels => _channels;

    public IReadOnlyList<string> ChannelNames => _names;

    public double SampleRate { get; }

    public SignalQualityOptions Options => _options;

    /// <summary>Samples per channel in one judged window.</summary>
    public int WindowSamples { get; }

    /// <summary>Windows judged since construction or <see cref="Reset"/>.</summary>
    public long WindowsCompleted { get; private set; }

    /// <summary>True for channels whose names mark them frontal, the ones checked for blinks.</summary>
    public bool IsFrontalChannel(int channel) => _frontal[CheckChannel(channel)];

    /// <summary>
    /// The chip's lead-off comparators, bit n for channel n (on one ADS1299: LOFF_STATP | LOFF_STATN from the status
    /// word). Takes effect at once, not at the end of the window: the chip's own comparator needs no averaging.
    /// </summary>
    public void SetLeadOff(ulong electrodesOffMask)
    {
        _leadOffMask = electrodesOffMask;
        _leadOffInWindow |= electrodesOffMask;
    }

    /// <summary>Samples the hold-off lasts (<see cref="SignalQualityOptions.HoldOffSeconds"/> at the sample rate).</summary>
    public long HoldOffSamples => _memory.HoldOffSamples;

    /// <summary>Seconds the channel has stayed usable since switch-on or since it was last found bad, capped at the hold-off.</summary>
    public double GoodSeconds(int channel) => _memory.GoodSamples(CheckChannel(channel)) / SampleRate;

    /// <summary>
    /// Adds an interleaved block of whole frames of raw Q31 samples (ADS1299 counts &lt;&lt; 8, unfiltered, DC
    /// offset present). Any block length; each time a window completes the verdicts are renewed. No allocation.
    /// </summary>
    public void Process(ReadOnlySpan<int> block)
    {
        if (block.Length % _channels != 0)
        {
            throw new ArgumentException($"A block holds whole frames of {_channels} channels; {block.Length} samples is not one.", nameof(block));
        }

        var offset = 0;
        while (offset < block.Length)
        {
            var frames = Math.Min(Math.Min(ChunkFrames, (block.Length - offset) / _channels), WindowSamples - _windowPosition);
            var length = frames * _channels;
            var raw = block.Slice(offset, length);
            var dcFree = _dcFree.AsSpan(0, length);
            var work = _work.AsSpan(0, length);
            _front.Process(raw, dcFree);
            _bands.Accumulate(dcFree, work);

            offset += length;
            _windowPosition += frames;
            if (_windowPosition == WindowSamples)
            {
                EndWindow();
            }
        }
    }

    /// <summary>
    /// The verdict on one channel: last window's findings, the chip's current lead-off report and a dead input seen
    /// now, then the memory (settling since switch-on or after a fault, or no verdict yet).
    /// </summary>
    public ChannelQuality Get(int channel) => _verdicts.Get(channel, CurrentIssues(CheckChannel(channel)), _metrics[channel]);

    /// <summary>The verdict as one value (no strings), for the per-window path; the same findings as <see cref="Get"/>.</summary>
    public ChannelCondition GetCondition(int channel) => QualityVerdicts.Condition(CurrentIssues(CheckChannel(channel)));

    ChannelCondition IChannelConditions.Get(int channel) => GetCondition(channel);

    public ChannelCondition SettlingFrom(int channel) => QualityVerdicts.SettlingFrom(_memory.LastBad(CheckChannel(channel)));

    public void CopyTo(Span<ChannelQuality> destination)
    {
        if (destination.Length < _channels)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; {_channels} channels need room.", nameof(destination));
        }

        for (var c = 0; c < _channels; c++)
        {
            destination[c] = Get(c);
        }
    }

    /// <summary>The measurements behind the last completed window's verdict on a channel.</summary>
    public ChannelQualityMetrics GetMetrics(int channel) => _metrics[CheckChannel(channel)];

    /// <summary>One line for the firmware log: "FC3 good, C3 bad (railed), Pz noisy (line noise 62% of power)".</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        for (var c = 0; c < _channels; c++)
        {
            if (c > 0)
            {
                text.Append(", ");
            }

            text.Append(_names[c]).Append(' ').Append(Get(c).ToString());
        }

        return text.ToString();
    }

    /// <summary>Forgets the stream: filters, the window in progress, all verdicts and the memory (lead-off is kept; the chip reports it).</summary>
    public void Reset()
    {
        _bands.Reset();
        _front.Reset();
        ClearWindow();
        Array.Clear(_issues);
        _memory.Reset();
        Array.Clear(_metrics);
        WindowsCompleted = 0;
    }

    private QualityIssues CurrentIssues(int channel)
    {
        var issues = _issues[channel];
        if (((_leadOffMask >> channel) & 1) != 0)
        {
            issues |= QualityIssues.LeadOff;
        }

        issues |= _front.DeadNow(channel);

        if ((issues & QualityIssues.Bad) != 0)
        {
            // Bad now outranks the memory; the window's noisy findings say nothing about a dead input.
            return issues & (QualityIssues.Bad | QualityIssues.LineNoise | QualityIssues.Emg | QualityIssues.Blink);
        }

        if (!_memory.IsJudged(channel))
        {
            return QualityIssues.NoVerdict;
        }

        return _memory.IsSettling(channel) ? QualityIssues.Settling | _memory.LastBad(channel) : issues;
    }

    private void EndWindow()
    {
        for (var c = 0; c < _channels; c++)
        {
            var railedFraction = _front.RailedSamples(c) / (double)WindowSamples;
            var (broadband, linePower, emgPower, livePower, blinkPeak) = _bands.Measure(c, WindowSamples, _microvoltsPerQ31);
            var rms = Math.Sqrt(broadband);
            var liveRms = Math.Sqrt(livePower);
            // The mains band's filter has a hair more gain at the mains frequency than the broadband one: a channel
            // that is nothing but mains would read 101%. Shares are capped at the whole.
            var lineRatio = broadband > 0 ? Math.Min(1, linePower / broadband) : 0;
            var emgRatio = broadband > 0 ? Math.Min(1, emgPower / broadband) : 0;
            _metrics[c] = new ChannelQualityMetrics(railedFraction, rms, lineRatio, emgRatio, blinkPeak);

            var issues = _front.DeadInWindow(c);
            if (railedFraction > _options.RailedSampleFraction)
            {
                issues |= QualityIssues.Railed;
            }
            else if (issues != QualityIssues.None)
            {
                // A dead stretch inside the window: its ratios measure the step into or out of it, not the electrode.
            }
            else if (rms < _options.FlatRmsMicrovolts || liveRms < _options.FlatRmsMicrovolts)
            {
                issues |= QualityIssues.Flat;
            }
            else
            {
                if (lineRatio > _options.LineNoiseRatio)
                {
                    issues |= QualityIssues.LineNoise;
                }

                if (_bands.HasEmg && emgRatio > _options.EmgRatio)
                {
                    issues |= QualityIssues.Emg;
                }

                if (_frontal[c] && blinkPeak > _options.BlinkThresholdMicrovolts)
                {
                    issues |= QualityIssues.Blink;
                }
            }

            _issues[c] = issues;
            if ((issues & QualityIssues.Bad) != 0 || ((_leadOffInWindow >> c) & 1) != 0)
            {
                _memory.Bad(c, issues | (((_leadOffInWindow >> c) & 1) != 0 ? QualityIssues.LeadOff : QualityIssues.None));
            }
            else
            {
                _memory.Good(c, WindowSamples);
            }
        }

        WindowsCompleted++;
        ClearWindow();
    }

    private void ClearWindow()
    {
        _bands.ClearWindow();
        _front.ClearWindow();
        _leadOffInWindow = _leadOffMask;
        _windowPosition = 0;
    }

    private int CheckChannel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, _channels);
        return channel;
    }
}
