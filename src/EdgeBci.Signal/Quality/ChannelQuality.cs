namespace EdgeBci.Signal.Quality;

/// <summary>How usable a channel is, worst last so states compare by severity.</summary>
public enum QualityState
{
    /// <summary>Usable for decoding.</summary>
    Good,

    /// <summary>Carries signal, but an artefact (mains, muscle, a blink) dominates it for now.</summary>
    Noisy,

    /// <summary>
    /// Not usable yet: no window judged so far, or found bad less than the hold-off ago and good since
    /// (<see cref="SignalQualityOptions.HoldOffSeconds"/>).
    /// </summary>
    Settling,

    /// <summary>No usable signal: the electrode is off, the amplifier is railed, or the input is dead.</summary>
    Bad,
}

/// <summary>
/// The verdict on one channel and why, in words fit for the firmware log and the operator's screen
/// ("railed", "line noise 38% of power", "after railed" while settling). When several problems apply, <see cref="Reason"/> lists them worst first,
/// separated by ", ". A good channel has an empty reason.
/// </summary>
public readonly record struct ChannelQuality(QualityState State, string Reason)
{
    public static ChannelQuality Good { get; } = new(QualityState.Good, string.Empty);

    public bool IsGood => State == QualityState.Good;

    /// <summary>The state in lower case followed by the reason in brackets, e.g. "bad (railed)", or just "good".</summary>
    public override string ToString() => State switch
    {
        QualityState.Good => "good",
        QualityState.Noisy => $"noisy ({Reason})",
        QualityState.Settling => $"settling ({Reason})",
        _ => $"bad ({Reason})",
    };
}

/// <summary>
/// The measurements behind a channel's verdict over the last completed window, for telemetry and for tuning the
/// thresholds in <see cref="SignalQualityOptions"/>.
/// </summary>
/// <param name="RailedFraction">Share of samples at or beyond the rail threshold.</param>
/// <param name="BroadbandRmsMicrovolts">RMS of the DC-free signal in the broadband (1–100 Hz) band.</param>
/// <param name="LineNoiseRatio">Power within ± the half-width of the mains frequency over broadband power.</param>
/// <param name="EmgRatio">Power in the EMG band (mains band excluded) over broadband power.</param>
/// <param name="LowFrequencyPeakMicrovolts">Largest |value| of the 0.5–4 Hz band-passed signal (blinks, eye movements).</param>
public readonly record struct ChannelQualityMetrics(
    double RailedFraction,
    double BroadbandRmsMicrovolts,
    double LineNoiseRatio,
    double EmgRatio,
    double LowFrequencyPeakMicrovolts);
