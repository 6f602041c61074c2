using System.Diagnostics;
using EdgeBci.Training.Data;
using EdgeBci.Training.Engine;

namespace EdgeBci.Training.Model;

/// <summary>How the decoder is trained.</summary>
/// <param name="MaxEpochs">Upper bound on epochs (the cosine schedule spans this many).</param>
/// <param name="BatchSize">Trials per step; the trials of an epoch are split into batches whose sizes differ by at most one.</param>
/// <param name="PeakLearningRate">AdamW step size at the end of the warm-up.</param>
/// <param name="WarmupEpochs">Linear warm-up length in epochs.</param>
/// <param name="WeightDecay">Decoupled weight decay (weights only).</param>
/// <param name="ValidationFraction">Share of each class held out (seeded, stratified) for early stopping; 0 disables validation.</param>
/// <param name="Patience">Epochs without a lower validation loss before stopping; the best epoch's state is restored.</param>
/// <param name="BalanceClasses">Weight the loss by n / (K·n_class) so a rarer class counts as much.</param>
/// <param name="NoiseStandardDeviation">Gaussian noise added to the normalised training inputs (0 = none).</param>
/// <param name="RandomCrops">
/// When the dataset holds crop contexts (<see cref="EpochDataset.CropMargin"/>), train each epoch on windows shifted by
/// a random number of samples within the margin: the same trial seen a little earlier or later, as the unit's sliding
/// window will see it. Validation and test always use the unshifted window.
/// </param>
/// <param name="GradientClipNorm">Global gradient norm bound.</param>
/// <param name="TimeBudget">Wall-clock limit: training stops after the epoch that exceeds it (null = none).</param>
/// <param name="Seed">Seed of the validation split, shuffling and noise (the model has its own in <see cref="DecoderShape"/>).</param>
public sealed record TrainingOptions(
    int MaxEpochs = 150,
    int BatchSize = 16,
    double PeakLearningRate = 1e-3,
    int WarmupEpochs = 5,
    double WeightDecay = 1e-2,
    double ValidationFraction = 0.2,
    int Patience = 25,
    bool BalanceClasses = true,
    double NoiseStandardDeviation = 0.05,
    bool RandomCrops = true,
    double GradientClipNorm = 5,
    TimeSpan? TimeBudget = null,
    int Seed = 1)
{
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEpochs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PeakLearningRate);
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupEpochs);
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay);
        ArgumentOutOfRangeException.ThrowIfNegative(ValidationFraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ValidationFraction, 1.0);
        ArgumentOutOfRangeException.ThrowIfLessThan(Patience, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(NoiseStandardDeviation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(GradientClipNorm);
    }
}

/// <summary>Progress after one epoch. Validation values are null when no validation set is held out.</summary>
public sealed record EpochReport(
    int Epoch, double TrainLoss, double TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy, double LearningRate, TimeSpan Elapsed);

/// <summary>What a training run did.</summary>
/// <param name="StopReason">"max epochs", "early stopping" or "time budget".</param>
/// <param name="BestEpoch">Epoch (1-based) whose state the model holds: lowest validation loss, or the last epoch without validation.</param>
public sealed record TrainingSummary(int EpochsRun, int BestEpoch, double? BestValidationLoss, string StopReason, TimeSpan Elapsed);

/// <summary>
/// Trains an <see cref="AttentionDecoder"/> on an <see cref="EpochDataset"/>: AdamW with a warmed-up cosine schedule,
/// class-balanced cross-entropy, Gaussian-noise augmentation, gradient clipping, and early stopping on a seeded
/// stratified validation split (the best state is restored). Deterministic: the same data, shape and options give
/// bit-identical weights, as long as the time budget does not cut the run short.
/// </summary>
public static class DecoderTrainer
{
    public static (AttentionDecoder Decoder, TrainingSummary Summary) Train(EpochDataset dataset, DecoderShape shape, TrainingOptions options,
        IProgress<EpochReport>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var decoder = new AttentionDecoder(shape);
        var summary = Train(decoder, dataset, options, progress, cancellation);
        return (decoder, summary);
    }

    /// <summary>The shape the decoder should have for <paramref name="dataset"/> (defaults otherwise).</summary>
    public static DecoderShape ShapeFor(EpochDataset dataset, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new DecoderShape(dataset.ChannelCount, dataset.SamplesPerWindow, dataset.ClassNames.Count, Seed: seed);
    }

