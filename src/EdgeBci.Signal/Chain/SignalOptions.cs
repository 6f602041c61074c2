using System.Globalization;

namespace EdgeBci.Signal.Chain;

/// <summary>One designed IIR stage of the chain, as written in configuration (Signal:Filters).</summary>
public sealed class FilterSpecification
{
    /// <summary>HighPass, LowPass, BandPass or BandStop (Butterworth).</summary>
    public string Type { get; set; } = "BandPass";

    /// <summary>Butterworth order N (scipy's convention: a band-pass of order N has 2N poles, N sections).</summary>
    public int Order { get; set; } = 4;

    /// <summary>Cut-off of a high-pass, or lower edge of a band (Hz).</summary>
    public double LowHz { get; set; }

    /// <summary>Cut-off of a low-pass, or upper edge of a band (Hz).</summary>
    public double HighHz { get; set; }

    public override string ToString() => Type.ToUpperInvariant() switch
    {
        "HIGHPASS" => string.Create(CultureInfo.InvariantCulture, $"high-pass {LowHz:0.###} Hz order {Order}"),
        "LOWPASS" => string.Create(CultureInfo.InvariantCulture, $"low-pass {HighHz:0.###} Hz order {Order}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{Type.ToLowerInvariant()} {LowHz:0.###}-{HighHz:0.###} Hz order {Order}"),
    };
}

/// <summary>The signal chain's configuration (section "Signal"); every value is checked by <see cref="Validate"/>.</summary>
public sealed class SignalOptions
{
    public const string Section = "Signal";

    /// <summary>First-order DC blocker cut-off in Hz; 0 leaves it out.</summary>
    public double DcBlockerHz { get; set; } = 0.5;

    /// <summary>Mains notch frequency: 50 or 60 Hz, or 0 for none.</summary>
    public double NotchHz { get; set; } = 50;

    /// <summary>Notch quality factor (centre frequency over -3 dB width).</summary>
    public double NotchQ { get; set; } = 30;

    /// <summary>Harmonics of the mains frequency notched as well (those below Nyquist).</summary>
    public int NotchHarmonics { get; set; }

    /// <summary>Butterworth stages after the notch; unset means one band-pass 8-30 Hz of order 4.</summary>
    public FilterSpecification[] Filters { get; set; } = [];

    /// <summary>none, average (common average), or bipolar:C3-Cz,C4-Cz.</summary>
    public string Reference { get; set; } = "none";

    /// <summary>Rate the decoder takes; 0 keeps the chip's rate.</summary>
    public int OutputRate { get; set; }

    /// <summary>Bands for band power, name:low-high, comma-separated.</summary>
    public string Bands { get; set; } = "delta:1-4,theta:4-8,alpha:8-13,beta:13-30,gamma:30-45";

    public double BandPowerWindowSeconds { get; set; } = 1.0;

    /// <summary>
    /// At most this many frames go through the chain in one call on the unit: a frame is processed as soon as it
    /// arrives, and frames that piled up while the thread was busy go through together, up to this many.
    /// </summary>
    public int BlockFrames { get; set; } = 8;

    /// <summary>
    /// Seconds a channel found bad (railed, flat, constant, lead-off) must stay good before it counts as good again:
    /// for the decoder, which rejects windows until then, and for arming. 0 turns the memory off.
    /// </summary>
    public double QualityHoldOffSeconds { get; set; } = 5;

    public static FilterSpecification DefaultBandPass => new() { Type = "BandPass", Order = 4, LowHz = 8, HighHz = 30 };

    /// <summary>The Butterworth stages the chain actually runs: <see cref="Filters"/>, or the default band-pass when unset.</summary>
    public FilterSpecification[] EffectiveFilters => Filters.Length == 0 ? [DefaultBandPass] : Filters;

    /// <summary>A copy with <see cref="Filters"/> spelled out, for records that must say exactly which chain ran.</summary>
    public SignalOptions Explicit() => new()
    {
        DcBlockerHz = DcBlockerHz,
        NotchHz = NotchHz,
        NotchQ = NotchQ,
        NotchHarmonics = NotchHarmonics,
        Filters = EffectiveFilters,
        Reference = Reference,
        OutputRate = OutputRate,
        Bands = Bands,
        BandPowerWindowSeconds = BandPowerWindowSeconds,
        BlockFrames = BlockFrames,
    };

