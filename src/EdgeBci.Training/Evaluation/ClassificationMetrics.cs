using System.Globalization;
using System.Text;

namespace EdgeBci.Training.Evaluation;

/// <summary>Precision, recall and F1 of one class, with how often it occurs in the truth and in the predictions.</summary>
/// <param name="Support">Samples whose true class is this one.</param>
/// <param name="PredictedCount">Samples predicted as this class.</param>
public sealed record ClassScores(string Name, int Support, int PredictedCount, double Precision, double Recall, double F1);

/// <summary>
/// How well predicted classes match true ones, in the numbers BCI papers report, so a baseline and a learned model
/// are compared on the same footing.
/// <para>
/// <b>Accuracy</b> alone flatters a classifier on unbalanced data; <b>balanced accuracy</b> (the mean recall over
/// classes that occur in the truth) and <b>Cohen's kappa</b> (<c>(p_o − p_e) / (1 − p_e)</c>: agreement beyond what
/// the two label frequencies would produce by chance; 0 is chance, 1 perfect) do not.
/// </para>
/// <para>
/// <b>Undefined ratios are 0, never NaN</b> (scikit-learn's <c>zero_division=0</c>): the precision of a class never
/// predicted, the recall of a class absent from the truth, the F1 when precision and recall are both 0, and kappa
/// when chance agreement is already 1 (one single class in both lists: nothing beyond chance can be shown). A NaN
/// would poison every average and table it reaches; 0 is the conservative reading of "no evidence".
/// </para>
/// </summary>
public sealed class ClassificationMetrics
{
    // Row-major [truth × predicted] counts.
    private readonly int[] _confusion;
    private readonly string[] _classNames;
    private readonly ClassScores[] _perClass;

    private ClassificationMetrics(string[] classNames, int[] confusion, int sampleCount)
    {
        _classNames = classNames;
        _confusion = confusion;
        SampleCount = sampleCount;
        var classCount = classNames.Length;

        var correct = 0;
        var recallSum = 0.0;
        var classesInTruth = 0;
        var chanceAgreement = 0.0;
        var f1Sum = 0.0;
        _perClass = new ClassScores[classCount];
        for (var k = 0; k < classCount; k++)
        {
            var truePositives = Count(k, k);
            var support = 0;
            var predictedCount = 0;
            for (var j = 0; j < classCount; j++)
            {
                support += Count(k, j);
                predictedCount += Count(j, k);
            }

            correct += truePositives;
            var precision = predictedCount == 0 ? 0 : (double)truePositives / predictedCount;
            var recall = support == 0 ? 0 : (double)truePositives / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            _perClass[k] = new ClassScores(classNames[k], support, predictedCount, precision, recall, f1);
            f1Sum += f1;
            if (support > 0)
            {
                recallSum += recall;
                classesInTruth++;
            }

            chanceAgreement += (double)support / sampleCount * ((double)predictedCount / sampleCount);
        }

        Accuracy = (double)correct / sampleCount;
        BalancedAccuracy = recallSum / classesInTruth;
        MacroF1 = f1Sum / classCount;
        CohensKappa = chanceAgreement >= 1 ? 0 : (Accuracy - chanceAgreement) / (1 - chanceAgreement);
    }

    public IReadOnlyList<string> ClassNames => _classNames;

    public int ClassCount => _classNames.Length;

    public int SampleCount { get; }

    /// <summary>Share of samples predicted correctly.</summary>
    public double Accuracy { get; }

    /// <summary>Mean recall over the classes that occur in the truth: the accuracy the classifier would have on balanced data.</summary>
    public double BalancedAccuracy { get; }

    /// <summary>Cohen's kappa: 0 at chance, 1 perfect, negative when worse than chance; 0 when chance agreement is 1.</summary>
    public double CohensKappa { get; }

    /// <summary>Unweighted mean F1 over all classes.</summary>
    public double MacroF1 { get; }

    /// <summary>Per class, in class index order.</summary>
    public IReadOnlyList<ClassScores> PerClass => _perClass;

    /// <summary>
    /// Compares predictions with the truth. Class indices run from 0 to <c>classNames.Count − 1</c>; a class may be
    /// absent from either list (see the class remarks for the ratios that then become 0).
    /// </summary>
    /// <exception cref="ArgumentException">Empty or mismatched lists, no class names, or a class index out of range.</exception>
    public static ClassificationMetrics Compute(IReadOnlyList<int> truth, IReadOnlyList<int> predicted, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(truth);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentNullException.ThrowIfNull(classNames);
        if (truth.Count != predicted.Count)
        {
            throw new ArgumentException($"There are {truth.Count} true labels but {predicted.Count} predictions.", nameof(predicted));
        }

        if (truth.Count == 0)
        {
            throw new ArgumentException("No samples to evaluate.", nameof(truth));
        }

        var names = CopyClassNames(classNames);
        var classCount = names.Length;
        var confusion = new int[classCount * classCount];
        for (var i = 0; i < truth.Count; i++)
        {
            var actual = truth[i];
            var guess = predicted[i];
            if (actual < 0 || actual >= classCount)
            {
                throw new ArgumentException($"True label {actual} of sample {i} is outside 0..{classCount - 1}.", nameof(truth));
            }

            if (guess < 0 || guess >= classCount)
            {
                throw new ArgumentException($"Prediction {guess} of sample {i} is outside 0..{classCount - 1}.", nameof(predicted));
            }

            confusion[(actual * classCount) + guess]++;
        }

        return new ClassificationMetrics(names, confusion, truth.Count);
    }

