using System.Globalization;
using EdgeBci.Signal.Chain;

namespace EdgeBci.Decoding.Bundle;

/// <summary>
/// Decides whether a verified model may run on this unit: the model must receive exactly the signal it was trained
/// on, so its channels must all be in the chain's output, the chain's output rate and the window must be the
/// model's, and the signal chain must be the same stage by stage. Every kind of mismatch has its own message, which
/// names both values; nothing is adapted silently (a model fed another filter or rate still produces confident
/// probabilities, just wrong ones).
/// </summary>
public static class BundleCompatibility
{
    /// <summary>Start of every channel mismatch message.</summary>
    public const string ChannelMismatch = "channel mismatch";

    /// <summary>Start of every rate mismatch message.</summary>
    public const string RateMismatch = "rate mismatch";

    /// <summary>Start of every window mismatch message.</summary>
    public const string WindowMismatch = "window mismatch";

    /// <summary>Start of every signal-chain mismatch message.</summary>
    public const string SignalChainMismatch = "signal chain mismatch";

    /// <summary>
    /// Checks <paramref name="manifest"/> against the running unit and returns where each model input channel is in
    /// the stream: <c>map[i]</c> is the stream index of <c>manifest.Channels[i]</c> (names compared ignoring case and
    /// surrounding spaces; eegmmidb-style labels such as "C3.." are normalised upstream, before they reach either list).
    /// </summary>
    /// <exception cref="ModelBundleException">
    /// The model does not fit; the message starts with "Model {id} {version} does not fit this unit:" and then one of
    /// <see cref="ChannelMismatch"/>, <see cref="RateMismatch"/>, <see cref="WindowMismatch"/> or
    /// <see cref="SignalChainMismatch"/>, naming the values (and, for the chain, the first differing configuration key).
    /// </exception>
    public static int[] Check(ModelManifest manifest, UnitConfiguration unit)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(unit);
        var map = MapChannels(manifest, unit);
        if (manifest.SampleRate != unit.OutputRate)
        {
            throw Mismatch(manifest, string.Create(CultureInfo.InvariantCulture,
                $"{RateMismatch}: the model takes {manifest.SampleRate} Hz, the chain outputs {unit.OutputRate} Hz."));
        }

        if (unit.WindowSamples is { } window && window != manifest.WindowSamples)
        {
            throw Mismatch(manifest, string.Create(CultureInfo.InvariantCulture,
                $"{WindowMismatch}: the model's window is {manifest.WindowSamples} samples, the running decoder's {window}."));
        }

        if (FirstDifference(manifest.SignalChain, manifest.SampleRate, unit.Signal, unit.ChipRate) is { } difference)
        {
            throw Mismatch(manifest, $"{SignalChainMismatch}: {difference}.");
        }

