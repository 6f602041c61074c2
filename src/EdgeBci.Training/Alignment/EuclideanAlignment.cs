using System.Globalization;
using EdgeBci.Training.Baseline;
using EdgeBci.Training.Data;

namespace EdgeBci.Training.Alignment;

/// <summary>
/// Euclidean alignment (He and Wu 2019, "Transfer learning for brain-computer interfaces: a Euclidean space data
/// alignment approach"): one wearer's windows are multiplied by <c>R = R̄^(-1/2)</c>, where
/// <c>R̄ = mean over the wearer's windows of X Xᵀ / T</c>. After it the wearer's mean spatial covariance is the
/// identity, so head size, electrode impedances and montage placement stop separating one wearer's data from
/// another's and a model pooled over wearers sees them on a common footing. No labels are used: every window of the
/// calibration data counts, rest included.
/// <para>
/// <b>Units.</b> Windows come in microvolts as the unit's chain produces them; aligned windows are dimensionless with
/// unit mean variance per channel. A decoder trained on aligned windows therefore uses a fixed input scale of
/// <see cref="AlignedInputScale"/> (not the 20 µV of a raw-microvolt model): the alignment already scales, and
/// dividing by 20 again would shrink the input twentyfold.
/// </para>
/// </summary>
public sealed class EuclideanAlignment
{
    /// <summary>The method's name in the manifest.</summary>
    public const string MethodName = "euclidean";

    /// <summary>The fixed input scale (<see cref="Model.DecoderShape.InputScaleMicrovolts"/>) of a decoder fed aligned windows.</summary>
    public const float AlignedInputScale = 1f;

    /// <summary>
    /// Added to every eigenvalue, relative to their mean, before the inverse square root: keeps a well-conditioned
    /// covariance exact to 1e-6 while stopping round-off in a nearly singular direction from being amplified.
    /// </summary>
    public const double RelativeRidge = 1e-6;

    /// <summary>
    /// A channel whose variance, or a direction whose eigenvalue, is below this fraction of the mean eigenvalue carries
    /// no signal of its own (a dead electrode, or a channel that is a copy or a mix of others): inverting it would blow
    /// noise up by the inverse, so the covariance is refused instead.
    /// </summary>
    public const double RankTolerance = 1e-8;

    private readonly float[] _matrix;

    private EuclideanAlignment(float[] matrix, IReadOnlyList<string> channelNames, int windowCount)
    {
        _matrix = matrix;
        ChannelNames = [.. channelNames];
        WindowCount = windowCount;
    }

    /// <summary>Channels in row and column order: the order of the windows it aligns.</summary>
    public IReadOnlyList<string> ChannelNames { get; }

    public int Channels => ChannelNames.Count;

    /// <summary>Windows the mean covariance was computed from (0 for an identity or a matrix given from outside).</summary>
    public int WindowCount { get; }

    /// <summary>R, row-major C × C: aligned = R · window.</summary>
    public ReadOnlySpan<float> Matrix => _matrix;

    /// <summary>True when R is exactly the identity (a base model's, or an old bundle's).</summary>
    public bool IsIdentity
    {
        get
        {
            for (var i = 0; i < Channels; i++)
            {
                for (var j = 0; j < Channels; j++)
                {
                    if (_matrix[(i * Channels) + j] != (i == j ? 1f : 0f))
                    {
                        return false;
                    }
                }
            }

            return true;
        }
    }

    /// <summary>The alignment that changes nothing.</summary>
    public static EuclideanAlignment Identity(IReadOnlyList<string> channelNames)
    {
        ArgumentNullException.ThrowIfNull(channelNames);
        var channels = channelNames.Count;
        ArgumentOutOfRangeException.ThrowIfZero(channels);
        var matrix = new float[channels * channels];
        for (var i = 0; i < channels; i++)
        {
            matrix[(i * channels) + i] = 1f;
        }

        return new EuclideanAlignment(matrix, channelNames, 0);
    }

    /// <summary>R from a stored matrix (e.g. a manifest's rows), checked to be C × C and finite.</summary>
    /// <exception cref="ArgumentException">The matrix is not C × C or holds a value that is not finite (row and column named).</exception>
    public static EuclideanAlignment FromRows(IReadOnlyList<IReadOnlyList<double>> rows, IReadOnlyList<string> channelNames, int windowCount)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(channelNames);
        var channels = channelNames.Count;
        if (rows.Count != channels)
        {
            throw new ArgumentException($"The alignment matrix has {rows.Count} rows; {channels} channels need {channels} × {channels}.", nameof(rows));
        }

