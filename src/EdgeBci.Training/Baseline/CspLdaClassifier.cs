namespace EdgeBci.Training.Baseline;

/// <summary>
/// The classical motor-imagery baseline: Common Spatial Patterns (Ramoser, Müller and Pfurtscheller 2000) followed by
/// shrinkage Linear Discriminant Analysis. Any learned model has to beat this to earn its place on the headset.
/// <para>
/// <b>Input.</b> Windows are row-major <c>channels × samples</c> floats, already band-passed to the rhythm of interest
/// (typically 8–30 Hz): CSP finds spatial filters whose output variance differs between classes, and unfiltered
/// drift or line noise would dominate that variance.
/// </para>
/// <para>
/// <b>Covariances.</b> Each training window's channel means are removed and its covariance is estimated with the
/// analytic Ledoit-Wolf shrinkage toward a scaled identity (see <see cref="Covariance.LedoitWolfShrinkage"/>),
/// then divided by its trace so that a loud trial (an electrode moving, a blink) weighs no more than a quiet one.
/// The normalised covariances are averaged per class.
/// </para>
/// <para>
/// <b>CSP.</b> For class covariances <c>A</c> and <c>B</c>, the filters solve <c>A w = λ (A + B) w</c>. The
/// composite <c>A + B = U Λ Uᵀ</c> is whitened by <c>P = Λ^(−1/2) Uᵀ</c>; then <c>P A Pᵀ = R Ψ Rᵀ</c> and the
/// filters are the rows of <c>Rᵀ P</c>, with <c>ψ ∈ [0, 1]</c> the share of a filter's variance that belongs to
/// <c>A</c>. The <see cref="FilterPairs"/> filters with the largest ψ (loud in <c>A</c>, quiet in <c>B</c>) and
/// those with the smallest ψ (the reverse) are kept. Composite directions with eigenvalues below 1e-10 of the
/// largest are dropped before whitening, so rank-deficient data (a common-average reference removes one
/// dimension) does not divide by zero. Both eigenproblems use <see cref="SymmetricEigen"/>.
/// </para>
/// <para>
/// <b>More than two classes.</b> One-vs-rest CSP: for each class <c>k</c>, <c>A</c> is its covariance and
/// <c>B</c> the mean of the other classes' covariances (each class weighted equally, so a frequent class does not
/// dominate "the rest"). All classes' filters are concatenated, giving <c>classCount × 2 × FilterPairs</c>
/// features for one multi-class LDA. Two classes use a single CSP problem (one-vs-rest would only repeat it).
/// </para>
/// <para>
/// <b>Features.</b> Per CSP problem, the log of each filter's output variance divided by the sum over that
/// problem's filters. The log makes the band-power features roughly Gaussian, which LDA assumes; the
/// normalisation removes overall loudness, which carries no class information. A window with no variance at all
/// gets equal shares.
/// </para>
/// <para>
/// <b>LDA.</b> Class means of the features and their pooled within-class covariance, again shrunk by Ledoit-Wolf
/// (with few trials per class, the plain pooled covariance over-fits). Discriminant score of class k:
/// <c>δ_k(f) = μ_kᵀ Σ⁻¹ f − ½ μ_kᵀ Σ⁻¹ μ_k</c> with equal priors: the class balance of a calibration session says
/// nothing about what the user will imagine next. <see cref="PredictProbabilities"/> is the softmax of the scores,
/// which is the exact posterior of the shared-covariance Gaussian model LDA assumes.
/// </para>
/// <para>
/// Fully deterministic: no randomness anywhere, so the same data always produce the same model bit for bit.
/// After <see cref="Fit"/>, the prediction methods only read the model and may be called from several threads.
/// </para>
/// </summary>
public sealed class CspLdaClassifier
{
    public const int DefaultFilterPairs = 3;

    public const int MinFilterPairs = 2;

    public const int MaxFilterPairs = 3;

    // Composite eigenvalues below this fraction of the largest are a missing dimension, not a direction to whiten.
    private const double RankTolerance = 1e-10;

