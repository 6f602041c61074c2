using System.Globalization;
using System.Text;
using EdgeBci.Signal.Design;
using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Quality;

/// <summary>Thresholds and bands of <see cref="SignalQualityMonitor"/>; the defaults suit scalp EEG at 250 SPS.</summary>
public sealed record SignalQualityOptions
{
    /// <summary>Mains frequency in Hz: 50 in Europe, Asia and Africa, 60 in the Americas.</summary>
    public double LineFrequencyHz { get; init; } = 50;

    /// <summary>Half-width of the band around <see cref="LineFrequencyHz"/> counted as mains (±2 Hz covers grid drift).</summary>
    public double LineBandHalfWidthHz { get; init; } = 2;

    /// <summary>Each verdict covers one window of this length; windows follow each other without overlap.</summary>
    public double WindowSeconds { get; init; } = 1.0;

    /// <summary>A sample is at the rail when |x| reaches this fraction of full scale.</summary>
    public double RailFractionOfFullScale { get; init; } = 0.95;

    /// <summary>A channel is railed when more than this share of the window's samples is at the rail.</summary>
    public double RailedSampleFraction { get; init; } = 0.10;

    /// <summary>Below this broadband RMS the input is dead (shorted, disconnected amplifier, zero stream).</summary>
    public double FlatRmsMicrovolts { get; init; } = 0.5;

    /// <summary>Broadband band, the denominator of the noise ratios; the upper edge is clipped below Nyquist.</summary>
    public double BroadbandLowHz { get; init; } = 1;

    public double BroadbandHighHz { get; init; } = 100;

    /// <summary>Noisy when mains power exceeds this share of broadband power.</summary>
    public double LineNoiseRatio { get; init; } = 0.5;

    /// <summary>Muscle (EMG) band; the upper edge is clipped below Nyquist, and the check is skipped if nothing is left.</summary>
    public double EmgLowHz { get; init; } = 55;

    public double EmgHighHz { get; init; } = 100;

    /// <summary>Noisy when EMG-band power exceeds this share of broadband power.</summary>
    public double EmgRatio { get; init; } = 0.4;

    /// <summary>Band in which blinks show on frontal electrodes.</summary>
    public double BlinkLowHz { get; init; } = 0.5;

    public double BlinkHighHz { get; init; } = 4;

    /// <summary>A blink is a low-frequency deflection whose peak exceeds this, on a frontal electrode.</summary>
    public double BlinkThresholdMicrovolts { get; init; } = 100;

    /// <summary>
    /// Scalp regions checked for blinks, as the letter part of a 10-20/10-10 name: "Fp" matches Fp1, Fp2 and Fpz,
    /// "F" matches F3 and Fz but not FC3 (add "FC" to include the fronto-central row).
    /// </summary>
    public IReadOnlyList<string> FrontalRegions { get; init; } = ["Fp", "AF", "F"];
}

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
/// Bad: lead-off reported by the chip (<see cref="SetLeadOff"/>, effective at once), railed, or a flat line.
/// Noisy: mains or EMG taking too large a share of broadband power, or a blink on a frontal electrode.
/// A bad channel is not also judged noisy, since its ratios measure nothing. Until the first window completes every
/// channel reads good (no evidence yet) unless the chip reports lead-off.
/// </para>
/// <para>
/// <see cref="Process"/> allocates nothing; the verdicts' strings are built when read, and only when a verdict
/// changed. Single-threaded.
/// </para>
/// </summary>
public sealed class SignalQualityMonitor
{
    // Filtering goes through scratch buffers of this many frames, so any block length works without allocating.
    private const int ChunkFrames = 64;

    // Fractional bits below Q31 kept by the DC blocker's state, so its rounding leaves no offset or limit cycle.
    private const int DcFractionBits = 16;

    // Cut-off the DC blocker aims at: below the 0.5 Hz blink band, well above electrode drift being tracked out.
    private const double DcCutoffHz = 0.15;

    private readonly string[] _names;
    private readonly int _channels;
    private readonly double _microvoltsPerQ31;
    private readonly SignalQualityOptions _options;
    private readonly bool[] _frontal;
    private readonly long _railThreshold;
    private readonly int _dcShift;
    private readonly bool _lineInsideEmg;

