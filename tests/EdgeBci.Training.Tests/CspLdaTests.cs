using EdgeBci.Training.Baseline;
using EdgeBci.Training.Evaluation;

namespace EdgeBci.Training.Tests;

/// <summary>
/// The CSP+LDA baseline and the linear algebra under it: the Jacobi eigen-solver against matrices with known
/// spectra, the Ledoit-Wolf estimator against its defining formula, and the classifier on synthetic motor-imagery
/// data where the answer is known (10 Hz power on channel 2 for one class, on channel 5 for the other).
/// </summary>
public class CspLdaTests
{
    private const int Channels = 8;
    private const int SampleRate = 250;
    private const int Samples = 2 * SampleRate;
    private const int Trials = 100;
    private const int DataSeed = 20_250_601;
    private const int FoldSeed = 7;

    // ---- Jacobi eigen-solver ------------------------------------------------------------------------------------

    [Test]
    public void The_eigenvalues_of_a_2x2_matrix_with_ones_off_the_diagonal_are_one_and_three()
    {
        var eigen = SymmetricEigen.Decompose([2, 1, 1, 2], 2);

        Assert.That(eigen.Values, Is.EqualTo(new[] { 1.0, 3.0 }).Within(1e-14));
        AssertDecomposes([2, 1, 1, 2], eigen);
    }

    [Test]
    public void The_second_difference_matrix_has_its_textbook_eigenvalues_two_minus_root_two_two_and_two_plus_root_two()
    {
        double[] matrix = [2, -1, 0, -1, 2, -1, 0, -1, 2];

        var eigen = SymmetricEigen.Decompose(matrix, 3);

        Assert.That(eigen.Values, Is.EqualTo(new[] { 2 - Math.Sqrt(2), 2, 2 + Math.Sqrt(2) }).Within(1e-14));
        AssertDecomposes(matrix, eigen);
    }

    [Test]
    public void A_diagonal_matrix_yields_its_diagonal_sorted_ascending_with_unit_vectors()
    {
        double[] matrix = [5, 0, 0, 0, -1, 0, 0, 0, 3];

        var eigen = SymmetricEigen.Decompose(matrix, 3);

        Assert.That(eigen.Values, Is.EqualTo(new[] { -1.0, 3.0, 5.0 }));
        Assert.That(Math.Abs(eigen.Vector(1, 0)), Is.EqualTo(1));
        Assert.That(Math.Abs(eigen.Vector(2, 1)), Is.EqualTo(1));
        Assert.That(Math.Abs(eigen.Vector(0, 2)), Is.EqualTo(1));
    }

    [Test]
    public void A_matrix_of_ones_has_a_triple_zero_eigenvalue_and_still_orthonormal_vectors()
    {
        var matrix = Enumerable.Repeat(1.0, 16).ToArray();

        var eigen = SymmetricEigen.Decompose(matrix, 4);

        Assert.That(eigen.Values, Is.EqualTo(new[] { 0.0, 0.0, 0.0, 4.0 }).Within(1e-14));
        AssertDecomposes(matrix, eigen);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(5)]
    [TestCase(8)]
    [TestCase(16)]
    [TestCase(40)]
    public void Random_symmetric_matrices_are_reconstructed_from_orthonormal_eigenvectors_within_1e_9(int size)
    {
        var random = new Random(size * 101);
        var matrix = new double[size * size];
        for (var i = 0; i < size; i++)
        {
            for (var j = i; j < size; j++)
            {
                var value = (random.NextDouble() * 20) - 10;
                matrix[(i * size) + j] = value;
                matrix[(j * size) + i] = value;
            }
        }

        var eigen = SymmetricEigen.Decompose(matrix, size);

        AssertDecomposes(matrix, eigen);
        for (var k = 1; k < size; k++)
        {
            Assert.That(eigen.Values[k], Is.GreaterThanOrEqualTo(eigen.Values[k - 1]), "eigenvalues ascend");
        }
    }

