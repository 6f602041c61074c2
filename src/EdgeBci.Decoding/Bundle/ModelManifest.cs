using System.Text.Json.Serialization;
using EdgeBci.Signal.Chain;

namespace EdgeBci.Decoding.Bundle;

/// <summary>
/// <c>manifest.json</c> of a model bundle: everything the unit must know to feed the model exactly what it was trained
/// on, and the SHA-256 of every file so the unit never runs a model it could not verify.
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The manifest layout this firmware reads; a bundle written for another layout is refused.</summary>
    public const int CurrentSchemaVersion = 1;

    public const string FileName = "manifest.json";

    /// <summary>The int8 model the unit runs.</summary>
    public const string Int8ModelFile = "model.onnx";

    /// <summary>The fp32 model it was quantized from (reference, fallback and re-quantization).</summary>
    public const string Fp32ModelFile = "model.fp32.onnx";

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Stable name of the model family and task, e.g. "s001-hands-vs-feet".</summary>
    public required string ModelId { get; init; }

    /// <summary>Version of this training, e.g. "2026.11.25.1"; the pair (id, version) names one bundle.</summary>
    public required string ModelVersion { get; init; }

    public DateTimeOffset CreatedUtc { get; init; }

    /// <summary>Tool and command line that produced the bundle, so it can be rebuilt.</summary>
    public string? CreatedBy { get; init; }

    /// <summary>EEG channel names in the order of the model input's channel axis.</summary>
    public required IReadOnlyList<string> Channels { get; init; }

    /// <summary>Rate of the samples the model takes, after the signal chain (Hz).</summary>
    public required double SampleRate { get; init; }

    /// <summary>Samples per channel per window: the model's fixed input length.</summary>
    public required int WindowSamples { get; init; }

    /// <summary>Where the training windows started relative to the cue (s); informative.</summary>
    public double WindowOffsetSeconds { get; init; }

    /// <summary>Suggested hop between decoded windows on the unit (s).</summary>
    public double HopSeconds { get; init; } = 0.25;

    /// <summary>The task the model was trained for: runs, which annotation is which class, the window after the cue.</summary>
    public ModelTask? Task { get; init; }

    /// <summary>Class names in the order of the model's output.</summary>
    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>The signal chain the training data went through; the unit must run the same one.</summary>
    public required SignalOptions SignalChain { get; init; }

    public required ModelNormalization Normalization { get; init; }

    public required ModelTensors Tensors { get; init; }

    public ModelQuantization? Quantization { get; init; }

    /// <summary>
    /// The wearer's spatial alignment, applied by the graph itself as its first node (a MatMul with the initializer
    /// named <see cref="ModelAlignment.InitializerName"/>), recorded here with the data it was computed from. Absent
    /// (null) means the identity: bundles written before alignment existed, and base models, whose wearer brings their own.
    /// </summary>
    public ModelAlignment? Alignment { get; init; }

    /// <summary>
    /// The training engine's weights, for a model meant to be fine-tuned on the unit (a base model): the file, listed
    /// and hashed in <see cref="Files"/> like the others, and the architecture needed to rebuild the network around it.
    /// </summary>
    public ModelCheckpointReference? Checkpoint { get; init; }

    /// <summary>How the model did when it was trained, for the record.</summary>
    public IReadOnlyList<ModelMetric> Metrics { get; init; } = [];

    /// <summary>The recordings the model was trained on, with their SHA-256.</summary>
    public IReadOnlyList<BundleFile> TrainingRecordings { get; init; } = [];

    /// <summary>Every file of the bundle (the manifest excepted) with its SHA-256 and size.</summary>
    public required IReadOnlyList<BundleFile> Files { get; init; }

    [JsonIgnore]
    public double WindowSeconds => WindowSamples / SampleRate;
}

/// <summary>How microvolt windows are scaled before the network.</summary>
/// <param name="Kind">"fixed-scale" (per-channel mean removed, divided by <paramref name="ScaleMicrovolts"/>) or "channel-zscore".</param>
/// <param name="InGraph">True when the ONNX graph does the normalisation itself, so the unit feeds microvolts.</param>
public sealed record ModelNormalization(string Kind, double ScaleMicrovolts, bool InGraph);