        return map;
    }

    /// <summary>
    /// The first configuration key whose value changes what the chain outputs, phrased
    /// "Signal:Filters[0].HighHz is 40 on the unit, 30 in the model"; null when both chains are the same. Compared in
    /// chain order: DcBlockerHz, NotchHz, NotchQ and NotchHarmonics (when there is a notch), the effective Butterworth
    /// stages (Type, Order, the edges the type uses), Reference, OutputRate. BlockFrames, Bands and
    /// BandPowerWindowSeconds are not compared: the chain's output does not depend on them.
    /// </summary>
    /// <param name="model">The chain recorded in the manifest.</param>
    /// <param name="modelRate">The manifest's sample rate (the chip's rate when the model's chain does not resample).</param>
    /// <param name="unit">The unit's chain.</param>
    /// <param name="chipRate">The unit's chip rate.</param>
    public static string? FirstDifference(SignalOptions model, double modelRate, SignalOptions unit, int chipRate)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(unit);
        const string S = SignalOptions.Section;
        if (Differs(unit.DcBlockerHz, model.DcBlockerHz))
        {
            return Describe($"{S}:DcBlockerHz", unit.DcBlockerHz, model.DcBlockerHz);
        }

        if (Differs(unit.NotchHz, model.NotchHz))
        {
            return Describe($"{S}:NotchHz", unit.NotchHz, model.NotchHz);
        }

        // Q and harmonics shape a notch only when there is one.
        if (model.NotchHz > 0)
        {
            if (Differs(unit.NotchQ, model.NotchQ))
            {
                return Describe($"{S}:NotchQ", unit.NotchQ, model.NotchQ);
            }

            if (unit.NotchHarmonics != model.NotchHarmonics)
            {
                return Describe($"{S}:NotchHarmonics", unit.NotchHarmonics, model.NotchHarmonics);
            }
        }

        // Unset filters mean the default band-pass on both sides, so the effective lists are compared.
        var unitFilters = unit.EffectiveFilters;
        var modelFilters = model.EffectiveFilters;
        if (unitFilters.Length != modelFilters.Length)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{S}:Filters has {unitFilters.Length} stage(s) on the unit ({Stages(unitFilters)}), {modelFilters.Length} in the model ({Stages(modelFilters)})");
        }

        for (var i = 0; i < unitFilters.Length; i++)
        {
            if (FilterDifference(i, unitFilters[i], modelFilters[i]) is { } filter)
            {
                return filter;
            }
        }

        if (!string.Equals(NormalizeReference(unit.Reference), NormalizeReference(model.Reference), StringComparison.OrdinalIgnoreCase))
        {
            return $"{S}:Reference is '{unit.Reference}' on the unit, '{model.Reference}' in the model";
        }

        // An output rate equal to the chip's rate means no resampler, the same chain as 0. The manifest records the
        // chip's rate only through SampleRate, which is the chip's rate when the model's chain did not resample.
        var unitResampled = unit.OutputRate == 0 || unit.OutputRate == chipRate ? 0 : unit.OutputRate;
        var modelResampled = model.OutputRate == 0 || model.OutputRate == modelRate ? 0 : model.OutputRate;
        if (unitResampled != modelResampled)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{S}:OutputRate is {unit.OutputRate} on the unit (chip at {chipRate} SPS, {Resampling(unitResampled)}), {model.OutputRate} in the model ({Resampling(modelResampled)})");
        }

        return null;
    }

    private static int[] MapChannels(ModelManifest manifest, UnitConfiguration unit)
    {
        var map = new int[manifest.Channels.Count];
        for (var i = 0; i < map.Length; i++)
        {
            var wanted = manifest.Channels[i].Trim();
            map[i] = -1;
            for (var s = 0; s < unit.ChannelNames.Count; s++)
            {
                if (string.Equals(unit.ChannelNames[s].Trim(), wanted, StringComparison.OrdinalIgnoreCase))
                {
                    map[i] = s;
                    break;
                }
            }

            if (map[i] < 0)
            {
                throw Mismatch(manifest,
                    $"{ChannelMismatch}: the model's channel '{manifest.Channels[i]}' is not among the chain's output channels [{string.Join(", ", unit.ChannelNames)}]; " +
                    $"the model needs [{string.Join(", ", manifest.Channels)}].");
            }
        }

        return map;
    }

    private static string? FilterDifference(int index, FilterSpecification unit, FilterSpecification model)
    {
        var key = string.Create(CultureInfo.InvariantCulture, $"{SignalOptions.Section}:Filters[{index}]");
        if (!string.Equals(unit.Type, model.Type, StringComparison.OrdinalIgnoreCase))
        {
            return $"{key}.Type is {unit.Type} on the unit, {model.Type} in the model";
        }

        if (unit.Order != model.Order)
        {
            return Describe($"{key}.Order", unit.Order, model.Order);
        }

        // Only the edges the filter type uses shape it (SignalChain.Design reads LowHz of a high-pass, HighHz of a low-pass).
        var type = model.Type.ToUpperInvariant();
        if (type != "LOWPASS" && Differs(unit.LowHz, model.LowHz))
        {
            return Describe($"{key}.LowHz", unit.LowHz, model.LowHz);
        }

        if (type != "HIGHPASS" && Differs(unit.HighHz, model.HighHz))
        {
            return Describe($"{key}.HighHz", unit.HighHz, model.HighHz);
        }

        return null;
    }

    // Exact comparison on purpose: both values come from configuration text, and a different design value gives
    // different quantised coefficients.
    private static bool Differs(double unit, double model) => !unit.Equals(model);

    private static string Describe(string key, double unit, double model) =>
        string.Create(CultureInfo.InvariantCulture, $"{key} is {unit} on the unit, {model} in the model");

    private static string Stages(FilterSpecification[] filters) => string.Join("; ", filters.Select(f => f.ToString()));

    private static string Resampling(int rate) =>
        rate == 0 ? "no resampling" : string.Create(CultureInfo.InvariantCulture, $"resampled to {rate} Hz");

    private static string NormalizeReference(string reference) => string.Concat(reference.Where(c => !char.IsWhiteSpace(c)));

    private static ModelBundleException Mismatch(ModelManifest manifest, string what) =>
        new($"Model {manifest.ModelId} {manifest.ModelVersion} does not fit this unit: {what}");
}