    private readonly BiquadCascadeQ31 _broadband;
    private readonly BiquadCascadeQ31 _line;
    private readonly BiquadCascadeQ31? _emg;
    private readonly BiquadCascadeQ31 _blink;

    private readonly int[] _dcFree;
    private readonly int[] _work;
    private readonly int[] _previousInput;
    private readonly long[] _dcState;
    private bool _primed;

    // Accumulators of the window in progress, per channel.
    private readonly int[] _railedSamples;
    private readonly Int128[] _broadbandSum;
    private readonly Int128[] _lineSum;
    private readonly Int128[] _emgSum;
    private readonly long[] _blinkPeak;
    private int _windowPosition;

    // Outcome of the last completed window, per channel.
    private readonly Issues[] _issues;
    private readonly ChannelQualityMetrics[] _metrics;
    private ulong _leadOffMask;

    // Verdicts as last built, and what they were built from, so unchanged verdicts cost no allocation.
    private readonly ChannelQuality[] _built;
    private readonly Issues[] _builtIssues;
    private readonly int[] _builtLinePercent;
    private readonly int[] _builtEmgPercent;

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

        _railThreshold = (long)Math.Ceiling(_options.RailFractionOfFullScale * Q31.FullScale);
        _frontal = new bool[_channels];
        for (var c = 0; c < _channels; c++)
        {
            _frontal[c] = IsFrontal(_names[c], _options.FrontalRegions);
        }

        // Filters stay below 0.4 fs: a Butterworth edge closer to Nyquist is warped into uselessness.
        var highest = 0.4 * sampleRate;
        var line = _options.LineFrequencyHz;
        var halfWidth = _options.LineBandHalfWidthHz;
        if (line <= 0 || halfWidth <= 0 || line - halfWidth <= 0 || line + halfWidth >= sampleRate / 2)
        {
            throw new ArgumentException($"Mains at {line} ± {halfWidth} Hz cannot be measured at {sampleRate} SPS.", nameof(options));
        }

        _broadband = BandPass(_options.BroadbandLowHz, Math.Min(_options.BroadbandHighHz, highest), "broadband");
        _line = BandPass(line - halfWidth, line + halfWidth, "mains");
        _blink = BandPass(_options.BlinkLowHz, _options.BlinkHighHz, "blink");
        var emgHigh = Math.Min(_options.EmgHighHz, highest);
        if (emgHigh > _options.EmgLowHz + 1)
        {
            _emg = BandPass(_options.EmgLowHz, emgHigh, "EMG");
            // 60 Hz mains falls inside the EMG band; its power is the line check's business, not muscle's.
            _lineInsideEmg = line + halfWidth > _options.EmgLowHz && line - halfWidth < emgHigh;
        }

        _dcShift = Math.Max(1, (int)Math.Round(Math.Log2(sampleRate / (2 * Math.PI * DcCutoffHz))));

