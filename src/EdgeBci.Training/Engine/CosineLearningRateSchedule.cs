namespace EdgeBci.Training.Engine;

/// <summary>
/// Linear warm-up to <see cref="PeakLearningRate"/> over <see cref="WarmupSteps"/>, then half a cosine down to
/// <see cref="MinimumLearningRate"/> at <see cref="TotalSteps"/> (and flat after). Warm-up protects attention layers
/// from large early steps while Adam's second moments are still noisy; the cosine tail anneals without the
/// step-schedule's choice of when to drop.
/// </summary>
public sealed class CosineLearningRateSchedule
{
    public CosineLearningRateSchedule(double peakLearningRate, int totalSteps, int warmupSteps = 0, double minimumLearningRate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(peakLearningRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(warmupSteps, totalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(minimumLearningRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minimumLearningRate, peakLearningRate);
        PeakLearningRate = peakLearningRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        MinimumLearningRate = minimumLearningRate;
    }

    public double PeakLearningRate { get; }

    public int TotalSteps { get; }

    public int WarmupSteps { get; }

    public double MinimumLearningRate { get; }

    /// <summary>Learning rate for step <paramref name="step"/>, counted from 0.</summary>
    public double LearningRateAt(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return PeakLearningRate * (step + 1) / WarmupSteps;
        }

        if (step >= TotalSteps)
        {
            return MinimumLearningRate;
        }

        var progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return MinimumLearningRate + (0.5 * (PeakLearningRate - MinimumLearningRate) * (1 + Math.Cos(Math.PI * progress)));
    }
}
