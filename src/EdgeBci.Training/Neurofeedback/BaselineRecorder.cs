using System.Globalization;

namespace EdgeBci.Training.Neurofeedback;

/// <summary>How a baseline ended: the wearer's range, or why there is none.</summary>
/// <param name="Range">The range; null when the baseline was refused.</param>
/// <param name="Refusal">Plain words for the wearer's carer when refused (what was wrong and what to do); null otherwise.</param>
/// <param name="Seconds">Length of the baseline.</param>
/// <param name="UsableSeconds">Seconds with a ready focus index.</param>
public sealed record BaselineResult(BaselineRange? Range, string? Refusal, double Seconds, double UsableSeconds);

/// <summary>
/// Collects the baseline's focus samples and turns the ready ones into the wearer's <see cref="BaselineRange"/>, or
/// refuses the baseline when too little of it had a usable signal or the index hardly moved.
/// </summary>
public sealed class BaselineRecorder
{
    private readonly BaselineRules _rules;
    private readonly double _duration;
    private readonly List<double> _ready;
    private FocusSampleClock _clock;

    /// <param name="startSeconds">Time the baseline starts (the first sample stands for the time since then).</param>
    /// <param name="durationSeconds">The baseline's planned length (sets how much usable signal it needs).</param>
    /// <param name="rules">Percentiles and minimums; null for the defaults.</param>
    /// <param name="samplesPerSecond">Expected sample rate, to size the buffer once (4 for the focus index's 0.25 s hop).</param>
    /// <exception cref="ArgumentException">A rule is out of range (every problem named).</exception>
    public BaselineRecorder(double startSeconds, double durationSeconds, BaselineRules? rules = null, double samplesPerSecond = 4)
    {
        _rules = rules ?? new BaselineRules();
        var problems = _rules.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(rules));
        }

        if (!(durationSeconds > 0 && double.IsFinite(durationSeconds)))
        {
            throw new ArgumentOutOfRangeException(nameof(durationSeconds), durationSeconds, "The baseline must last a positive number of seconds.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(samplesPerSecond);
        _clock = new FocusSampleClock(startSeconds);
        _duration = durationSeconds;
        _ready = new List<double>((int)Math.Ceiling(Math.Min(durationSeconds * samplesPerSecond, 1 << 20)) + 1);
    }

    /// <summary>Seconds from the start to the last sample.</summary>
    public double Seconds => _clock.Elapsed;

    /// <summary>Seconds with a ready focus index.</summary>
    public double UsableSeconds { get; private set; }

    /// <summary>Seconds without one.</summary>
    public double NotReadySeconds => Seconds - UsableSeconds;

    /// <summary>Adds the focus index at <paramref name="timeSeconds"/>; null or NaN: not ready.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The time does not come after the previous sample's, or the score is outside 0..1.</exception>
    public void Add(double timeSeconds, double? score)
    {
        var usable = FocusSampleClock.Usable(score, timeSeconds);
        var interval = _clock.Advance(timeSeconds);
        if (usable is { } value)
        {
            UsableSeconds += interval;
            _ready.Add(value);
        }
    }

    /// <summary>The range from the samples so far, or the refusal in plain words.</summary>
    public BaselineResult Finish()
    {
        var seconds = Seconds;
        var usable = UsableSeconds;
        var needed = _rules.UsableSecondsNeeded(_duration);
        if (_ready.Count == 0)
        {
            return Refused(string.Create(CultureInfo.InvariantCulture,
                $"no usable focus signal during the {seconds:0.#} s baseline (no good focus channel): check the electrodes"));
        }

        if (usable < needed)
        {
            return Refused(string.Create(CultureInfo.InvariantCulture,
                $"the baseline had only {usable:0.#} s of usable signal (need {needed:0.#} s): check the electrodes"));
        }

        var sorted = _ready.ToArray();
        Array.Sort(sorted);
        var low = Percentile(sorted, _rules.LowPercentile);
        var high = Percentile(sorted, _rules.HighPercentile);
        if (high - low < _rules.MinimumSpread)
        {
            return Refused(string.Create(CultureInfo.InvariantCulture,
                $"the focus index hardly moved during the baseline ({low:0.000} to {high:0.000}, need a spread of {_rules.MinimumSpread:0.000}): check the electrodes and run the baseline again"));
        }

        return new BaselineResult(new BaselineRange(low, high), null, seconds, usable);

        BaselineResult Refused(string why) => new(null, why, seconds, usable);
    }

    /// <summary>Linear interpolation between the closest ranks (the usual "type 7" percentile).</summary>
    private static double Percentile(double[] sorted, double percent)
    {
        var rank = percent / 100 * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((rank - below) * (sorted[above] - sorted[below]));
    }
}