        var chunk = ChunkFrames * _channels;
        _dcFree = new int[chunk];
        _work = new int[chunk];
        _previousInput = new int[_channels];
        _dcState = new long[_channels];
        _railedSamples = new int[_channels];
        _broadbandSum = new Int128[_channels];
        _lineSum = new Int128[_channels];
        _emgSum = new Int128[_channels];
        _blinkPeak = new long[_channels];
        _issues = new Issues[_channels];
        _metrics = new ChannelQualityMetrics[_channels];
        _built = new ChannelQuality[_channels];
        Array.Fill(_built, ChannelQuality.Good);
        _builtIssues = new Issues[_channels];
        _builtLinePercent = new int[_channels];
        _builtEmgPercent = new int[_channels];
    }

    [Flags]
    private enum Issues
    {
        None = 0,
        LeadOff = 1,
        Railed = 2,
        Flat = 4,
        LineNoise = 8,
        Emg = 16,
        Blink = 32,
        Bad = LeadOff | Railed | Flat,
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
    public void SetLeadOff(ulong electrodesOffMask) => _leadOffMask = electrodesOffMask;

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
            RemoveDcAndCountRails(raw, dcFree);

            dcFree.CopyTo(work);
            _broadband.Process(work);
            AddSquares(work, _broadbandSum);

            dcFree.CopyTo(work);
            _line.Process(work);
            AddSquares(work, _lineSum);

            if (_emg is not null)
            {
                dcFree.CopyTo(work);
                _emg.Process(work);
                AddSquares(work, _emgSum);
            }

            dcFree.CopyTo(work);
            _blink.Process(work);
            TrackPeaks(work);

            offset += length;
            _windowPosition += frames;
            if (_windowPosition == WindowSamples)
            {
                EndWindow();
            }
        }
    }

    /// <summary>The verdict on one channel: last window's findings plus the chip's current lead-off report.</summary>
    public ChannelQuality Get(int channel)
    {
        CheckChannel(channel);
        var issues = _issues[channel] | (((_leadOffMask >> channel) & 1) != 0 ? Issues.LeadOff : Issues.None);
        var linePercent = Percent(_metrics[channel].LineNoiseRatio);
        var emgPercent = Percent(_metrics[channel].EmgRatio);
        if (issues != _builtIssues[channel]
            || ((issues & Issues.LineNoise) != 0 && linePercent != _builtLinePercent[channel])
            || ((issues & Issues.Emg) != 0 && emgPercent != _builtEmgPercent[channel]))
        {
            _built[channel] = Build(issues, linePercent, emgPercent);
            _builtIssues[channel] = issues;
            _builtLinePercent[channel] = linePercent;
            _builtEmgPercent[channel] = emgPercent;
        }

        return _built[channel];
    }

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

    /// <summary>Forgets the stream: filters, the window in progress and all verdicts (lead-off is kept; the chip reports it).</summary>
    public void Reset()
    {
        _broadband.Reset();
        _line.Reset();
        _emg?.Reset();
        _blink.Reset();
        _primed = false;
        Array.Clear(_dcState);
        ClearWindow();
        Array.Clear(_issues);
        Array.Clear(_metrics);
        WindowsCompleted = 0;
    }

    private static bool IsFrontal(string name, IReadOnlyList<string> regions)
    {
        // The letter part of a 10-20 name: "Fp1" -> "Fp", "Fz" -> "F", "AFz" -> "AF", "FC3" -> "FC".
        var span = (name ?? string.Empty).AsSpan().Trim();
        var end = span.Length;
        while (end > 0 && char.IsAsciiDigit(span[end - 1]))
        {
            end--;
        }

        if (end == span.Length && end > 1 && span[end - 1] is 'z' or 'Z')
        {
            end--;
        }

        var region = span[..end];
        foreach (var candidate in regions)
        {
            if (region.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static int Percent(double ratio) => (int)Math.Round(ratio * 100);

    private static ChannelQuality Build(Issues issues, int linePercent, int emgPercent)
    {
        if (issues == Issues.None)
        {
            return ChannelQuality.Good;
        }

        // Worst first: the bad reasons in order of how directly they show the electrode is unusable, then the noisy ones.
        var reasons = new List<string>(4);
        if ((issues & Issues.LeadOff) != 0)
        {
            reasons.Add("lead-off");
        }

        if ((issues & Issues.Railed) != 0)
        {
            reasons.Add("railed");
        }

        if ((issues & Issues.Flat) != 0)
        {
            reasons.Add("flat line");
        }

        if ((issues & Issues.LineNoise) != 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"line noise {linePercent}% of power"));
        }

        if ((issues & Issues.Emg) != 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"EMG {emgPercent}% of power"));
        }

        if ((issues & Issues.Blink) != 0)
        {
            reasons.Add("blink");
        }

        var state = (issues & Issues.Bad) != 0 ? QualityState.Bad : QualityState.Noisy;
        return new ChannelQuality(state, string.Join(", ", reasons));
    }

    private BiquadCascadeQ31 BandPass(double lowHz, double highHz, string purpose)
    {
        if (lowHz <= 0 || highHz <= lowHz || highHz >= SampleRate / 2)
        {
            throw new ArgumentException($"The {purpose} band {lowHz}-{highHz} Hz does not fit below Nyquist at {SampleRate} SPS.", "options");
        }

        return new BiquadCascadeQ31(Butterworth.BandPass(2, lowHz, highHz, SampleRate), _channels);
    }

    /// <summary>
    /// Counts samples at the rail, then removes DC with an integer first-order high-pass,
    /// y[n] = x[n] − x[n−1] + (1 − 2^−k) y[n−1], its state carrying 16 bits below Q31. The impulse response sums to
    /// at most 2 in magnitude, so the state stays within 2^48 and the output is saturated, never wrapped.
    /// </summary>
    private void RemoveDcAndCountRails(ReadOnlySpan<int> raw, Span<int> dcFree)
    {
        if (!_primed)
        {
            // Start from the first sample, not from zero: the electrode offset would otherwise be a step of tens of
            // millivolts that takes seconds to decay through the blink band.
            raw[.._channels].CopyTo(_previousInput);
            _primed = true;
        }

        const long half = 1L << (DcFractionBits - 1);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = i % _channels;
            var x = raw[i];
            if (Math.Abs((long)x) >= _railThreshold)
            {
                _railedSamples[c]++;
            }

            var state = _dcState[c];
            state += (((long)x - _previousInput[c]) << DcFractionBits) - (state >> _dcShift);
            _dcState[c] = state;
            _previousInput[c] = x;
            dcFree[i] = Q31.Saturate((state + half) >> DcFractionBits);
        }
    }

    private void AddSquares(ReadOnlySpan<int> filtered, Int128[] sums)
    {
        for (var i = 0; i < filtered.Length; i++)
        {
            long value = filtered[i];
            sums[i % _channels] += value * value;
        }
    }

    private void TrackPeaks(ReadOnlySpan<int> filtered)
    {
        for (var i = 0; i < filtered.Length; i++)
        {
            var c = i % _channels;
            _blinkPeak[c] = Math.Max(_blinkPeak[c], Math.Abs((long)filtered[i]));
        }
    }

    private void EndWindow()
    {
        var samples = (double)WindowSamples;
        var microvoltsSquared = _microvoltsPerQ31 * _microvoltsPerQ31;
        for (var c = 0; c < _channels; c++)
        {
            var railedFraction = _railedSamples[c] / samples;
            var broadband = (double)_broadbandSum[c] / samples * microvoltsSquared;
            var linePower = (double)_lineSum[c] / samples * microvoltsSquared;
            var emgPower = (double)_emgSum[c] / samples * microvoltsSquared;
            if (_lineInsideEmg)
            {
                emgPower = Math.Max(0, emgPower - linePower);
            }

            var rms = Math.Sqrt(broadband);
            // The mains band's filter has a hair more gain at the mains frequency than the broadband one: a channel
            // that is nothing but mains would read 101%. Shares are capped at the whole.
            var lineRatio = broadband > 0 ? Math.Min(1, linePower / broadband) : 0;
            var emgRatio = broadband > 0 ? Math.Min(1, emgPower / broadband) : 0;
            var blinkPeak = _blinkPeak[c] * _microvoltsPerQ31;
            _metrics[c] = new ChannelQualityMetrics(railedFraction, rms, lineRatio, emgRatio, blinkPeak);

            var issues = Issues.None;
            if (railedFraction > _options.RailedSampleFraction)
            {
                issues |= Issues.Railed;
            }
            else if (rms < _options.FlatRmsMicrovolts)
            {
                issues |= Issues.Flat;
            }
            else
            {
                if (lineRatio > _options.LineNoiseRatio)
                {
                    issues |= Issues.LineNoise;
                }

                if (_emg is not null && emgRatio > _options.EmgRatio)
                {
                    issues |= Issues.Emg;
                }

                if (_frontal[c] && blinkPeak > _options.BlinkThresholdMicrovolts)
                {
                    issues |= Issues.Blink;
                }
            }

            _issues[c] = issues;
        }

        WindowsCompleted++;
        ClearWindow();
    }

    private void ClearWindow()
    {
        Array.Clear(_railedSamples);
        Array.Clear(_broadbandSum);
        Array.Clear(_lineSum);
        Array.Clear(_emgSum);
        Array.Clear(_blinkPeak);
        _windowPosition = 0;
    }

    private int CheckChannel(int channel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, _channels);
        return channel;
    }
}
