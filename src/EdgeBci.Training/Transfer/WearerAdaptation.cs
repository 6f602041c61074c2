using EdgeBci.Training.Alignment;
using EdgeBci.Training.Data;
using EdgeBci.Training.Model;

namespace EdgeBci.Training.Transfer;

/// <summary>What adapting a base model to one wearer produced.</summary>
/// <param name="Decoder">The wearer's decoder (a fine-tuned copy of the base, or the base's copy for zero-shot); it takes aligned windows.</param>
/// <param name="Alignment">The wearer's alignment, computed from every calibration window without labels.</param>
/// <param name="Summary">The fine-tuning run ("not trained (zero-shot)" with 0 epochs for <see cref="WearerAdaptation.ZeroShot(BaseModel, EpochDataset)"/>).</param>
/// <param name="AlignedCalibration">The calibration trials after alignment, as the decoder was tuned on them.</param>
public sealed record AdaptationResult(AttentionDecoder Decoder, EuclideanAlignment Alignment, TrainingSummary Summary, EpochDataset AlignedCalibration);

/// <summary>
/// Adapts a pooled base model to one wearer: the wearer's Euclidean alignment from their calibration windows (rest
/// included, labels unused), then, unless zero-shot, a short fine-tuning of a copy of the base decoder on the aligned
/// calibration trials. The result goes to <see cref="Bundle.DecoderBundleBuilder"/> with
/// <c>StartFrom = result.Decoder, SkipTraining = true, Alignment = result.Alignment</c> and the raw calibration
/// dataset, which exports it with the alignment as the graph's first node, quantizes it and writes the bundle.
/// </summary>
public static class WearerAdaptation
{
    /// <summary>
    /// Fine-tuning options: half a from-scratch fit's 100 epochs at its 3e-3 peak learning rate, all trials, no
    /// validation split (a calibration session has too few trials for one). Chosen on S001 as the held-out wearer (base
    /// pooled from S002 and S003, calibration runs 4 + 8 = 16/30/14 trials, test run 12; never S002/S003's run 12) from
    /// 10/25/50 epochs × 3e-4/1e-3/3e-3, which scored 15/13/13, 15/14/16 and 13/15/18 of 30 (zero-shot 15): only 50
    /// epochs at 3e-3 reached p &lt; 0.01, and the trend (more epochs, higher rate) says the base is a starting point,
    /// not a model to nudge. One wearer's 30 trials are a weak judge; re-choose with more wearers.
    /// </summary>
    public static TrainingOptions FineTuningOptions(int seed = 1) =>
        new(MaxEpochs: FineTuningEpochs, PeakLearningRate: FineTuningLearningRate, WarmupEpochs: 2, ValidationFraction: 0, Seed: seed);

    /// <summary>Epochs of <see cref="FineTuningOptions"/>.</summary>
    public const int FineTuningEpochs = 50;

    /// <summary>Peak learning rate of <see cref="FineTuningOptions"/>.</summary>
    public const double FineTuningLearningRate = 3e-3;

    /// <summary>Aligns the wearer and fine-tunes a copy of the base decoder on their calibration trials.</summary>
    /// <param name="baseModel">The base model (left unchanged).</param>
    /// <param name="calibration">The wearer's calibration trials in raw µV, as the unit's chain produces them.</param>
    /// <param name="options">Fine-tuning options; default <see cref="FineTuningOptions"/>.</param>
    /// <exception cref="ArgumentException">The calibration's classes, channels or window differ from the base's, or its covariance is rank-deficient (channel named).</exception>
    public static AdaptationResult FineTune(BaseModel baseModel, EpochDataset calibration, TrainingOptions? options = null,
        IProgress<EpochReport>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        return FineTune(baseModel.Decoder, baseModel.ClassNames, baseModel.ChannelNames, calibration, options, progress);
    }

    /// <summary>As <see cref="FineTune(BaseModel, EpochDataset, TrainingOptions?, IProgress{EpochReport}?)"/> with a base held in memory.</summary>
    public static AdaptationResult FineTune(AttentionDecoder baseDecoder, IReadOnlyList<string> classNames, IReadOnlyList<string> channelNames,
        EpochDataset calibration, TrainingOptions? options = null, IProgress<EpochReport>? progress = null)
    {
        var (decoder, alignment, aligned) = Prepare(baseDecoder, classNames, channelNames, calibration);
        var summary = DecoderTrainer.Train(decoder, aligned, options ?? FineTuningOptions(), progress);
        return new AdaptationResult(decoder, alignment, summary, aligned);
    }

    /// <summary>The "no calibration training" path: the base decoder as it is, with the wearer's alignment only.</summary>
    public static AdaptationResult ZeroShot(BaseModel baseModel, EpochDataset calibration)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        return ZeroShot(baseModel.Decoder, baseModel.ClassNames, baseModel.ChannelNames, calibration);
    }

    /// <summary>As <see cref="ZeroShot(BaseModel, EpochDataset)"/> with a base held in memory.</summary>
    public static AdaptationResult ZeroShot(AttentionDecoder baseDecoder, IReadOnlyList<string> classNames, IReadOnlyList<string> channelNames,
        EpochDataset calibration)
    {
        var (decoder, alignment, aligned) = Prepare(baseDecoder, classNames, channelNames, calibration);
        return new AdaptationResult(decoder, alignment, new TrainingSummary(0, 0, null, "not trained (zero-shot)", TimeSpan.Zero), aligned);
    }

    private static (AttentionDecoder Decoder, EuclideanAlignment Alignment, EpochDataset Aligned) Prepare(AttentionDecoder baseDecoder,
        IReadOnlyList<string> classNames, IReadOnlyList<string> channelNames, EpochDataset calibration)
    {
        ArgumentNullException.ThrowIfNull(baseDecoder);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(channelNames);
        ArgumentNullException.ThrowIfNull(calibration);
        if (!calibration.ClassNames.SequenceEqual(classNames, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"The calibration's classes [{string.Join(", ", calibration.ClassNames)}] are not the base model's [{string.Join(", ", classNames)}] in that order; " +
                "calibrate with the base model's task.", nameof(calibration));
        }

        if (!calibration.ChannelNames.SequenceEqual(channelNames, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"The calibration's channels [{string.Join(", ", calibration.ChannelNames)}] are not the base model's [{string.Join(", ", channelNames)}].",
                nameof(calibration));
        }

        if (calibration.SamplesPerWindow != baseDecoder.Shape.Samples)
        {
            throw new ArgumentException(
                $"The calibration's windows hold {calibration.SamplesPerWindow} samples; the base model takes {baseDecoder.Shape.Samples}.", nameof(calibration));
        }

        var alignment = EuclideanAlignment.Compute(calibration);
        return (baseDecoder.Copy(), alignment, alignment.Apply(calibration));
    }
}
