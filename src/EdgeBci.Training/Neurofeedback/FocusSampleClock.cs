using System.Globalization;

namespace EdgeBci.Training.Neurofeedback;

/// <summary>
/// The time accounting shared by the baseline and the session: focus samples arrive with their times (seconds on any
/// clock that only moves forward), and each sample stands for the interval since the previous one (since the start for
/// the first), because the focus index at time t describes the signal that led up to t. A sample is usable when the
/// index was ready (a finite number); a not-ready one counts neither as focused nor as not focused.
/// </summary>
internal struct FocusSampleClock
{
    private readonly double _start;
    private double _last;

    public FocusSampleClock(double startSeconds)
    {
        if (!double.IsFinite(startSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(startSeconds), startSeconds, "The start time must be a finite number of seconds.");
        }

        _start = startSeconds;
        _last = startSeconds;
    }

    /// <summary>Seconds from the start to the last sample.</summary>
    public readonly double Elapsed => _last - _start;

    /// <summary>Seconds the sample at <paramref name="timeSeconds"/> stands for.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time does not come after the previous sample's.</exception>
    public double Advance(double timeSeconds)
    {
        if (!(timeSeconds > _last) || !double.IsFinite(timeSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(timeSeconds), timeSeconds, string.Create(CultureInfo.InvariantCulture,
                $"Focus samples must come in time order: a sample at {timeSeconds} s after one at {_last} s."));
        }

        var interval = timeSeconds - _last;
        _last = timeSeconds;
        return interval;
    }

    /// <summary>The focus score when it is usable, null when the index was not ready (null or NaN).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A number outside 0..1 (the focus index never gives one).</exception>
    public static double? Usable(double? score, double timeSeconds)
    {
        if (score is not { } value || double.IsNaN(value))
        {
            return null;
        }

        if (!(value >= 0 && value <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(score), value, string.Create(CultureInfo.InvariantCulture,
                $"A focus score is 0..1; the sample at {timeSeconds} s is {value}."));
        }

        return value;
    }
}