    /// <summary>Every problem at once, each naming its key and what is allowed.</summary>
    public IReadOnlyList<string> Validate(double sampleRate)
    {
        var errors = new List<string>();
        var nyquist = sampleRate / 2;
        if (DcBlockerHz < 0 || DcBlockerHz >= nyquist || double.IsNaN(DcBlockerHz))
        {
            errors.Add($"{Section}:DcBlockerHz = {DcBlockerHz} is out of range 0 (off) .. {nyquist} Hz.");
        }

        if (NotchHz is not (0 or 50 or 60))
        {
            errors.Add($"{Section}:NotchHz = {NotchHz} is not allowed; use 50, 60 or 0 (off).");
        }
        else if (NotchHz >= nyquist)
        {
            errors.Add($"{Section}:NotchHz = {NotchHz} is at or above the Nyquist frequency {nyquist} Hz of {sampleRate} SPS.");
        }

        if (NotchQ is < 1 or > 200 || double.IsNaN(NotchQ))
        {
            errors.Add($"{Section}:NotchQ = {NotchQ} is out of range 1..200.");
        }

        if (NotchHarmonics is < 0 or > 10)
        {
            errors.Add($"{Section}:NotchHarmonics = {NotchHarmonics} is out of range 0..10.");
        }

        for (var i = 0; i < Filters.Length; i++)
        {
            ValidateFilter(Filters[i], i, nyquist, errors);
        }

        if (OutputRate < 0 || OutputRate > sampleRate * 4)
        {
            errors.Add($"{Section}:OutputRate = {OutputRate} is out of range 0 (the chip's rate) .. {sampleRate * 4}.");
        }

        if (BandPowerWindowSeconds is < 0.1 or > 60 || double.IsNaN(BandPowerWindowSeconds))
        {
            errors.Add($"{Section}:BandPowerWindowSeconds = {BandPowerWindowSeconds} is out of range 0.1..60.");
        }

        if (BlockFrames is < 1 or > 4096)
        {
            errors.Add($"{Section}:BlockFrames = {BlockFrames} is out of range 1..4096.");
        }

        if (!(QualityHoldOffSeconds is >= 0 and <= 600))
        {
            errors.Add($"{Section}:QualityHoldOffSeconds = {QualityHoldOffSeconds} is out of range 0 (no memory) .. 600 s.");
        }

        return errors;
    }

    private static void ValidateFilter(FilterSpecification filter, int index, double nyquist, List<string> errors)
    {
        var key = $"{Section}:Filters:{index}";
        var type = filter.Type.ToUpperInvariant();
        if (type is not ("HIGHPASS" or "LOWPASS" or "BANDPASS" or "BANDSTOP"))
        {
            errors.Add($"{key}:Type = '{filter.Type}' is not allowed; use HighPass, LowPass, BandPass or BandStop.");
            return;
        }

        if (filter.Order is < 1 or > 8)
        {
            errors.Add($"{key}:Order = {filter.Order} is out of range 1..8.");
        }

        var needsLow = type is "HIGHPASS" or "BANDPASS" or "BANDSTOP";
        var needsHigh = type is "LOWPASS" or "BANDPASS" or "BANDSTOP";
        if (needsLow && !(filter.LowHz > 0 && filter.LowHz < nyquist))
        {
            errors.Add($"{key}:LowHz = {filter.LowHz} must be between 0 and the Nyquist frequency {nyquist} Hz.");
        }

        if (needsHigh && !(filter.HighHz > 0 && filter.HighHz < nyquist))
        {
            errors.Add($"{key}:HighHz = {filter.HighHz} must be between 0 and the Nyquist frequency {nyquist} Hz.");
        }

        if (needsLow && needsHigh && filter.LowHz >= filter.HighHz)
        {
            errors.Add($"{key}: LowHz {filter.LowHz} must be below HighHz {filter.HighHz}.");
        }
    }
}
