using System.Numerics.Tensors;

namespace EdgeBci.Training.Baseline;

/// <summary>
/// Covariance estimates for CSP and LDA. Data are row-major <c>variables × observations</c> (for EEG: channels ×
/// samples, the layout of an epoch window), and every matrix is row-major <c>variables × variables</c>.
/// </summary>
internal static class Covariance
{
    /// <summary>
    /// The window as doubles with each channel's mean removed. EEG amplifiers carry DC offsets of thousands of
    /// microvolts next to signals of tens; removing the mean before multiplying avoids the cancellation that
    /// <c>E[xy] − E[x]E[y]</c> would suffer.
    /// </summary>
    /// <exception cref="ArgumentException">A sample is NaN or infinite.</exception>
    public static double[] Centre(ReadOnlySpan<float> window, int channels, int samples, string parameterName)
    {
        var centred = new double[channels * samples];
        for (var c = 0; c < channels; c++)
        {
            var source = window.Slice(c * samples, samples);
            var row = centred.AsSpan(c * samples, samples);
            var sum = 0.0;
            for (var t = 0; t < samples; t++)
            {
                row[t] = source[t];
                sum += source[t];
            }

            var mean = sum / samples;
            if (!double.IsFinite(mean))
            {
                throw new ArgumentException($"Channel {c} of the window contains NaN or infinity.", parameterName);
            }

            for (var t = 0; t < samples; t++)
            {
                row[t] -= mean;
            }
        }

        return centred;
    }

    /// <summary>The maximum-likelihood covariance <c>S = X Xᵀ / n</c> of already centred data.</summary>
    public static double[] Scatter(double[] centred, int variables, int observations)
    {
        var s = new double[variables * variables];
        for (var i = 0; i < variables; i++)
        {
            var rowI = new ReadOnlySpan<double>(centred, i * observations, observations);
            for (var j = i; j < variables; j++)
            {
                var value = TensorPrimitives.Dot(rowI, new ReadOnlySpan<double>(centred, j * observations, observations)) / observations;
                s[(i * variables) + j] = value;
                s[(j * variables) + i] = value;
            }
        }

        return s;
    }

    /// <summary>
    /// The analytic Ledoit-Wolf shrinkage intensity (Ledoit and Wolf 2004, "A well-conditioned estimator for
    /// large-dimensional covariance matrices"; the same estimator as scikit-learn's <c>ledoit_wolf_shrinkage</c>) for
    /// shrinking <paramref name="scatter"/> toward <c>μI</c>, with <c>p</c> variables, <c>n</c> observations
    /// <c>x_t</c> and <c>μ = tr(S) / p</c>:
    /// <code>
    /// d² = ‖S − μI‖²_F / p                        how far S is from the target
    /// b̄² = Σ_t ‖x_t x_tᵀ − S‖²_F / (p n²)         how noisy S is as an estimate
    ///    = (Σ_t ‖x_t‖⁴ / n − ‖S‖²_F) / (p n)
    /// shrinkage = min(b̄², d²) / d²                (0 when S already is μI)
    /// </code>
    /// The result lies in [0, 1]: near 0 with many observations per variable, larger when variables are many or
    /// observations few, which is what keeps CSP's whitening and LDA's inverse stable on short calibrations.
    /// </summary>
    /// <param name="centred">The data <paramref name="scatter"/> was computed from, centred.</param>
    /// <param name="scatter">Its <see cref="Scatter"/>.</param>
    public static double LedoitWolfShrinkage(double[] centred, double[] scatter, int variables, int observations)
    {
        var mu = Trace(scatter, variables) / variables;
        var distanceSquared = 0.0;
        var scatterNormSquared = 0.0;
        for (var i = 0; i < variables; i++)
        {
            for (var j = 0; j < variables; j++)
            {
                var element = scatter[(i * variables) + j];
                var deviation = i == j ? element - mu : element;
                distanceSquared += deviation * deviation;
                scatterNormSquared += element * element;
            }
        }

        distanceSquared /= variables;
        if (distanceSquared <= 0)
        {
            return 0;
        }

        // Σ_t ‖x_t‖⁴: an observation is a column of the row-major data.
        var sumOfFourthPowers = 0.0;
        for (var t = 0; t < observations; t++)
        {
            var normSquared = 0.0;
            for (var i = 0; i < variables; i++)
            {
                var x = centred[(i * observations) + t];
                normSquared += x * x;
            }

            sumOfFourthPowers += normSquared * normSquared;
        }

        var noise = ((sumOfFourthPowers / observations) - scatterNormSquared) / ((double)variables * observations);
        return Math.Clamp(noise, 0, distanceSquared) / distanceSquared;
    }

    /// <summary><c>S ← (1 − shrinkage) S + shrinkage μ I</c> with <c>μ = tr(S) / p</c>; the trace is unchanged.</summary>
    public static void ShrinkTowardScaledIdentity(double[] matrix, int variables, double shrinkage)
    {
        var mu = Trace(matrix, variables) / variables;
        for (var i = 0; i < matrix.Length; i++)
        {
            matrix[i] *= 1 - shrinkage;
        }

        for (var i = 0; i < variables; i++)
        {
            matrix[(i * variables) + i] += shrinkage * mu;
        }
    }

    /// <summary>The Ledoit-Wolf estimate: <see cref="Scatter"/> shrunk by <see cref="LedoitWolfShrinkage"/>.</summary>
    public static double[] LedoitWolf(double[] centred, int variables, int observations)
    {
        var scatter = Scatter(centred, variables, observations);
        ShrinkTowardScaledIdentity(scatter, variables, LedoitWolfShrinkage(centred, scatter, variables, observations));
        return scatter;
    }

    public static double Trace(double[] matrix, int variables)
    {
        var trace = 0.0;
        for (var i = 0; i < variables; i++)
        {
            trace += matrix[(i * variables) + i];
        }

        return trace;
    }

    /// <summary><c>wᵀ M w</c> for a symmetric <paramref name="matrix"/>: the variance of <c>wᵀx</c> when M is x's covariance.</summary>
    public static double QuadraticForm(ReadOnlySpan<double> w, double[] matrix, int variables)
    {
        var sum = 0.0;
        for (var i = 0; i < variables; i++)
        {
            sum += w[i] * TensorPrimitives.Dot(w, new ReadOnlySpan<double>(matrix, i * variables, variables));
        }

        return sum;
    }
}
