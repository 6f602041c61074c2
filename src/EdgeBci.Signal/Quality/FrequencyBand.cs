using System.Globalization;

namespace EdgeBci.Signal.Quality;

/// <summary>
/// A named EEG frequency band, [<see cref="LowHz"/>, <see cref="HighHz"/>]. Bands come from configuration as text
/// ("alpha:8-13,beta:13-30") so that a study can move an edge without a firmware build; <see cref="Parse"/> reads
/// that text and <see cref="ToString"/> writes it back.
/// </summary>
public sealed record FrequencyBand
{
    public FrequencyBand(string name, double lowHz, double highHz)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!double.IsFinite(lowHz) || !double.IsFinite(highHz) || lowHz < 0 || highHz <= lowHz)
        {
            throw new ArgumentException($"Band '{name}' needs 0 <= low < high; got {lowHz.ToString(CultureInfo.InvariantCulture)}-{highHz.ToString(CultureInfo.InvariantCulture)} Hz.", nameof(highHz));
        }

        Name = name;
        LowHz = lowHz;
        HighHz = highHz;
    }

    public string Name { get; }

    public double LowHz { get; }

    public double HighHz { get; }

    public static FrequencyBand Delta { get; } = new("delta", 1, 4);

    public static FrequencyBand Theta { get; } = new("theta", 4, 8);

    public static FrequencyBand Alpha { get; } = new("alpha", 8, 13);

    public static FrequencyBand Beta { get; } = new("beta", 13, 30);

    public static FrequencyBand Gamma { get; } = new("gamma", 30, 45);

    /// <summary>The classical clinical bands, delta to low gamma; gamma stops at 45 Hz to stay clear of 50 Hz mains.</summary>
    public static IReadOnlyList<FrequencyBand> Defaults { get; } = [Delta, Theta, Alpha, Beta, Gamma];

    /// <summary>
    /// Reads a comma-separated list of <c>name:low-high</c> items (Hz, invariant culture, whitespace ignored).
    /// Throws <see cref="ArgumentException"/> naming the offending item, so a bad configuration line is found at
    /// start-up rather than as a silently missing band.
    /// </summary>
    public static IReadOnlyList<FrequencyBand> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        if (items.Length == 1 && items[0].Length == 0)
        {
            throw new ArgumentException("The band list is empty; expected items like \"alpha:8-13\".", nameof(text));
        }

        var bands = new List<FrequencyBand>(items.Length);
        foreach (var item in items)
        {
            var band = ParseItem(item);
            if (bands.Exists(existing => string.Equals(existing.Name, band.Name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ArgumentException($"Band item '{item}' repeats the name '{band.Name}'.", nameof(text));
            }

            bands.Add(band);
        }

        return bands;
    }

    /// <summary>The inverse of <see cref="Parse"/> for a list of bands.</summary>
    public static string Format(IEnumerable<FrequencyBand> bands) => string.Join(',', bands);

    /// <summary>The configuration form, <c>name:low-high</c>.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}:{LowHz}-{HighHz}");

    private static FrequencyBand ParseItem(string item)
    {
        var colon = item.IndexOf(':', StringComparison.Ordinal);
        var name = colon > 0 ? item[..colon].Trim() : string.Empty;
        var range = colon > 0 ? item[(colon + 1)..] : string.Empty;
        var dash = range.IndexOf('-', StringComparison.Ordinal);
        if (name.Length == 0 || dash <= 0
            || !double.TryParse(range[..dash], NumberStyles.Float, CultureInfo.InvariantCulture, out var low)
            || !double.TryParse(range[(dash + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var high))
        {
            throw new ArgumentException($"Band item '{item}' is not of the form name:low-high (for example alpha:8-13).", nameof(item));
        }

        if (!double.IsFinite(low) || !double.IsFinite(high) || low < 0 || high <= low)
        {
            throw new ArgumentException($"Band item '{item}' needs 0 <= low < high.", nameof(item));
        }

        return new FrequencyBand(name, low, high);
    }
}