    /// <summary>
    /// Below this many trials <see cref="OptionsFor"/> trains a fixed number of epochs on all of them instead of holding
    /// out a validation split: with a few dozen trials the handful held out makes early stopping follow noise (on S001
    /// left-vs-right it stopped after 4 epochs in 3 of 5 folds), and the trials are better spent on training.
    /// </summary>
    public const int MinimumTrialsForValidation = 200;

    /// <summary>The training options <c>edgebci train</c> uses for <paramref name="dataset"/> (measured on S001; see the README).</summary>
    public static TrainingOptions OptionsFor(EpochDataset dataset, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return dataset.Count < MinimumTrialsForValidation
            ? new TrainingOptions(MaxEpochs: 100, PeakLearningRate: 3e-3, ValidationFraction: 0, Seed: seed)
            : new TrainingOptions(PeakLearningRate: 3e-3, Seed: seed);
    }

    /// <summary>Trains <paramref name="decoder"/> in place.</summary>
    /// <exception cref="ArgumentException">The dataset does not match the decoder's shape, or has too few trials.</exception>
    public static TrainingSummary Train(AttentionDecoder decoder, EpochDataset dataset, TrainingOptions options,
        IProgress<EpochReport>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var shape = decoder.Shape;
        if (dataset.ChannelCount != shape.Channels || dataset.SamplesPerWindow != shape.Samples || dataset.ClassNames.Count != shape.Classes)
        {
            throw new ArgumentException(
                $"The dataset has {dataset.ChannelCount} channels × {dataset.SamplesPerWindow} samples and {dataset.ClassNames.Count} classes; " +
                $"the decoder expects {shape.Channels} × {shape.Samples} and {shape.Classes}.", nameof(dataset));
        }

        var clock = Stopwatch.StartNew();
        var random = new Random(options.Seed);
        var (trainIndices, validationIndices) = SplitValidation(dataset.Labels, options.ValidationFraction, random);
        if (trainIndices.Count < 2)
        {
            throw new ArgumentException($"Only {trainIndices.Count} training trials remain after holding out validation trials.", nameof(dataset));
        }

        var network = decoder.Network;
        var trainInputs = decoder.Prepare([.. trainIndices.Select(i => dataset.Windows[i])]);
        var trainLabels = trainIndices.Select(i => dataset.Labels[i]).ToArray();
        Tensor? validationInputs = validationIndices.Count > 0 ? decoder.Prepare([.. validationIndices.Select(i => dataset.Windows[i])]) : null;
        var validationLabels = validationIndices.Select(i => dataset.Labels[i]).ToArray();

        var classWeights = options.BalanceClasses ? ClassWeights(trainLabels, shape.Classes) : null;
        var loss = new SoftmaxCrossEntropy(classWeights);
        var evaluationLoss = new SoftmaxCrossEntropy(classWeights);
        var batches = Math.Max(1, (int)Math.Ceiling((double)trainLabels.Length / options.BatchSize));
        var totalSteps = options.MaxEpochs * batches;
        var schedule = new CosineLearningRateSchedule(options.PeakLearningRate, totalSteps,
            Math.Min(totalSteps, options.WarmupEpochs * batches), options.PeakLearningRate / 100);
        var optimizer = new AdamW(network.Parameters, options.PeakLearningRate, options.WeightDecay);

        var windowLength = shape.WindowLength;
        var crops = options.RandomCrops && dataset.CropMargin > 0;
        var cropScratch = crops ? new float[windowLength] : [];
        var order = Enumerable.Range(0, trainLabels.Length).ToArray();
        var best = ModelCheckpoint.Capture(network);
        double? bestLoss = null;
        var bestEpoch = 0;
        var stopReason = "max epochs";
        var epoch = 0;
        while (epoch < options.MaxEpochs)
        {
            cancellation.ThrowIfCancellationRequested();
            epoch++;
            random.Shuffle(order);
            double lossSum = 0;
            var correct = 0;
            for (var b = 0; b < batches; b++)
            {
                var start = b * trainLabels.Length / batches;
                var end = (b + 1) * trainLabels.Length / batches;
                var size = end - start;
                var inputs = Tensor.Zeros(size, shape.Channels, shape.Samples);
                var labels = new int[size];
                for (var i = 0; i < size; i++)
                {
                    var trial = order[start + i];
                    labels[i] = trainLabels[trial];
                    var target = inputs.Data.AsSpan(i * windowLength, windowLength);
                    if (crops)
                    {
                        var margin = dataset.CropMargin;
                        dataset.CopyShiftedWindow(trainIndices[trial], random.Next(-margin, margin + 1), cropScratch);
                        decoder.Normalize(cropScratch, target);
                    }
                    else
                    {
                        trainInputs.Data.AsSpan(trial * windowLength, windowLength).CopyTo(target);
                    }

                    if (options.NoiseStandardDeviation > 0)
                    {
                        for (var v = 0; v < target.Length; v++)
                        {
                            target[v] += (float)(options.NoiseStandardDeviation * Gaussian(random));
                        }
                    }
                }

                optimizer.LearningRate = schedule.LearningRateAt(optimizer.StepCount);
                optimizer.ZeroGradients();
                var logits = network.Forward(inputs, training: true);
                lossSum += loss.Forward(logits, labels) * size;
                correct += CountCorrect(logits, labels);
                network.Backward(loss.Backward());
                GradientClipping.ClipGlobalNorm(network.Parameters, options.GradientClipNorm);
                optimizer.Step();
            }

            double? validationLoss = null, validationAccuracy = null;
            if (validationInputs is not null)
            {
                var logits = network.Forward(validationInputs, training: false);
                validationLoss = evaluationLoss.Forward(logits, validationLabels);
                validationAccuracy = (double)CountCorrect(logits, validationLabels) / validationLabels.Length;
                if (bestLoss is null || validationLoss < bestLoss)
                {
                    bestLoss = validationLoss;
                    bestEpoch = epoch;
                    best = ModelCheckpoint.Capture(network);
                }
            }
            else
            {
                bestEpoch = epoch;
            }

            progress?.Report(new EpochReport(epoch, lossSum / trainLabels.Length, (double)correct / trainLabels.Length,
                validationLoss, validationAccuracy, optimizer.LearningRate, clock.Elapsed));

            if (validationInputs is not null && epoch - bestEpoch >= options.Patience)
            {
                stopReason = "early stopping";
                break;
            }

            if (options.TimeBudget is { } budget && clock.Elapsed >= budget && epoch < options.MaxEpochs)
            {
                stopReason = "time budget";
                break;
            }
        }

        if (validationInputs is not null)
        {
            ModelCheckpoint.Restore(network, best);
        }

        return new TrainingSummary(epoch, bestEpoch, bestLoss, stopReason, clock.Elapsed);
    }

