using System.Globalization;

namespace EdgeBci.Training.Evaluation;

/// <summary>
/// Is an accuracy above chance? The one-sided exact binomial test: under "the decoder guesses", each of n independent
/// trials is right with probability p₀ = 1/K, and the p-value of k right is P(X ≥ k). Exact rather than a normal
/// approximation because calibration blocks hold a few dozen trials, where the approximation is poor in the tail.
/// <para>
/// The trials must be independent: overlapping windows of one trial are not (counting them would shrink the p-value
/// without adding evidence), so callers count one decision per trial.
/// </para>
/// </summary>
public static class BinomialTest
{
    /// <summary>P(X ≥ <paramref name="successes"/>) for X ~ Binomial(<paramref name="trials"/>, <paramref name="chance"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative counts, more successes than trials, or chance outside (0, 1).</exception>
    public static double UpperTail(int successes, int trials, double chance)
    {
        Check(trials, chance);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (successes == 0)
        {
            return 1.0;
        }

        // Sum the terms in log space from the largest k down, so 200 trials at p = 0.5 neither underflow nor lose the
        // small terms against the big ones.
        var logChance = Math.Log(chance);
        var logMiss = Math.Log(1 - chance);
        var total = 0.0;
        for (var k = trials; k >= successes; k--)
        {
            total += Math.Exp(LogChoose(trials, k) + (k * logChance) + ((trials - k) * logMiss));
        }

        return Math.Min(1.0, total);
    }

    /// <summary>
    /// The fewest successes out of <paramref name="trials"/> whose upper tail is below <paramref name="alpha"/>; more
    /// than <paramref name="trials"/> when no count can be significant (too few trials).
    /// </summary>
    public static int SignificantCount(int trials, double chance, double alpha)
    {
        Check(trials, chance);
        if (!(alpha > 0 && alpha < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Use a significance level in (0, 1).");
        }

        for (var k = 0; k <= trials; k++)
        {
            if (UpperTail(k, trials, chance) < alpha)
            {
                return k;
            }
        }

        return trials + 1;
    }

    /// <summary>
    /// What a model that knows nothing scores on these trials: 1/K for balanced classes, but never less than the largest
    /// class's share, because a model that always names that class (say "rest", half of a session's trials) scores
    /// exactly that without decoding anything. With its description ("1/3", or "15/30, the largest class's share").
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 2 classes, or a label outside 0..K-1.</exception>
    public static (double Chance, string Text) ChanceLevel(IReadOnlyList<int> labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        var counts = new int[classCount];
        foreach (var label in labels)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(label);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(label, classCount);
            counts[label]++;
        }

        var largest = 0;
        foreach (var count in counts)
        {
            largest = Math.Max(largest, count);
        }

        var uniform = 1.0 / classCount;
        var share = labels.Count == 0 ? 0 : (double)largest / labels.Count;
        return share > uniform
            ? (share, string.Create(CultureInfo.InvariantCulture, $"{largest}/{labels.Count}, the largest class's share"))
            : (uniform, string.Create(CultureInfo.InvariantCulture, $"1/{classCount}"));
    }

    /// <summary>"27 of 45 right, p = 0.0036 (chance 1/3; 23 needed for p &lt; 0.01)".</summary>
    public static string Describe(int successes, int trials, int classes, double alpha)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        return Describe(successes, trials, 1.0 / classes, string.Create(CultureInfo.InvariantCulture, $"1/{classes}"), alpha);
    }

    /// <summary>As above with any chance level, shown as <paramref name="chanceText"/> (e.g. "0.50, the largest class's share").</summary>
    public static string Describe(int successes, int trials, double chance, string chanceText, double alpha)
    {
        var needed = SignificantCount(trials, chance, alpha);
        var neededText = needed > trials
            ? string.Create(CultureInfo.InvariantCulture, $"no count of {trials} reaches p < {alpha:0.###}")
            : string.Create(CultureInfo.InvariantCulture, $"{needed} needed for p < {alpha:0.###}");
        var p = UpperTail(successes, trials, chance);

        // A tiny p is shown in significant digits, never rounded to "0".
        var pText = p < 1e-4 ? p.ToString("0.##E+0", CultureInfo.InvariantCulture) : p.ToString("0.####", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"{successes} of {trials} right, p = {pText} (chance {chanceText}; {neededText})");
    }

    private static void Check(int trials, double chance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (!(chance > 0 && chance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(chance), chance, "Chance must lie in (0, 1).");
        }
    }

    private static double LogChoose(int n, int k) => LogFactorial(n) - LogFactorial(k) - LogFactorial(n - k);

    private static double LogFactorial(int n)
    {
        var sum = 0.0;
        for (var i = 2; i <= n; i++)
        {
            sum += Math.Log(i);
        }

        return sum;
    }
}
