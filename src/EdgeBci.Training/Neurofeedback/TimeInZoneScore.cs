namespace EdgeBci.Training.Neurofeedback;

/// <summary>
/// A session's score: the time the focus index spent in the <see cref="TargetZone"/> over the time it was usable.
/// Periods without a ready index (no good focus channel) count neither in nor out; they are reported
/// (<see cref="NotReadySeconds"/>, <see cref="NotReadyPeriods"/>).
/// <para>
/// No hysteresis: a sample is in the zone exactly when the bar the wearer sees is inside the band, so the reward never
/// contradicts the feedback and comes without lag (what operant conditioning needs). The focus meter already smooths
/// the index, which keeps the edge from flickering.
/// </para>
/// <para>Allocation-free per sample.</para>
/// </summary>
public sealed class TimeInZoneScore
{
    private FocusSampleClock _clock;
    private bool _lastReady = true;

    /// <param name="zone">The band rewarded.</param>
    /// <param name="startSeconds">Time the session starts (the first sample stands for the time since then).</param>
    public TimeInZoneScore(TargetZone zone, double startSeconds)
    {
        ArgumentNullException.ThrowIfNull(zone);
        Zone = zone;
        _clock = new FocusSampleClock(startSeconds);
    }

    public TargetZone Zone { get; }

    /// <summary>Seconds from the start to the last sample.</summary>
    public double Seconds => _clock.Elapsed;

    /// <summary>Seconds with a ready focus index.</summary>
    public double UsableSeconds { get; private set; }

    /// <summary>Usable seconds with the index in the zone.</summary>
    public double SecondsInZone { get; private set; }

    /// <summary>Seconds without a ready focus index.</summary>
    public double NotReadySeconds => Seconds - UsableSeconds;

    /// <summary>Separate stretches without a ready focus index.</summary>
    public int NotReadyPeriods { get; private set; }

    /// <summary><see cref="SecondsInZone"/> / <see cref="UsableSeconds"/>, 0..1; null while nothing was usable.</summary>
    public double? Score => UsableSeconds > 0 ? SecondsInZone / UsableSeconds : null;

    /// <summary>Adds the focus index at <paramref name="timeSeconds"/>; null or NaN: not ready.</summary>
    /// <returns>True when the sample is in the zone (false when not ready).</returns>
    /// <exception cref="ArgumentOutOfRangeException">The time does not come after the previous sample's, or the score is outside 0..1.</exception>
    public bool Add(double timeSeconds, double? score)
    {
        var usable = FocusSampleClock.Usable(score, timeSeconds);
        var interval = _clock.Advance(timeSeconds);
        if (usable is not { } value)
        {
            if (_lastReady)
            {
                NotReadyPeriods++;
            }

            _lastReady = false;
            return false;
        }

        _lastReady = true;
        UsableSeconds += interval;
        if (!Zone.Contains(value))
        {
            return false;
        }

        SecondsInZone += interval;
        return true;
    }
}