    /// <summary>Holds out round(fraction·n) trials of each class (at least one if the class has two or more).</summary>
    private static (List<int> Train, List<int> Validation) SplitValidation(IReadOnlyList<int> labels, double fraction, Random random)
    {
        var train = new List<int>();
        var validation = new List<int>();
        if (fraction == 0)
        {
            train.AddRange(Enumerable.Range(0, labels.Count));
            return (train, validation);
        }

        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(group => group.Key))
        {
            var trials = group.ToArray();
            random.Shuffle(trials);
            var held = trials.Length < 2 ? 0 : Math.Clamp((int)Math.Round(fraction * trials.Length), 1, trials.Length - 1);
            validation.AddRange(trials[..held]);
            train.AddRange(trials[held..]);
        }

        train.Sort();
        validation.Sort();
        return (train, validation);
    }

    private static float[] ClassWeights(int[] labels, int classes)
    {
        var counts = new int[classes];
        foreach (var label in labels)
        {
            counts[label]++;
        }

        var present = counts.Count(count => count > 0);
        return [.. counts.Select(count => count == 0 ? 0f : (float)labels.Length / (present * count))];
    }

    private static int CountCorrect(Tensor logits, int[] labels)
    {
        var classes = logits.Dimension(1);
        var correct = 0;
        for (var b = 0; b < labels.Length; b++)
        {
            if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Data.AsSpan(b * classes, classes)) == labels[b])
            {
                correct++;
            }
        }

        return correct;
    }

    // Box-Muller from the seeded stream: Random has no Gaussian sampler.
    private static double Gaussian(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