    [Test]
    public void The_eigen_solver_rejects_asymmetric_matrices_and_NaN()
    {
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Decompose([1, 2, 3, 4], 2));
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Decompose([1, double.NaN, double.NaN, 4], 2));
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Decompose([1, 2, 3], 2));
    }

    // ---- Ledoit-Wolf ---------------------------------------------------------------------------------------------

    [Test]
    public void The_Ledoit_Wolf_shortcut_equals_the_defining_sum_over_observations()
    {
        const int variables = 4;
        const int observations = 7;
        var random = new Random(3);
        var data = new double[variables * observations];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = Gaussian(random) * (1 + (i / observations));
        }

        var centred = CentreRows(data, variables, observations);
        var scatter = Covariance.Scatter(centred, variables, observations);

        // d² = ‖S − μI‖² / p; b̄² = Σ_t ‖x_t x_tᵀ − S‖² / (p n²); shrinkage = min(b̄², d²) / d².
        var mu = Covariance.Trace(scatter, variables) / variables;
        double distance = 0, noise = 0;
        for (var i = 0; i < variables; i++)
        {
            for (var j = 0; j < variables; j++)
            {
                var deviation = scatter[(i * variables) + j] - (i == j ? mu : 0);
                distance += deviation * deviation / variables;
            }
        }

        for (var t = 0; t < observations; t++)
        {
            for (var i = 0; i < variables; i++)
            {
                for (var j = 0; j < variables; j++)
                {
                    var deviation = (centred[(i * observations) + t] * centred[(j * observations) + t]) - scatter[(i * variables) + j];
                    noise += deviation * deviation / (variables * (double)observations * observations);
                }
            }
        }

        var shrinkage = Covariance.LedoitWolfShrinkage(centred, scatter, variables, observations);

        Assert.That(shrinkage, Is.EqualTo(Math.Min(noise, distance) / distance).Within(1e-12));
        Assert.That(shrinkage, Is.InRange(0.0, 1.0));
    }

    [Test]
    public void Ledoit_Wolf_shrinks_hard_with_few_observations_and_barely_with_many_and_keeps_the_trace()
    {
        var random = new Random(11);
        double ShrinkageFor(int observations)
        {
            var data = new double[4 * observations];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = Gaussian(random) * (1 + (i / observations));
            }

            var centred = CentreRows(data, 4, observations);
            return Covariance.LedoitWolfShrinkage(centred, Covariance.Scatter(centred, 4, observations), 4, observations);
        }

        var few = ShrinkageFor(5);
        var many = ShrinkageFor(20_000);
        var matrix = new double[] { 4, 1, 0, 1, 2, 0, 0, 0, 3 };
        Covariance.ShrinkTowardScaledIdentity(matrix, 3, 0.5);

        Assert.That(few, Is.GreaterThan(0.2));
        Assert.That(many, Is.LessThan(0.01));
        Assert.That(Covariance.Trace(matrix, 3), Is.EqualTo(9).Within(1e-12));
        Assert.That(matrix, Is.EqualTo(new[] { 3.5, 0.5, 0, 0.5, 2.5, 0, 0, 0, 3 }).Within(1e-12));
    }

    // ---- CSP + LDA -----------------------------------------------------------------------------------------------

    [Test]
    public void CSP_LDA_separates_10_Hz_power_on_channel_2_from_channel_5_with_at_least_95_percent_in_5_fold_CV()
    {
        var (windows, labels) = Synthetic(Trials, DataSeed, strongChannels: [2, 5]);

        var metrics = CrossValidate(windows, labels, classCount: 2, ["A (ch 2)", "B (ch 5)"]);

        TestContext.Out.WriteLine(metrics.FormatTable());
        Assert.That(metrics.Accuracy, Is.GreaterThanOrEqualTo(0.95));
    }

    [Test]
    public void CSP_LDA_stays_at_chance_when_the_labels_are_shuffled()
    {
        var (windows, labels) = Synthetic(Trials, DataSeed, strongChannels: [2, 5]);
        var random = new Random(99);
        for (var i = labels.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (labels[i], labels[j]) = (labels[j], labels[i]);
        }

        var metrics = CrossValidate(windows, labels, classCount: 2, ["A", "B"]);

        TestContext.Out.WriteLine(metrics.FormatTable());
        Assert.That(metrics.Accuracy, Is.InRange(0.30, 0.70));
    }

    [Test]
    public void Three_classes_are_separated_by_one_vs_rest_CSP()
    {
        var (windows, labels) = Synthetic(90, DataSeed + 1, strongChannels: [2, 5, 7]);

        var metrics = CrossValidate(windows, labels, classCount: 3, ["ch 2", "ch 5", "ch 7"]);

        TestContext.Out.WriteLine(metrics.FormatTable());
        Assert.That(metrics.Accuracy, Is.GreaterThanOrEqualTo(0.9));
    }

    [Test]
    public void Common_average_referenced_data_lacking_one_dimension_still_trains_and_separates()
    {
        var (windows, labels) = Synthetic(Trials, DataSeed + 2, strongChannels: [2, 5]);
        foreach (var window in windows)
        {
            for (var t = 0; t < Samples; t++)
            {
                var mean = 0f;
                for (var c = 0; c < Channels; c++)
                {
                    mean += window[(c * Samples) + t];
                }

                mean /= Channels;
                for (var c = 0; c < Channels; c++)
                {
                    window[(c * Samples) + t] -= mean;
                }
            }
        }

        var metrics = CrossValidate(windows, labels, classCount: 2, ["A", "B"]);

        TestContext.Out.WriteLine(metrics.FormatTable());
        Assert.That(metrics.Accuracy, Is.GreaterThanOrEqualTo(0.95));
    }

    [Test]
    public void Two_filter_pairs_give_four_features_and_still_separate_the_classes()
    {
        var (windows, labels) = Synthetic(40, DataSeed + 7, strongChannels: [2, 5]);
        var (test, testLabels) = Synthetic(40, DataSeed + 8, strongChannels: [2, 5]);
        var classifier = new CspLdaClassifier(filterPairs: 2);

        classifier.Fit(windows, Channels, Samples, labels, 2);
        var correct = Enumerable.Range(0, test.Count).Count(i => classifier.Predict(test[i]) == testLabels[i]);

        Assert.That(classifier.FeatureCount, Is.EqualTo(4));
        Assert.That(correct, Is.GreaterThanOrEqualTo(38), "out of 40 held-out trials");
    }

    [Test]
    public void Two_fits_on_the_same_data_give_identical_features_and_probabilities()
    {
        var (windows, labels) = Synthetic(40, DataSeed + 3, strongChannels: [2, 5]);
        var first = new CspLdaClassifier();
        var second = new CspLdaClassifier();

        first.Fit(windows, Channels, Samples, labels, 2);
        second.Fit(windows, Channels, Samples, labels, 2);

        foreach (var window in windows)
        {
            Assert.That(second.ExtractFeatures(window), Is.EqualTo(first.ExtractFeatures(window)));
            Assert.That(second.PredictProbabilities(window), Is.EqualTo(first.PredictProbabilities(window)));
        }
    }

    [Test]
    public void Probabilities_sum_to_one_and_their_largest_is_the_predicted_class()
    {
        var (windows, labels) = Synthetic(40, DataSeed + 4, strongChannels: [2, 5, 7]);
        var classifier = new CspLdaClassifier();

        classifier.Fit(windows, Channels, Samples, labels, 3);

        Assert.That(classifier.FeatureCount, Is.EqualTo(3 * 6));
        foreach (var window in windows)
        {
            var probabilities = classifier.PredictProbabilities(window);
            Assert.That(probabilities.Sum(), Is.EqualTo(1).Within(1e-12));
            Assert.That(probabilities, Is.All.InRange(0.0, 1.0));
            Assert.That(classifier.Predict(window), Is.EqualTo(Array.IndexOf(probabilities, probabilities.Max())));
        }
    }

    [Test]
    public void Bad_training_input_is_rejected_with_an_ArgumentException_that_names_the_problem()
    {
        var (windows, labels) = Synthetic(10, DataSeed + 5, strongChannels: [2, 5]);
        var classifier = new CspLdaClassifier();

        var mismatched = Assert.Throws<ArgumentException>(() => classifier.Fit(windows, Channels, Samples, labels[..9], 2));
        Assert.That(mismatched!.Message, Does.Contain("10 windows but 9 labels"));

        int[] lonely = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        var small = Assert.Throws<ArgumentException>(() => classifier.Fit(windows, Channels, Samples, lonely, 2));
        Assert.That(small!.Message, Does.Contain("Class 1 has 1 window"));

        var wrongShape = Assert.Throws<ArgumentException>(() => classifier.Fit(windows, Channels, Samples - 1, labels, 2));
        Assert.That(wrongShape!.Message, Does.Contain("8 channels × 499 samples"));

        int[] outOfRange = [0, 1, 0, 1, 0, 1, 0, 1, 0, 2];
        Assert.Throws<ArgumentException>(() => classifier.Fit(windows, Channels, Samples, outOfRange, 2));

        var tooFewChannels = windows.Select(w => w[..(4 * Samples)]).ToList();
        Assert.Throws<ArgumentException>(() => classifier.Fit(tooFewChannels, 4, Samples, labels, 2));

        var withNaN = windows.Select(w => (float[])w.Clone()).ToList();
        withNaN[3][17] = float.NaN;
        Assert.Throws<ArgumentException>(() => classifier.Fit(withNaN, Channels, Samples, labels, 2));

        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new CspLdaClassifier(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new CspLdaClassifier(4));
        Assert.That(classifier.IsFitted, Is.False);
    }

    [Test]
    public void Predicting_before_fitting_or_with_a_wrong_sized_window_fails_clearly()
    {
        var (windows, labels) = Synthetic(10, DataSeed + 6, strongChannels: [2, 5]);
        var classifier = new CspLdaClassifier();

        Assert.Throws<InvalidOperationException>(() => classifier.Predict(windows[0]));
        classifier.Fit(windows, Channels, Samples, labels, 2);
        Assert.Throws<ArgumentException>(() => classifier.Predict(new float[Channels * (Samples - 1)]));
        Assert.That(classifier.PredictProbabilities(new float[Channels * Samples]), Is.All.InRange(0.0, 1.0), "a flat window gets equal shares");
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    /// <summary>
    /// Trials of 8 channels, 2 s at 250 Hz: per channel white noise (σ 1) and a DC offset, a common broadband source
    /// (σ 1) and a common 10 Hz rhythm (amplitude 0.7) mixed into every channel with fixed weights, and for class k
    /// an extra 10 Hz rhythm of amplitude 1.5 × U(0.6, 1.4) and random phase on channel strongChannels[k].
    /// Labels alternate 0, 1, …, so classes are balanced.
    /// </summary>
    private static (List<float[]> Windows, int[] Labels) Synthetic(int trials, int seed, int[] strongChannels)
    {
        var random = new Random(seed);
        var mixing = new double[Channels];
        for (var c = 0; c < Channels; c++)
        {
            mixing[c] = 0.5 + random.NextDouble();
        }

        var windows = new List<float[]>(trials);
        var labels = new int[trials];
        var common = new double[Samples];
        for (var i = 0; i < trials; i++)
        {
            var label = i % strongChannels.Length;
            labels[i] = label;
            var window = new float[Channels * Samples];
            var commonPhase = random.NextDouble() * 2 * Math.PI;
            for (var t = 0; t < Samples; t++)
            {
                common[t] = Gaussian(random) + (0.7 * Math.Sin((2 * Math.PI * 10 * t / SampleRate) + commonPhase));
            }

            for (var c = 0; c < Channels; c++)
            {
                var offset = 50.0 * (c - 3);
                for (var t = 0; t < Samples; t++)
                {
                    window[(c * Samples) + t] = (float)(offset + Gaussian(random) + (mixing[c] * common[t]));
                }
            }

            var amplitude = 1.5 * (0.6 + (0.8 * random.NextDouble()));
            var phase = random.NextDouble() * 2 * Math.PI;
            var strong = strongChannels[label];
            for (var t = 0; t < Samples; t++)
            {
                window[(strong * Samples) + t] += (float)(amplitude * Math.Sin((2 * Math.PI * 10 * t / SampleRate) + phase));
            }

            windows.Add(window);
        }

        return (windows, labels);
    }

    private static ClassificationMetrics CrossValidate(List<float[]> windows, int[] labels, int classCount, string[] classNames)
    {
        var predicted = new int[labels.Length];
        foreach (var (train, test) in CrossValidation.StratifiedKFold(labels, 5, FoldSeed))
        {
            var classifier = new CspLdaClassifier();
            classifier.Fit(train.Select(i => windows[i]).ToList(), Channels, Samples, train.Select(i => labels[i]).ToList(), classCount);
            foreach (var i in test)
            {
                predicted[i] = classifier.Predict(windows[i]);
            }
        }

        return ClassificationMetrics.Compute(labels, predicted, classNames);
    }

    private static void AssertDecomposes(double[] matrix, EigenDecomposition eigen)
    {
        var n = eigen.Size;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double reconstructed = 0, gram = 0;
                for (var k = 0; k < n; k++)
                {
                    reconstructed += eigen.Vector(i, k) * eigen.Values[k] * eigen.Vector(j, k);
                    gram += eigen.Vector(k, i) * eigen.Vector(k, j);
                }

                Assert.That(reconstructed, Is.EqualTo(matrix[(i * n) + j]).Within(1e-9), $"V Λ Vᵀ at ({i}, {j})");
                Assert.That(gram, Is.EqualTo(i == j ? 1 : 0).Within(1e-12), $"Vᵀ V at ({i}, {j})");
            }
        }
    }

    private static double[] CentreRows(double[] data, int rows, int columns)
    {
        var centred = (double[])data.Clone();
        for (var r = 0; r < rows; r++)
        {
            var row = centred.AsSpan(r * columns, columns);
            var mean = 0.0;
            foreach (var value in row)
            {
                mean += value / columns;
            }

            for (var t = 0; t < columns; t++)
            {
                row[t] -= mean;
            }
        }

        return centred;
    }

    // Box-Muller: a standard normal from two uniforms.
    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