    /// <summary>
    /// The metrics of a confusion matrix already counted, indexed [truth, predicted]: what a saved report keeps, so
    /// every figure it shows can be recomputed from the counts instead of trusted.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// A matrix that is not square, does not match the class names, holds a negative count or no samples at all.
    /// </exception>
    public static ClassificationMetrics FromConfusionMatrix(int[,] counts, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var names = CopyClassNames(classNames);
        var classCount = names.Length;
        if (counts.GetLength(0) != classCount || counts.GetLength(1) != classCount)
        {
            throw new ArgumentException(
                $"The confusion matrix is {counts.GetLength(0)} x {counts.GetLength(1)} but there are {classCount} classes.", nameof(counts));
        }

        var confusion = new int[classCount * classCount];
        long total = 0;
        for (var t = 0; t < classCount; t++)
        {
            for (var p = 0; p < classCount; p++)
            {
                var count = counts[t, p];
                if (count < 0)
                {
                    throw new ArgumentException($"Count [{t}, {p}] is negative ({count}).", nameof(counts));
                }

                confusion[(t * classCount) + p] = count;
                total += count;
            }
        }

        if (total == 0)
        {
            throw new ArgumentException("No samples to evaluate: every count is 0.", nameof(counts));
        }

        if (total > int.MaxValue)
        {
            throw new ArgumentException($"The counts add up to {total}, more samples than can be evaluated.", nameof(counts));
        }

        return new ClassificationMetrics(names, confusion, (int)total);
    }

    /// <summary>Samples of true class <paramref name="truth"/> predicted as <paramref name="predicted"/>.</summary>
    public int Count(int truth, int predicted)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(truth);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(truth, ClassCount);
        ArgumentOutOfRangeException.ThrowIfNegative(predicted);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(predicted, ClassCount);
        return _confusion[(truth * ClassCount) + predicted];
    }

    /// <summary>A copy of the confusion matrix, indexed [truth, predicted].</summary>
    public int[,] ConfusionMatrix()
    {
        var matrix = new int[ClassCount, ClassCount];
        for (var t = 0; t < ClassCount; t++)
        {
            for (var p = 0; p < ClassCount; p++)
            {
                matrix[t, p] = _confusion[(t * ClassCount) + p];
            }
        }

        return matrix;
    }

    private static string[] CopyClassNames(IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.Count == 0)
        {
            throw new ArgumentException("At least one class name is needed.", nameof(classNames));
        }

        var names = new string[classNames.Count];
        for (var k = 0; k < names.Length; k++)
        {
            names[k] = classNames[k] ?? throw new ArgumentException($"Class name {k} is null.", nameof(classNames));
        }

        return names;
    }

    /// <summary>
    /// A plain-text report for logs and the console: the summary line, a per-class table and the confusion matrix
    /// (rows are the truth, columns the predictions), aligned in a fixed-width font.
    /// </summary>
    public string FormatTable()
    {
        var culture = CultureInfo.InvariantCulture;
        var nameWidth = "class".Length;
        foreach (var name in _classNames)
        {
            nameWidth = Math.Max(nameWidth, name.Length);
        }

        var builder = new StringBuilder();
        builder.Append(culture, $"n = {SampleCount}  accuracy {Accuracy:0.000}  balanced accuracy {BalancedAccuracy:0.000}  ");
        builder.Append(culture, $"kappa {CohensKappa:0.000}  macro F1 {MacroF1:0.000}").AppendLine();
        builder.AppendLine();
        builder.Append(culture, $"{"class".PadRight(nameWidth)}  precision  recall     F1  support  predicted").AppendLine();
        foreach (var scores in _perClass)
        {
            builder.Append(culture, $"{scores.Name.PadRight(nameWidth)}  {scores.Precision,9:0.000}  {scores.Recall,6:0.000}  {scores.F1,5:0.000}  ");
            builder.Append(culture, $"{scores.Support,7}  {scores.PredictedCount,9}").AppendLine();
        }

        builder.AppendLine();
        var cellWidth = 1;
        foreach (var name in _classNames)
        {
            cellWidth = Math.Max(cellWidth, name.Length);
        }

        foreach (var count in _confusion)
        {
            cellWidth = Math.Max(cellWidth, count.ToString(culture).Length);
        }

        builder.Append("truth \\ predicted".PadRight(Math.Max(nameWidth, "truth \\ predicted".Length)));
        foreach (var name in _classNames)
        {
            builder.Append("  ").Append(name.PadLeft(cellWidth));
        }

        builder.AppendLine();
        for (var t = 0; t < ClassCount; t++)
        {
            builder.Append(_classNames[t].PadRight(Math.Max(nameWidth, "truth \\ predicted".Length)));
            for (var p = 0; p < ClassCount; p++)
            {
                builder.Append("  ").Append(_confusion[(t * ClassCount) + p].ToString(culture).PadLeft(cellWidth));
            }

            builder.AppendLine();
        }

        return builder.ToString();
    }

    /// <inheritdoc cref="FormatTable"/>
    public override string ToString() => FormatTable();
}
