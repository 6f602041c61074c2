namespace EdgeBci.Decoding.Live;

/// <summary>
/// Integrates class probabilities over successive windows so that a decision rests on several windows, not one:
/// <c>e_k = (1 − α)·e_{k−1} + α·p_k</c>, starting from the uniform distribution.
/// <para>
/// <b>Rejection floor.</b> A window whose top probability is below the floor (or is not a number) is not evidence
/// for anything: it does not pull the evidence toward its class; instead the evidence decays toward uniform,
/// <c>e_k = (1 − α)·e_{k−1} + α/K</c>. A run of unsure windows thus wears a decision down rather than keeping it
/// alive, and every class moves toward 1/K, whichever the window favoured. The evidence stays a distribution (sums
/// to 1) as long as the accepted probabilities do.
/// </para>
/// <para>
/// <b>One window cannot flip a decision.</b> Let A lead with a margin <c>e_A − e_j ≥ α/(1 − α)</c> over every other
/// class j (<see cref="FlipMargin"/>). For any single next window, accepted or rejected, whatever its probabilities,
/// <c>e'_A − e'_j = (1 − α)(e_A − e_j) + α(p_A − p_j) ≥ (1 − α)·α/(1 − α) − α = 0</c>, so A is still not below
/// any class, and on a tie the leader is kept (<see cref="Leader"/>). The margin is at most 1, hence reachable, only
/// when α ≤ 0.5; it is tight: a smaller lead is overturned by one window with probability 1 on the runner-up. From
/// uniform, n windows of probability 1 for A give a two-class lead of <c>1 − (1 − α)^n</c>.
/// </para>
/// <para>Single-threaded; no allocation after construction.</para>
/// </summary>
public sealed class EvidenceAccumulator
{
    private readonly double[] _evidence;

    /// <param name="classes">Number of classes (at least 2).</param>
    /// <param name="factor">α in (0, 1]: the weight of the newest window.</param>
    /// <param name="rejectionFloor">Top probability below which a window is rejected, in [0, 1]; 0 rejects nothing (but NaN).</param>
    public EvidenceAccumulator(int classes, double factor, double rejectionFloor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (!(factor > 0 && factor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The evidence factor α must be in (0, 1].");
        }

        if (!(rejectionFloor >= 0 && rejectionFloor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rejectionFloor), rejectionFloor, "The rejection floor must be in [0, 1].");
        }

        Factor = factor;
        RejectionFloor = rejectionFloor;
        _evidence = new double[classes];
        Reset();
    }

    public int Classes => _evidence.Length;

    /// <summary>α, the weight of the newest window.</summary>
    public double Factor { get; }

    public double RejectionFloor { get; }

    /// <summary>Accumulated evidence per class.</summary>
    public ReadOnlySpan<double> Evidence => _evidence;

    /// <summary>
    /// The class with the most evidence; on a tie the previous leader keeps the lead (the lowest tied index when there
    /// was none). -1 after <see cref="Reset"/> until the first window.
    /// </summary>
    public int Leader { get; private set; }

    /// <summary>Evidence of <see cref="Leader"/> (1/K after a reset).</summary>
    public double LeaderEvidence => Leader < 0 ? 1.0 / _evidence.Length : _evidence[Leader];

    /// <summary>Windows integrated since the last reset (rejected ones included).</summary>
    public long Windows { get; private set; }

    /// <summary>The lead over every other class that one window cannot overturn: α / (1 − α) (infinite for α = 1).</summary>
    public static double FlipMargin(double factor) => factor >= 1 ? double.PositiveInfinity : factor / (1 - factor);

    /// <summary>Integrates one window's probabilities. Returns true when the window was rejected by the floor.</summary>
    public bool Update(ReadOnlySpan<float> probabilities)
    {
        if (probabilities.Length != _evidence.Length)
        {
            throw new ArgumentException($"{probabilities.Length} probabilities for {_evidence.Length} classes.", nameof(probabilities));
        }

        var top = float.NegativeInfinity;
        var valid = true;
        foreach (var p in probabilities)
        {
            valid &= float.IsFinite(p);
            top = Math.Max(top, p);
        }

        var rejected = !valid || !(top >= RejectionFloor);
        if (rejected)
        {
            Reject();
            return true;
        }

        var keep = 1 - Factor;
        for (var k = 0; k < _evidence.Length; k++)
        {
            _evidence[k] = (keep * _evidence[k]) + (Factor * probabilities[k]);
        }

        Advance();
        return false;
    }

    /// <summary>
    /// A window that is no evidence at all (a channel it needs was dead, so it was not classified): the evidence decays
    /// toward uniform exactly as for a window below the floor.
    /// </summary>
    public void Reject()
    {
        var keep = 1 - Factor;
        var uniform = Factor / _evidence.Length;
        for (var k = 0; k < _evidence.Length; k++)
        {
            _evidence[k] = (keep * _evidence[k]) + uniform;
        }

        Advance();
    }

    private void Advance()
    {
        var leader = Leader < 0 ? 0 : Leader;
        for (var k = 0; k < _evidence.Length; k++)
        {
            if (_evidence[k] > _evidence[leader])
            {
                leader = k;
            }
        }

        Leader = leader;
        Windows++;
    }

    /// <summary>Puts the accumulator into a chosen state (tests of the one-window rule start from settled states).</summary>
    internal void Restore(ReadOnlySpan<double> evidence, int leader)
    {
        evidence.CopyTo(_evidence);
        Leader = leader;
    }

    /// <summary>Back to uniform evidence and no leader (a new model, a new user, a gap in the signal).</summary>
    public void Reset()
    {
        Array.Fill(_evidence, 1.0 / _evidence.Length);
        Leader = -1;
        Windows = 0;
    }
}
