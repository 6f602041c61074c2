namespace EdgeBci.Training.LiveReplay;

/// <summary>
/// Wolpaw's information transfer rate: B = log₂N + P log₂P + (1 − P) log₂((1 − P)/(N − 1)) bits per selection, for N
/// equally likely targets chosen right with probability P, the error spread evenly over the other N − 1. Below chance
/// (P ≤ 1/N) the formula would read a wrong decoder as informative, so it is clamped to 0 there.
/// </summary>
public static class WolpawItr
{
    /// <summary>Bits per selection.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than two targets, or P outside 0..1.</exception>
    public static double BitsPerSelection(int targets, double accuracy)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targets, 2);
        if (!(accuracy is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(accuracy), accuracy, "Accuracy is a share in 0..1.");
        }

        if (accuracy <= 1.0 / targets)
        {
            return 0;
        }

        var bits = Math.Log2(targets) + (accuracy * Math.Log2(accuracy));
        if (accuracy < 1)
        {
            bits += (1 - accuracy) * Math.Log2((1 - accuracy) / (targets - 1));
        }

        return Math.Max(0, bits);
    }

    /// <summary>Bits per minute at <paramref name="selectionsPerMinute"/>.</summary>
    public static double BitsPerMinute(int targets, double accuracy, double selectionsPerMinute)
    {
        if (!(selectionsPerMinute >= 0) || double.IsInfinity(selectionsPerMinute))
        {
            throw new ArgumentOutOfRangeException(nameof(selectionsPerMinute), selectionsPerMinute, "Selections per minute must be finite and not negative.");
        }

        return BitsPerSelection(targets, accuracy) * selectionsPerMinute;
    }
}
