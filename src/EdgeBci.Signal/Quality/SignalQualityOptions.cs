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

    /// <summary>
    /// Below this RMS, in the broadband band or in the live band, the input is dead (shorted, disconnected amplifier,
    /// zero stream, an amplifier drifting back from the rail with nothing on it).
    /// </summary>
    public double FlatRmsMicrovolts { get; init; } = 0.5;

    /// <summary>
    /// The live band: where scalp EEG always has power and a smooth drift or the DC blocker's tail after a step has
    /// none, so a recovering amplifier without an electrode is not mistaken for signal. Clipped below Nyquist.
    /// </summary>
    public double LiveLowHz { get; init; } = 4;

    public double LiveHighHz { get; init; } = 40;

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

    /// <summary>
    /// A channel that was bad counts as good again only after it has stayed good for this long (seconds of stream),
    /// so a flickering electrode cannot arm the unit in the second it happens to look good. 0 turns the memory off.
    /// </summary>
    public double HoldOffSeconds { get; init; } = 5;

    /// <summary>
    /// A raw input that repeats exactly the same value for this long is dead (a switched-off channel, a zero stream,
    /// an amplifier pinned at a rail) at once, without waiting for the window: a 24-bit converter on a live electrode
    /// never repeats itself for a tenth of a second.
    /// </summary>
    public double ConstantSeconds { get; init; } = 0.1;
}
