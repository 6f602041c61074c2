using System.Globalization;
using EdgeBci.Decoding.Inference;

namespace EdgeBci.Decoding;

/// <summary>The decoder's configuration (section "Decoding"); every value is checked by <see cref="Validate"/>.</summary>
public sealed class DecodingOptions
{
    public const string Section = "Decoding";

    /// <summary>The key of <see cref="Focus"/> inside the section.</summary>
    public const string FocusKey = "Focus";

    /// <summary>Folder of the model bundle to run; empty leaves decoding off.</summary>
    public string ModelPath { get; set; } = string.Empty;

    /// <summary>int8 (the bundle's model.onnx) or fp32 (model.fp32.onnx).</summary>
    public string Precision { get; set; } = "int8";

    /// <summary>Time between decoded windows (s); rounded to whole samples at the model's rate.</summary>
    public double HopSeconds { get; set; } = 0.25;

    /// <summary>ONNX Runtime intra-op threads.</summary>
    public int IntraOpThreads { get; set; } = 1;

    /// <summary>
    /// Keep ONNX Runtime's optimised model between runs: "false" (off), "true" (in a ".ort-cache" folder inside the
    /// bundle) or a folder path.
    /// </summary>
    public string OptimizedModelCache { get; set; } = "false";

    /// <summary>The largest <see cref="EvidenceFactor"/> for which one window cannot flip a decision (see <see cref="Live.EvidenceAccumulator"/>).</summary>
    public const double EvidenceFactorCeiling = 0.5;

    /// <summary>α of the evidence integration, (0, <see cref="EvidenceFactorCeiling"/>] (the one-window rule, see <see cref="Live.EvidenceAccumulator"/>).</summary>
    public double EvidenceFactor { get; set; } = 0.3;

    /// <summary>A window whose top probability is below this does not count toward its class, [0, 1].</summary>
    public double RejectionFloor { get; set; } = 0.55;

    public FocusOptions Focus { get; set; } = new();

    /// <summary><see cref="Precision"/> parsed; call <see cref="Validate"/> first.</summary>
    public ModelPrecision ParsedPrecision =>
        string.Equals(Precision.Trim(), "fp32", StringComparison.OrdinalIgnoreCase) ? ModelPrecision.Fp32 : ModelPrecision.Int8;

    /// <summary>Hop length in samples at <paramref name="sampleRate"/>: <see cref="HopSeconds"/> × rate, rounded half away from zero, at least 1.</summary>
    public int HopSamples(double sampleRate) => Math.Max(1, (int)Math.Round(HopSeconds * sampleRate, MidpointRounding.AwayFromZero));

    /// <summary>
    /// Where the optimised model of <paramref name="precision"/> is cached for the bundle in <paramref name="bundleFolder"/>,
    /// or null when caching is off.
    /// </summary>
    public string? OptimizedModelCachePath(string bundleFolder, ModelPrecision precision)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bundleFolder);
        var setting = OptimizedModelCache.Trim();
        if (setting.Length == 0 || setting.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var folder = setting.Equals("true", StringComparison.OrdinalIgnoreCase) ? Path.Combine(bundleFolder, ".ort-cache") : setting;
        return Path.GetFullPath(Path.Combine(folder, precision == ModelPrecision.Fp32 ? "model.fp32.optimized.onnx" : "model.optimized.onnx"));
    }

    /// <summary>The ONNX Runtime settings these options describe for the bundle in <paramref name="bundleFolder"/>.</summary>
    public InferenceOptions ToInferenceOptions(string bundleFolder) => new()
    {
        Precision = ParsedPrecision,
        IntraOpThreads = IntraOpThreads,
        OptimizedModelCachePath = OptimizedModelCachePath(bundleFolder, ParsedPrecision),
    };

    /// <summary>Every problem at once, each naming its key, its value and what is allowed.</summary>
    public IReadOnlyList<string> Validate()
    {
        // A ModelPath that does not (yet) hold a bundle is not a configuration error: the unit runs without a decoder,
        // says why, and takes the bundle up when one is placed there.
        var errors = new List<string>();

        if (!Precision.Trim().Equals("int8", StringComparison.OrdinalIgnoreCase) && !Precision.Trim().Equals("fp32", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"{Section}:Precision = '{Precision}' is not allowed; use int8 or fp32.");
        }

        if (!(HopSeconds > 0 && HopSeconds <= 10))
        {
            errors.Add(Invariant($"{Section}:HopSeconds = {HopSeconds} is out of range; use more than 0 and at most 10 s."));
        }

        if (IntraOpThreads is < 1 or > 64)
        {
            errors.Add(Invariant($"{Section}:IntraOpThreads = {IntraOpThreads} is out of range 1..64."));
        }

        var cache = OptimizedModelCache.Trim();
        if (cache.Length > 0 && !cache.Equals("true", StringComparison.OrdinalIgnoreCase) && !cache.Equals("false", StringComparison.OrdinalIgnoreCase)
            && cache.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            errors.Add($"{Section}:OptimizedModelCache = '{OptimizedModelCache}' is not allowed; use true, false or a folder path.");
        }

        if (!(EvidenceFactor > 0 && EvidenceFactor <= EvidenceFactorCeiling))
        {
            errors.Add(Invariant($"{Section}:EvidenceFactor = {EvidenceFactor} is out of range; use more than 0 and at most {EvidenceFactorCeiling} (above it one window can flip a decision: the flip margin α / (1 − α) exceeds 1)."));
        }

        if (!(RejectionFloor >= 0 && RejectionFloor <= 1))
        {
            errors.Add(Invariant($"{Section}:RejectionFloor = {RejectionFloor} is out of range 0..1."));
        }

        if (Focus is null)
        {
            errors.Add($"{Section}:{FocusKey} is missing.");
        }
        else
        {
            errors.AddRange(Focus.Validate());
        }

        return errors;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The focus meter's configuration (section "Decoding:Focus"); see <see cref="Live.FocusMeter"/>.</summary>
public sealed class FocusOptions
{
    /// <summary>Band-power averaging window (s); theta needs a few cycles of 4 Hz.</summary>
    public double WindowSeconds { get; set; } = 2;

    /// <summary>λ of the exponential smoothing of the score, (0, 1]; 1 is no smoothing.</summary>
    public double Smoothing { get; set; } = 0.2;

    /// <summary>Smoothed score at or above which the wearer counts as focused, 0..1.</summary>
    public double Threshold { get; set; } = 0.5;

    /// <summary>Device channels to average over (names); empty means all.</summary>
    public string[] Channels { get; set; } = [];

    /// <summary>Every problem at once, each naming its key.</summary>
    public IReadOnlyList<string> Validate()
    {
        const string Key = DecodingOptions.Section + ":" + DecodingOptions.FocusKey;
        var errors = new List<string>();
        if (!(WindowSeconds >= 0.5 && WindowSeconds <= 60))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Key}:WindowSeconds = {WindowSeconds} is out of range 0.5..60 s."));
        }

        if (!(Smoothing > 0 && Smoothing <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Key}:Smoothing = {Smoothing} is out of range; use more than 0 and at most 1 (1 = no smoothing)."));
        }

        if (!(Threshold >= 0 && Threshold <= 1))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{Key}:Threshold = {Threshold} is out of range 0..1."));
        }

        if (Channels is null || Channels.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{Key}:Channels has an empty name; list device channel names, or none for all.");
        }

        return errors;
    }
}
