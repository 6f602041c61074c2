using EdgeBci.Signal.Design;
using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Quality;

/// <summary>What one channel's bands held over a window: mean powers (µV²) and the blink band's peak (µV).</summary>
/// <param name="BroadbandPower">Mean power in the broadband (1–100 Hz) band.</param>
/// <param name="LinePower">Mean power in the mains band.</param>
/// <param name="EmgPower">Mean power in the EMG band, with the mains band's taken out when mains falls inside it; 0 without an EMG band.</param>
/// <param name="LivePower">Mean power in the live (4–40 Hz) band.</param>
/// <param name="BlinkPeakMicrovolts">Largest |value| of the blink (0.5–4 Hz) band.</param>
internal readonly record struct BandMeasures(double BroadbandPower, double LinePower, double EmgPower, double LivePower, double BlinkPeakMicrovolts);

/// <summary>
/// The quality monitor's fixed-point Butterworth band-passes (broadband, mains, EMG, live, blink) on the DC-free raw
/// stream, and each channel's power in them over the window in progress. Single-threaded; no allocation after construction.
/// </summary>
internal sealed class QualityBands
{
    private readonly int _channels;
    private readonly double _sampleRate;
    private readonly bool _lineInsideEmg;

    private readonly BiquadCascadeQ31 _broadband;
    private readonly BiquadCascadeQ31 _line;
    private readonly BiquadCascadeQ31? _emg;
    private readonly BiquadCascadeQ31 _blink;
    private readonly BiquadCascadeQ31 _live;

    private readonly Int128[] _broadbandSum;
    private readonly Int128[] _lineSum;
    private readonly Int128[] _emgSum;
    private readonly Int128[] _liveSum;
    private readonly long[] _blinkPeak;

    /// <exception cref="ArgumentException">A band of <paramref name="options"/> does not fit below Nyquist (named).</exception>
    public QualityBands(int channels, double sampleRate, SignalQualityOptions options)
    {
        _channels = channels;
        _sampleRate = sampleRate;

        // Filters stay below 0.4 fs: a Butterworth edge closer to Nyquist is warped into uselessness.
        var highest = 0.4 * sampleRate;
        var line = options.LineFrequencyHz;
        var halfWidth = options.LineBandHalfWidthHz;
        if (line <= 0 || halfWidth <= 0 || line - halfWidth <= 0 || line + halfWidth >= sampleRate / 2)
        {
            throw new ArgumentException($"Mains at {line} ± {halfWidth} Hz cannot be measured at {sampleRate} SPS.", nameof(options));
        }

        _broadband = BandPass(options.BroadbandLowHz, Math.Min(options.BroadbandHighHz, highest), "broadband");
        _line = BandPass(line - halfWidth, line + halfWidth, "mains");
        _blink = BandPass(options.BlinkLowHz, options.BlinkHighHz, "blink");
        _live = BandPass(options.LiveLowHz, Math.Min(options.LiveHighHz, highest), "live");
        var emgHigh = Math.Min(options.EmgHighHz, highest);
        if (emgHigh > options.EmgLowHz + 1)
        {
            _emg = BandPass(options.EmgLowHz, emgHigh, "EMG");
            // 60 Hz mains falls inside the EMG band; its power is the line check's business, not muscle's.
            _lineInsideEmg = line + halfWidth > options.EmgLowHz && line - halfWidth < emgHigh;
        }

        _broadbandSum = new Int128[channels];
        _lineSum = new Int128[channels];
        _emgSum = new Int128[channels];
        _liveSum = new Int128[channels];
        _blinkPeak = new long[channels];
    }

    /// <summary>False when the sample rate leaves no room for an EMG band (its ratio is then not judged).</summary>
    public bool HasEmg => _emg is not null;

    /// <summary>Filters whole interleaved frames of the DC-free stream into each band and accumulates them; <paramref name="work"/> is scratch of the same length.</summary>
    public void Accumulate(ReadOnlySpan<int> dcFree, Span<int> work)
    {
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
        _live.Process(work);
        AddSquares(work, _liveSum);

        dcFree.CopyTo(work);
        _blink.Process(work);
        for (var i = 0; i < work.Length; i++)
        {
            var c = i % _channels;
            _blinkPeak[c] = Math.Max(_blinkPeak[c], Math.Abs((long)work[i]));
        }
    }

    /// <summary>The channel's bands over the window of <paramref name="samples"/> accumulated so far.</summary>
    public BandMeasures Measure(int channel, int samples, double microvoltsPerQ31)
    {
        var scale = microvoltsPerQ31 * microvoltsPerQ31 / samples;
        var linePower = (double)_lineSum[channel] * scale;
        var emgPower = (double)_emgSum[channel] * scale;
        if (_lineInsideEmg)
        {
            emgPower = Math.Max(0, emgPower - linePower);
        }

        return new BandMeasures((double)_broadbandSum[channel] * scale, linePower, emgPower, (double)_liveSum[channel] * scale,
            _blinkPeak[channel] * microvoltsPerQ31);
    }

    /// <summary>Starts a new window (the filters keep their state).</summary>
    public void ClearWindow()
    {
        Array.Clear(_broadbandSum);
        Array.Clear(_lineSum);
        Array.Clear(_emgSum);
        Array.Clear(_liveSum);
        Array.Clear(_blinkPeak);
    }

    /// <summary>Forgets the stream: filter state and the window in progress.</summary>
    public void Reset()
    {
        _broadband.Reset();
        _line.Reset();
        _emg?.Reset();
        _blink.Reset();
        _live.Reset();
        ClearWindow();
    }

    private BiquadCascadeQ31 BandPass(double lowHz, double highHz, string purpose)
    {
        if (lowHz <= 0 || highHz <= lowHz || highHz >= _sampleRate / 2)
        {
            throw new ArgumentException($"The {purpose} band {lowHz}-{highHz} Hz does not fit below Nyquist at {_sampleRate} SPS.", "options");
        }

        return new BiquadCascadeQ31(Butterworth.BandPass(2, lowHz, highHz, _sampleRate), _channels);
    }

    private void AddSquares(ReadOnlySpan<int> filtered, Int128[] sums)
    {
        for (var i = 0; i < filtered.Length; i++)
        {
            long value = filtered[i];
            sums[i % _channels] += value * value;
        }
    }
}