    // Smallest eigenvalue LDA divides by: features are log variance ratios of order one, so this only matters when
    // the features are exactly constant within classes (noise-free synthetic data).
    private const double MinimumFeatureVariance = 1e-12;

    // Spatial filters, row-major [filter × channel]; filters of one CSP problem are consecutive.
    private double[]? _filters;

    // LDA, row-major [class × feature] weights Σ⁻¹μ_k, and per class −½ μ_kᵀΣ⁻¹μ_k.
    private double[]? _weights;
    private double[]? _biases;

    /// <param name="filterPairs">Filters kept from each end of the CSP spectrum, <see cref="MinFilterPairs"/> to
    /// <see cref="MaxFilterPairs"/>: fewer loses information, more mostly adds noise on 8–16 channel headsets.</param>
    public CspLdaClassifier(int filterPairs = DefaultFilterPairs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(filterPairs, MinFilterPairs);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(filterPairs, MaxFilterPairs);
        FilterPairs = filterPairs;
    }

    public int FilterPairs { get; }

    public bool IsFitted => _filters is not null;

    /// <summary>Channels per window, set by <see cref="Fit"/>.</summary>
    public int Channels { get; private set; }

    /// <summary>Samples per channel per window, set by <see cref="Fit"/>.</summary>
    public int Samples { get; private set; }

    public int ClassCount { get; private set; }

    /// <summary>Number of CSP problems: one for two classes, otherwise one per class.</summary>
    public int ProblemCount => ClassCount == 2 ? 1 : ClassCount;

    /// <summary>Features per window: <c>ProblemCount × 2 × FilterPairs</c>.</summary>
    public int FeatureCount => ProblemCount * FiltersPerProblem;

    private int FiltersPerProblem => 2 * FilterPairs;

