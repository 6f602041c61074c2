using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Quality;

/// <summary>
/// The quality monitor's first look at the raw samples, per channel: samples at the rail and runs of exact repeats
/// (a dead input) counted over the window, and the DC removed before the band filters. Single-threaded, no allocation.
/// </summary>
internal sealed class RawInputFront
{
    // Fractional bits below Q31 kept by the DC blocker's state, so its rounding leaves no offset or limit cycle.
    private const int DcFractionBits = 16;

    // Cut-off the DC blocker aims at: below the 0.5 Hz blink band, well above electrode drift being tracked out.
    private const double DcCutoffHz = 0.15;

    private readonly int _channels;
    private readonly long _railThreshold;
    private readonly int _constantRepeats;
    private readonly int _dcShift;
    private readonly int[] _previousInput;
    private readonly long[] _dcState;
    private readonly int[] _railedSamples;

    // Raw samples that repeated the one before, per channel, and what a long enough run of them was in this window.
    private readonly int[] _repeats;
    private readonly QualityIssues[] _deadInWindow;
    private bool _primed;

    public RawInputFront(int channels, double sampleRate, long railThreshold, int constantRepeats)
    {
        _channels = channels;
        _railThreshold = railThreshold;
        _constantRepeats = constantRepeats;
        _dcShift = Math.Max(1, (int)Math.Round(Math.Log2(sampleRate / (2 * Math.PI * DcCutoffHz))));
        _previousInput = new int[channels];
        _dcState = new long[channels];
        _railedSamples = new int[channels];
        _repeats = new int[channels];
        _deadInWindow = new QualityIssues[channels];
    }

    /// <summary>Samples at or beyond the rail in the window so far.</summary>
    public int RailedSamples(int channel) => _railedSamples[channel];

    /// <summary>Railed or Constant when a run of exact repeats reached the limit somewhere in the window.</summary>
    public QualityIssues DeadInWindow(int channel) => _deadInWindow[channel];

    /// <summary>Railed or Constant while the newest samples are such a run, else None.</summary>
    public QualityIssues DeadNow(int channel) => _repeats[channel] < _constantRepeats ? QualityIssues.None : Dead(_previousInput[channel]);

    public void ClearWindow()
    {
        Array.Clear(_railedSamples);
        Array.Clear(_deadInWindow);
    }

    public void Reset()
    {
        _primed = false;
        Array.Clear(_dcState);
        Array.Clear(_repeats);
        ClearWindow();
    }

    /// <summary>
    /// Counts samples at the rail and exact repeats (a run of them is a dead input, bad at once), then removes DC with an integer first-order high-pass,
    /// y[n] = x[n] − x[n−1] + (1 − 2^−k) y[n−1], its state carrying 16 bits below Q31. The impulse response sums to
    /// at most 2 in magnitude, so the state stays within 2^48 and the output is saturated, never wrapped.
    /// </summary>
    public void Process(ReadOnlySpan<int> raw, Span<int> dcFree)
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

            if (x == _previousInput[c])
            {
                if (++_repeats[c] >= _constantRepeats)
                {
                    _deadInWindow[c] |= Dead(x);
                }
            }
            else
            {
                if (_repeats[c] >= _constantRepeats)
                {
                    // Leaving a dead stretch (the rail, a switched-off input): start the DC blocker afresh, as at
                    // start-up. Its tail after a step of a hundred millivolts would otherwise read as broadband signal
                    // for seconds, long enough to outlast the hold-off and make a dead, drifting input look good.
                    _dcState[c] = 0;
                    _previousInput[c] = x;
                }

                _repeats[c] = 0;
            }

            var state = _dcState[c];
            state += (((long)x - _previousInput[c]) << DcFractionBits) - (state >> _dcShift);
            _dcState[c] = state;
            _previousInput[c] = x;
            dcFree[i] = Q31.Saturate((state + half) >> DcFractionBits);
        }
    }

    private QualityIssues Dead(int value) => Math.Abs((long)value) >= _railThreshold ? QualityIssues.Railed : QualityIssues.Constant;
}
