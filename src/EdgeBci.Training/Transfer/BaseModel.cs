using System.Globalization;
using EdgeBci.Decoding.Bundle;
using EdgeBci.Training.Model;

namespace EdgeBci.Training.Transfer;

/// <summary>
/// A base model read back from its bundle for fine-tuning: the engine's decoder rebuilt from the manifest's shape and
/// the bundle's checkpoint, with the class and channel names it was trained on. The bundle is verified
/// (<see cref="ModelBundle.Load"/>) first, so the weights are the ones the manifest hashed.
/// </summary>
public sealed class BaseModel
{
    private BaseModel(ModelBundle bundle, AttentionDecoder decoder)
    {
        Bundle = bundle;
        Decoder = decoder;
    }

    public ModelBundle Bundle { get; }

    /// <summary>The base decoder; fine-tuning works on a <see cref="AttentionDecoder.Copy"/>, never on this one.</summary>
    public AttentionDecoder Decoder { get; }

    /// <summary>Class names in output order (ordinal, as <see cref="Data.TaskDefinition.ClassNames"/>).</summary>
    public IReadOnlyList<string> ClassNames => Bundle.Manifest.Classes;

    /// <summary>Channel names in input order.</summary>
    public IReadOnlyList<string> ChannelNames => Bundle.Manifest.Channels;

    /// <summary>Opens a base bundle.</summary>
    /// <exception cref="ModelBundleException">
    /// The bundle fails verification, carries no checkpoint (it cannot be fine-tuned), carries a wearer's alignment (a
    /// wearer's bundle, not a base), or its checkpoint does not fit its shape. The message names the bundle.
    /// </exception>
    public static BaseModel Load(string folder)
    {
        var bundle = ModelBundle.Load(folder, ModelTrustPolicy.None);
        var manifest = bundle.Manifest;
        if (manifest.Checkpoint is not { } checkpoint)
        {
            throw new ModelBundleException(
                $"{bundle.Folder}: the bundle carries no checkpoint (manifest \"checkpoint\"), so it cannot be fine-tuned; build a base model with `edgebci train-base`.");
        }

        if (manifest.Alignment is not null)
        {
            throw new ModelBundleException(
                $"{bundle.Folder}: the bundle carries a wearer's alignment; a base model is trained on aligned data and each wearer brings their own.");
        }

        var decoder = new AttentionDecoder(ShapeOf(manifest));
        var path = Path.Combine(bundle.Folder, checkpoint.File);
        try
        {
            ModelCheckpoint.Load(decoder.Network, path);
        }
        catch (InvalidDataException exception)
        {
            throw new ModelBundleException($"{path}: {exception.Message}", exception);
        }

        return new BaseModel(bundle, decoder);
    }

    /// <summary>The manifest's record of a decoder's shape beyond channels, window and classes.</summary>
    public static ModelArchitecture Architecture(DecoderShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return new ModelArchitecture(shape.TemporalFilters, shape.TemporalKernel, shape.DepthMultiplier, shape.Pool, shape.Heads,
            shape.AttentionLayers, shape.ConvolutionDropout, shape.AttentionDropout, shape.Seed);
    }

    /// <summary>The decoder shape a manifest with a checkpoint describes.</summary>
    /// <exception cref="ModelBundleException">No checkpoint, or a normalisation this trainer does not know.</exception>
    public static DecoderShape ShapeOf(ModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var architecture = manifest.Checkpoint?.Architecture
            ?? throw new ModelBundleException($"Model {manifest.ModelId} {manifest.ModelVersion}: the manifest has no checkpoint architecture.");
        var normalization = manifest.Normalization.Kind switch
        {
            "fixed-scale" => InputNormalization.FixedScale,
            "channel-zscore" => InputNormalization.ChannelZScore,
            _ => throw new ModelBundleException(
                $"Model {manifest.ModelId} {manifest.ModelVersion}: normalization.kind '{manifest.Normalization.Kind}' is neither 'fixed-scale' nor 'channel-zscore'."),
        };
        return new DecoderShape(manifest.Channels.Count, manifest.WindowSamples, manifest.Classes.Count, architecture.TemporalFilters,
            architecture.TemporalKernel, architecture.DepthMultiplier, architecture.Pool, architecture.Heads, architecture.AttentionLayers,
            architecture.ConvolutionDropout, architecture.AttentionDropout, normalization,
            (float)manifest.Normalization.ScaleMicrovolts, architecture.Seed);
    }

    /// <summary>Describes the base for logs: id, version, classes and channel count.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Bundle.Manifest.ModelId} {Bundle.Manifest.ModelVersion} ({string.Join("/", ClassNames)}, {ChannelNames.Count} channels)");
}