    /// <summary>
    /// Learns the spatial filters and the discriminant from labelled windows, replacing any previous model.
    /// </summary>
    /// <param name="windows">Row-major <paramref name="channels"/> × <paramref name="samples"/> band-passed EEG.</param>
    /// <param name="labels">Class of each window, 0 to <paramref name="classCount"/> − 1.</param>
    /// <param name="classCount">Number of classes, at least 2; every class needs at least 2 windows.</param>
    /// <exception cref="ArgumentException">Mismatched lengths, a window of the wrong size or with NaN/infinity or no
    /// variance, a label out of range, a class with fewer than 2 windows, or fewer usable channels than filters.</exception>
    public void Fit(IReadOnlyList<float[]> windows, int channels, int samples, IReadOnlyList<int> labels, int classCount)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 2);
        if (windows.Count != labels.Count)
        {
            throw new ArgumentException($"There are {windows.Count} windows but {labels.Count} labels.", nameof(labels));
        }

        if (channels < FiltersPerProblem)
        {
            throw new ArgumentException(
                $"{FilterPairs} filter pairs need at least {FiltersPerProblem} channels; the windows have {channels}.", nameof(channels));
        }

        var trialsPerClass = new int[classCount];
        for (var i = 0; i < labels.Count; i++)
        {
            var label = labels[i];
            if (label < 0 || label >= classCount)
            {
                throw new ArgumentException($"Label {label} of window {i} is outside 0..{classCount - 1}.", nameof(labels));
            }

            trialsPerClass[label]++;
            var window = windows[i] ?? throw new ArgumentException($"Window {i} is null.", nameof(windows));
            if (window.Length != channels * samples)
            {
                throw new ArgumentException(
                    $"Window {i} has {window.Length} values; {channels} channels × {samples} samples is {channels * samples}.", nameof(windows));
            }
        }

        for (var k = 0; k < classCount; k++)
        {
            if (trialsPerClass[k] < 2)
            {
                throw new ArgumentException(
                    $"Class {k} has {trialsPerClass[k]} window(s); each class needs at least 2 to estimate its covariance.", nameof(labels));
            }
        }

        // Per window: the plain covariance (features are the variances of the filtered window itself) and its
        // shrunk, trace-normalised version summed into the class covariance (for estimating the filters).
        var sampleCovariances = new double[windows.Count][];
        var classCovariances = new double[classCount][];
        for (var k = 0; k < classCount; k++)
        {
            classCovariances[k] = new double[channels * channels];
        }

        for (var i = 0; i < windows.Count; i++)
        {
            var centred = Covariance.Centre(windows[i], channels, samples, nameof(windows));
            var scatter = Covariance.Scatter(centred, channels, samples);
            sampleCovariances[i] = scatter;
            var trace = Covariance.Trace(scatter, channels);
            if (trace <= 0)
            {
                throw new ArgumentException($"Window {i} is flat on every channel; a covariance without variance cannot be normalised.", nameof(windows));
            }

            var shrunk = (double[])scatter.Clone();
            Covariance.ShrinkTowardScaledIdentity(shrunk, channels, Covariance.LedoitWolfShrinkage(centred, scatter, channels, samples));
            var classSum = classCovariances[labels[i]];
            for (var e = 0; e < shrunk.Length; e++)
            {
                classSum[e] += shrunk[e] / trace;
            }
        }

        for (var k = 0; k < classCount; k++)
        {
            Scale(classCovariances[k], 1.0 / trialsPerClass[k]);
        }

        var problems = classCount == 2 ? 1 : classCount;
        var filters = new double[problems * FiltersPerProblem * channels];
        for (var problem = 0; problem < problems; problem++)
        {
            var rest = classCount == 2 ? classCovariances[1] : MeanOfOthers(classCovariances, problem);
            var problemFilters = CommonSpatialPatterns(classCovariances[problem], rest, channels, nameof(windows));
            problemFilters.CopyTo(filters, problem * FiltersPerProblem * channels);
        }

        var featureCount = problems * FiltersPerProblem;
        var features = new double[windows.Count][];
        for (var i = 0; i < windows.Count; i++)
        {
            features[i] = new double[featureCount];
            Features(filters, sampleCovariances[i], channels, problems, features[i]);
        }

        var (weights, biases) = FitDiscriminant(features, labels, trialsPerClass, featureCount);

        _filters = filters;
        _weights = weights;
        _biases = biases;
        Channels = channels;
        Samples = samples;
        ClassCount = classCount;
    }

    /// <summary>The most probable class of a window (the lowest class index on an exact tie).</summary>
    public int Predict(float[] window)
    {
        var scores = DiscriminantScores(window);
        var best = 0;
        for (var k = 1; k < scores.Length; k++)
        {
            if (scores[k] > scores[best])
            {
                best = k;
            }
        }

        return best;
    }

    /// <summary>Posterior probability of each class, summing to 1: the softmax of the discriminant scores.</summary>
    public double[] PredictProbabilities(float[] window)
    {
        var scores = DiscriminantScores(window);
        var max = double.NegativeInfinity;
        foreach (var score in scores)
        {
            max = Math.Max(max, score);
        }

        // Subtracting the largest score first keeps every exponent ≤ 0, so nothing overflows.
        var sum = 0.0;
        for (var k = 0; k < scores.Length; k++)
        {
            scores[k] = Math.Exp(scores[k] - max);
            sum += scores[k];
        }

        for (var k = 0; k < scores.Length; k++)
        {
            scores[k] /= sum;
        }

        return scores;
    }

    /// <summary>
    /// The log normalised CSP variances the discriminant sees, <see cref="FeatureCount"/> of them: for inspection,
    /// plots, or another classifier on the same features.
    /// </summary>
    public double[] ExtractFeatures(float[] window)
    {
        var (filters, _, _) = RequireFitted();
        ArgumentNullException.ThrowIfNull(window);
        if (window.Length != Channels * Samples)
        {
            throw new ArgumentException(
                $"The window has {window.Length} values; the model was fitted on {Channels} channels × {Samples} samples = {Channels * Samples}.",
                nameof(window));
        }

        var scatter = Covariance.Scatter(Covariance.Centre(window, Channels, Samples, nameof(window)), Channels, Samples);
        var features = new double[FeatureCount];
        Features(filters, scatter, Channels, ProblemCount, features);
        return features;
    }

    private double[] DiscriminantScores(float[] window)
    {
        var features = ExtractFeatures(window);
        var (_, weights, biases) = RequireFitted();
        var scores = new double[ClassCount];
        for (var k = 0; k < ClassCount; k++)
        {
            var score = biases[k];
            for (var f = 0; f < features.Length; f++)
            {
                score += weights[(k * features.Length) + f] * features[f];
            }

            scores[k] = score;
        }

        return scores;
    }

    private (double[] Filters, double[] Weights, double[] Biases) RequireFitted() =>
        _filters is not null && _weights is not null && _biases is not null
            ? (_filters, _weights, _biases)
            : throw new InvalidOperationException("The classifier has not been fitted; call Fit first.");

    /// <summary>Row-major [2 × FilterPairs, channels]: the largest-ψ filters first (descending), then the smallest.</summary>
    private double[] CommonSpatialPatterns(double[] a, double[] b, int channels, string windowsParameter)
    {
        var composite = new double[channels * channels];
        for (var e = 0; e < composite.Length; e++)
        {
            composite[e] = a[e] + b[e];
        }

        var compositeEigen = SymmetricEigen.Decompose(composite, channels);
        var largest = compositeEigen.Values[channels - 1];
        var kept = new List<int>(channels);
        for (var k = 0; k < channels; k++)
        {
            if (compositeEigen.Values[k] > RankTolerance * largest)
            {
                kept.Add(k);
            }
        }

        var rank = kept.Count;
        if (rank < FiltersPerProblem)
        {
            throw new ArgumentException(
                $"The windows span only {rank} independent channel directions; {FilterPairs} filter pairs need {FiltersPerProblem}.", windowsParameter);
        }

        // Whitening P = Λ^(−1/2) Uᵀ over the kept directions, row-major [rank × channels].
        var whitening = new double[rank * channels];
        for (var r = 0; r < rank; r++)
        {
            var k = kept[r];
            var scale = 1 / Math.Sqrt(compositeEigen.Values[k]);
            for (var c = 0; c < channels; c++)
            {
                whitening[(r * channels) + c] = compositeEigen.Vector(c, k) * scale;
            }
        }

        // P A Pᵀ, symmetrised against rounding so the eigen-solver's symmetry check sees what it should.
        var whitenedA = new double[rank * rank];
        var row = new double[channels];
        for (var i = 0; i < rank; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                var sum = 0.0;
                for (var d = 0; d < channels; d++)
                {
                    sum += whitening[(i * channels) + d] * a[(d * channels) + c];
                }

                row[c] = sum;
            }

            for (var j = 0; j < rank; j++)
            {
                var sum = 0.0;
                for (var c = 0; c < channels; c++)
                {
                    sum += row[c] * whitening[(j * channels) + c];
                }

                whitenedA[(i * rank) + j] = sum;
            }
        }

        for (var i = 0; i < rank; i++)
        {
            for (var j = i + 1; j < rank; j++)
            {
                var mean = (whitenedA[(i * rank) + j] + whitenedA[(j * rank) + i]) / 2;
                whitenedA[(i * rank) + j] = mean;
                whitenedA[(j * rank) + i] = mean;
            }
        }

        var rotation = SymmetricEigen.Decompose(whitenedA, rank);
        var filters = new double[FiltersPerProblem * channels];
        for (var f = 0; f < FiltersPerProblem; f++)
        {
            // Ascending eigenvalues: the first pairs come from the top end, the rest from the bottom end.
            var k = f < FilterPairs ? rank - 1 - f : FiltersPerProblem - 1 - f;
            for (var c = 0; c < channels; c++)
            {
                var sum = 0.0;
                for (var r = 0; r < rank; r++)
                {
                    sum += rotation.Vector(r, k) * whitening[(r * channels) + c];
                }

                filters[(f * channels) + c] = sum;
            }
        }

        return filters;
    }

    private void Features(double[] filters, double[] scatter, int channels, int problems, double[] features)
    {
        for (var problem = 0; problem < problems; problem++)
        {
            var first = problem * FiltersPerProblem;
            var total = 0.0;
            for (var f = first; f < first + FiltersPerProblem; f++)
            {
                features[f] = Math.Max(0, Covariance.QuadraticForm(filters.AsSpan(f * channels, channels), scatter, channels));
                total += features[f];
            }

            for (var f = first; f < first + FiltersPerProblem; f++)
            {
                features[f] = total > 0 && features[f] > 0 ? Math.Log(features[f] / total) : Math.Log(1.0 / FiltersPerProblem);
            }
        }
    }

    private static (double[] Weights, double[] Biases) FitDiscriminant(double[][] features, IReadOnlyList<int> labels, int[] trialsPerClass, int featureCount)
    {
        var classCount = trialsPerClass.Length;
        var means = new double[classCount * featureCount];
        for (var i = 0; i < features.Length; i++)
        {
            for (var f = 0; f < featureCount; f++)
            {
                means[(labels[i] * featureCount) + f] += features[i][f];
            }
        }

        for (var k = 0; k < classCount; k++)
        {
            for (var f = 0; f < featureCount; f++)
            {
                means[(k * featureCount) + f] /= trialsPerClass[k];
            }
        }

        // Within-class deviations as row-major [feature × window], the layout the covariance code expects.
        var deviations = new double[featureCount * features.Length];
        for (var i = 0; i < features.Length; i++)
        {
            for (var f = 0; f < featureCount; f++)
            {
                deviations[(f * features.Length) + i] = features[i][f] - means[(labels[i] * featureCount) + f];
            }
        }

        var pooled = Covariance.LedoitWolf(deviations, featureCount, features.Length);
        var inverse = InverseOfSymmetric(pooled, featureCount);

        var weights = new double[classCount * featureCount];
        var biases = new double[classCount];
        for (var k = 0; k < classCount; k++)
        {
            var mean = means.AsSpan(k * featureCount, featureCount);
            var halfMahalanobis = 0.0;
            for (var f = 0; f < featureCount; f++)
            {
                var weight = 0.0;
                for (var g = 0; g < featureCount; g++)
                {
                    weight += inverse[(f * featureCount) + g] * mean[g];
                }

                weights[(k * featureCount) + f] = weight;
                halfMahalanobis += weight * mean[f] / 2;
            }

            biases[k] = -halfMahalanobis;
        }

        return (weights, biases);
    }

    /// <summary><c>V Λ⁻¹ Vᵀ</c>, with eigenvalues floored so a degenerate covariance still gives finite scores.</summary>
    private static double[] InverseOfSymmetric(double[] matrix, int size)
    {
        var eigen = SymmetricEigen.Decompose(matrix, size);
        var floor = Math.Max(eigen.Values[size - 1] * RankTolerance, MinimumFeatureVariance);
        var inverse = new double[size * size];
        for (var k = 0; k < size; k++)
        {
            var reciprocal = 1 / Math.Max(eigen.Values[k], floor);
            for (var i = 0; i < size; i++)
            {
                var scaled = eigen.Vector(i, k) * reciprocal;
                for (var j = 0; j < size; j++)
                {
                    inverse[(i * size) + j] += scaled * eigen.Vector(j, k);
                }
            }
        }

        return inverse;
    }

    private static double[] MeanOfOthers(double[][] classCovariances, int excluded)
    {
        var mean = new double[classCovariances[0].Length];
        for (var k = 0; k < classCovariances.Length; k++)
        {
            if (k == excluded)
            {
                continue;
            }

            for (var e = 0; e < mean.Length; e++)
            {
                mean[e] += classCovariances[k][e];
            }
        }

        Scale(mean, 1.0 / (classCovariances.Length - 1));
        return mean;
    }

    private static void Scale(double[] values, double factor)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] *= factor;
        }
    }
}