/// <summary>Names of the model's input and outputs.</summary>
/// <param name="Input">Float [batch, channels, samples] in microvolts.</param>
/// <param name="Probabilities">Float [batch, classes].</param>
/// <param name="Logits">Float [batch, classes], optional.</param>
public sealed record ModelTensors(string Input, string Probabilities, string? Logits);

/// <summary>How <see cref="ModelManifest.Int8ModelFile"/> was quantized from the fp32 model.</summary>
/// <param name="Method">"min-max" or "percentile".</param>
/// <param name="Percentile">The percentile, when <paramref name="Method"/> is "percentile".</param>
/// <param name="CalibrationWindows">Windows the activations were calibrated on.</param>
/// <param name="Agreement">Share of held-out windows on which int8 and fp32 pick the same class.</param>
/// <param name="FloatNodes">Conv/MatMul/Gemm nodes the quantizer's rule kept in float (too small for int8 to pay, or
/// the input's alignment); null in bundles written before the rule existed, where every such node was quantized.</param>
public sealed record ModelQuantization(string Method, double? Percentile, int CalibrationWindows, double Agreement,
    IReadOnlyList<string>? FloatNodes = null);

/// <summary>One reported figure.</summary>
public sealed record ModelMetric(string Model, string Protocol, double Accuracy, double BalancedAccuracy, double Kappa, int Trials);

/// <summary>A file and its SHA-256 (lower-case hex).</summary>
public sealed record BundleFile(string Name, string Sha256, long Bytes);

/// <summary>What the model was trained to tell apart, so a bundle can be re-quantized or re-trained from the same trials.</summary>
/// <param name="Name">Task name, e.g. "hands-vs-feet".</param>
/// <param name="Runs">Recording runs of the task.</param>
/// <param name="ClassByAnnotation">Annotation text → class name.</param>
/// <param name="WindowStartSeconds">Window start after the cue (s).</param>
/// <param name="WindowEndSeconds">Window end after the cue (s).</param>
public sealed record ModelTask(string Name, IReadOnlyList<int> Runs, IReadOnlyDictionary<string, string> ClassByAnnotation,
    double WindowStartSeconds, double WindowEndSeconds);

/// <summary>
/// A per-wearer spatial alignment <c>aligned = Matrix · eeg</c>.
/// </summary>
/// <param name="Method">"euclidean": the inverse square root of the wearer's mean spatial covariance (He and Wu 2019).</param>
/// <param name="Matrix">Row-major C × C, rows and columns in the order of <see cref="ModelManifest.Channels"/>.</param>
/// <param name="Windows">Windows the mean covariance was computed from.</param>
/// <param name="Recordings">The recordings those windows were cut from, with their SHA-256 and size.</param>
public sealed record ModelAlignment(string Method, IReadOnlyList<IReadOnlyList<double>> Matrix, int Windows, IReadOnlyList<BundleFile> Recordings)
{
    /// <summary>The only method this firmware knows.</summary>
    public const string Euclidean = "euclidean";

    /// <summary>Name of the graph's C × C initializer (and of the MatMul node) that applies the matrix.</summary>
    public const string InitializerName = "alignment";
}

/// <summary>The engine's checkpoint in a bundle and the architecture it fits.</summary>
/// <param name="File">The checkpoint's file name in the bundle (listed in <see cref="ModelManifest.Files"/>).</param>
/// <param name="Architecture">What, beyond channels, window and classes, rebuilds the network.</param>
public sealed record ModelCheckpointReference(string File, ModelArchitecture Architecture)
{
    /// <summary>The file name bundles use.</summary>
    public const string DefaultFile = "decoder.ckpt";
}

/// <summary>The attention decoder's size (channels, samples and classes are the manifest's own fields).</summary>
public sealed record ModelArchitecture(
    int TemporalFilters,
    int TemporalKernel,
    int DepthMultiplier,
    int Pool,
    int Heads,
    int AttentionLayers,
    double ConvolutionDropout,
    double AttentionDropout,
    int Seed);