        var matrix = new float[channels * channels];
        for (var i = 0; i < channels; i++)
        {
            if (rows[i] is null || rows[i].Count != channels)
            {
                throw new ArgumentException($"Row {i} of the alignment matrix has {rows[i]?.Count ?? 0} values, not {channels}.", nameof(rows));
            }

            for (var j = 0; j < channels; j++)
            {
                var value = rows[i][j];
                if (!double.IsFinite(value))
                {
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"Alignment matrix element [{i}][{j}] is {value}; every element must be finite."), nameof(rows));
                }

                matrix[(i * channels) + j] = (float)value;
            }
        }

        return new EuclideanAlignment(matrix, channelNames, windowCount);
    }

    /// <summary>R of every window of <paramref name="dataset"/> (labels ignored).</summary>
    /// <exception cref="ArgumentException">The covariance is rank-deficient; the message names the channel at fault.</exception>
    public static EuclideanAlignment Compute(EpochDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return Compute(dataset.Windows, dataset.ChannelNames, dataset.SamplesPerWindow);
    }

    /// <summary>R of <paramref name="windows"/>, each channels × samples in µV, row-major.</summary>
    /// <exception cref="ArgumentException">
    /// No windows, a window of the wrong length or with NaN, or a rank-deficient covariance (the channel at fault named).
    /// </exception>
    public static EuclideanAlignment Compute(IReadOnlyList<float[]> windows, IReadOnlyList<string> channelNames, int samples)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(channelNames);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var channels = channelNames.Count;
        if (windows.Count == 0 || channels == 0)
        {
            throw new ArgumentException("Euclidean alignment needs at least one window of at least one channel.", nameof(windows));
        }

        var mean = MeanCovariance(windows, channels, samples);
        CheckRank(mean, channelNames);
        return new EuclideanAlignment(InverseSquareRoot(mean, channels), channelNames, windows.Count);
    }

    /// <summary>The mean of X Xᵀ / T over <paramref name="windows"/>, row-major C × C, in µV².</summary>
    public static double[] MeanCovariance(IReadOnlyList<float[]> windows, int channels, int samples)
    {
        ArgumentNullException.ThrowIfNull(windows);
        var sum = new double[channels * channels];
        var buffer = new double[channels * samples];
        for (var w = 0; w < windows.Count; w++)
        {
            var window = windows[w];
            if (window is null || window.Length != channels * samples)
            {
                throw new ArgumentException(
                    $"Window {w} holds {window?.Length ?? 0} values, not {channels} channels × {samples} samples.", nameof(windows));
            }

            for (var v = 0; v < buffer.Length; v++)
            {
                buffer[v] = window[v];
                if (!double.IsFinite(buffer[v]))
                {
                    throw new ArgumentException($"Window {w}, channel {v / samples}, sample {v % samples} is not finite.", nameof(windows));
                }
            }

            var covariance = Covariance.Scatter(buffer, channels, samples);
            for (var i = 0; i < sum.Length; i++)
            {
                sum[i] += covariance[i];
            }
        }

        for (var i = 0; i < sum.Length; i++)
        {
            sum[i] /= windows.Count;
        }

        return sum;
    }

    /// <summary>Writes R · <paramref name="window"/> (channels × any number of samples) into <paramref name="target"/>; allocates nothing.</summary>
    public void Apply(ReadOnlySpan<float> window, Span<float> target)
    {
        var channels = Channels;
        if (window.Length % channels != 0 || target.Length != window.Length)
        {
            throw new ArgumentException(
                $"A window of {window.Length} values into {target.Length}: both must hold the same whole number of samples of {channels} channels.");
        }

        if (window.Overlaps(target))
        {
            throw new ArgumentException("The target must not overlap the window: every output row reads every input row.", nameof(target));
        }

        var samples = window.Length / channels;
        for (var i = 0; i < channels; i++)
        {
            var row = target.Slice(i * samples, samples);
            row.Clear();
            for (var j = 0; j < channels; j++)
            {
                var weight = _matrix[(i * channels) + j];
                if (weight != 0f)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(window.Slice(j * samples, samples), weight, row, row);
                }
            }
        }
    }

    /// <summary>R · <paramref name="window"/> as a new array.</summary>
    public float[] Apply(float[] window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var aligned = new float[window.Length];
        Apply(window, aligned);
        return aligned;
    }

    /// <summary>Every window (and crop context) of <paramref name="dataset"/> aligned; its channels must be this alignment's.</summary>
    /// <exception cref="ArgumentException">The dataset's channels are not this alignment's, in the same order.</exception>
    public EpochDataset Apply(EpochDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (!dataset.ChannelNames.SequenceEqual(ChannelNames, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"The dataset's channels [{string.Join(", ", dataset.ChannelNames)}] are not the alignment's [{string.Join(", ", ChannelNames)}].",
                nameof(dataset));
        }

        return dataset.MapSignals((values, _) => Apply(values));
    }

    /// <summary>R as rows of doubles (the manifest's form).</summary>
    public double[][] ToRows()
    {
        var rows = new double[Channels][];
        for (var i = 0; i < Channels; i++)
        {
            rows[i] = new double[Channels];
            for (var j = 0; j < Channels; j++)
            {
                rows[i][j] = _matrix[(i * Channels) + j];
            }
        }

        return rows;
    }

    /// <summary>R as a copy, row-major.</summary>
    public float[] ToArray() => (float[])_matrix.Clone();

    private static void CheckRank(double[] covariance, IReadOnlyList<string> channelNames)
    {
        var channels = channelNames.Count;
        var trace = 0.0;
        for (var c = 0; c < channels; c++)
        {
            trace += covariance[(c * channels) + c];
        }

        var meanVariance = trace / channels;
        if (!(meanVariance > 0))
        {
            throw new ArgumentException("Every channel of the alignment data is flat (zero variance); is the headset on and connected?");
        }

        for (var c = 0; c < channels; c++)
        {
            var variance = covariance[(c * channels) + c];
            if (variance < RankTolerance * meanVariance)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Channel {channelNames[c]} is flat (variance {variance:G3} µV² against a mean of {meanVariance:G3} µV² over the channels): a dead or disconnected electrode. Fix its contact, or leave it out of the montage, before calibrating."));
            }
        }

        var eigen = SymmetricEigen.Decompose(covariance, channels);
        if (eigen.Values[0] < RankTolerance * meanVariance)
        {
            // The channel that leans most on the null direction is the one the others can (almost) reproduce.
            var worst = 0;
            for (var c = 1; c < channels; c++)
            {
                if (Math.Abs(eigen.Vector(c, 0)) > Math.Abs(eigen.Vector(worst, 0)))
                {
                    worst = c;
                }
            }

            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The channels' mean covariance is rank-deficient (smallest eigenvalue {eigen.Values[0]:G3} µV² against a mean of {meanVariance:G3} µV²): channel {channelNames[worst]} is (nearly) a copy or a mix of the others, e.g. bridged by gel or shorted to the reference. Fix its contact, or leave it out of the montage, before calibrating."));
        }
    }

    private static float[] InverseSquareRoot(double[] covariance, int channels)
    {
        var eigen = SymmetricEigen.Decompose(covariance, channels);
        var meanEigenvalue = 0.0;
        foreach (var value in eigen.Values)
        {
            meanEigenvalue += value;
        }

        meanEigenvalue /= channels;
        var ridge = RelativeRidge * meanEigenvalue;
        var scales = new double[channels];
        for (var k = 0; k < channels; k++)
        {
            scales[k] = 1 / Math.Sqrt(eigen.Values[k] + ridge);
        }

        // R = V diag(λ^(-1/2)) Vᵀ: symmetric, so R̄^(-1/2) R̄ R̄^(-1/2) = I and aligning twice changes (almost) nothing.
        var matrix = new float[channels * channels];
        for (var i = 0; i < channels; i++)
        {
            for (var j = 0; j < channels; j++)
            {
                var sum = 0.0;
                for (var k = 0; k < channels; k++)
                {
                    sum += eigen.Vector(i, k) * scales[k] * eigen.Vector(j, k);
                }

                matrix[(i * channels) + j] = (float)sum;
            }
        }

        return matrix;
    }
}
