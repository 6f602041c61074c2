namespace EdgeBci.Training.Engine;

/// <summary>
/// The training loss: softmax over class logits [B, K] followed by the (optionally class-weighted) negative log
/// likelihood of the true labels. Fused because the gradient of the pair is simply
/// <c>w_y · (p − onehot(y)) / Σ_b w_{y_b}</c>, which is both cheaper and more accurate than chaining two backward
/// passes; the log-probabilities use the log-sum-exp with the row maximum subtracted, so no logit overflows.
/// <para>
/// <b>Class weights.</b> With weights, the loss is the weighted mean <c>Σ_b w_{y_b}·ℓ_b / Σ_b w_{y_b}</c> (PyTorch's
/// <c>CrossEntropyLoss(weight=…)</c>); with inverse class frequencies this gives each class the same say however
/// unbalanced the calibration session was. Without weights it is the plain mean over the batch.
/// </para>
/// </summary>
public sealed class SoftmaxCrossEntropy
{
    private readonly float[]? _classWeights;
    private Tensor? _probabilities;
    private int[]? _labels;
    private double _weightTotal;

    /// <param name="classWeights">One non-negative weight per class, or null for equal weights.</param>
    public SoftmaxCrossEntropy(IReadOnlyList<float>? classWeights = null)
    {
        if (classWeights is not null)
        {
            if (classWeights.Count < 2 || classWeights.Any(weight => weight < 0 || !float.IsFinite(weight)) || classWeights.All(weight => weight == 0))
            {
                throw new ArgumentException("Class weights must be at least two finite non-negative values, not all zero.", nameof(classWeights));
            }

            _classWeights = [.. classWeights];
        }
    }

    /// <summary>Softmax of the last logits, [B, K].</summary>
    public Tensor? Probabilities => _probabilities;

    /// <summary>Class probabilities of each row of <paramref name="logits"/> [B, K] (the model's output at inference).</summary>
    public static Tensor Softmax(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        logits.RequireRank(2, nameof(SoftmaxCrossEntropy));
        int batch = logits.Dimension(0), classes = logits.Dimension(1);
        var probabilities = Tensor.ZerosLike(logits);
        for (var b = 0; b < batch; b++)
        {
            var row = logits.Data.AsSpan(b * classes, classes);
            var target = probabilities.Data.AsSpan(b * classes, classes);
            var max = System.Numerics.Tensors.TensorPrimitives.Max(row);
            var sum = 0.0;
            for (var k = 0; k < classes; k++)
            {
                sum += Math.Exp(row[k] - max);
            }

            for (var k = 0; k < classes; k++)
            {
                target[k] = (float)(Math.Exp(row[k] - max) / sum);
            }
        }

        return probabilities;
    }

    /// <summary>Mean (weighted) cross-entropy of the batch; caches what <see cref="Backward"/> needs.</summary>
    /// <exception cref="ArgumentException">Wrong shapes, a label out of range, or a batch whose labels all weigh 0.</exception>
    public double Forward(Tensor logits, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        logits.RequireRank(2, nameof(SoftmaxCrossEntropy));
        int batch = logits.Dimension(0), classes = logits.Dimension(1);
        if (labels.Count != batch)
        {
            throw new ArgumentException($"There are {batch} rows of logits but {labels.Count} labels.", nameof(labels));
        }

        if (_classWeights is not null && _classWeights.Length != classes)
        {
            throw new ArgumentException($"There are {_classWeights.Length} class weights but {classes} classes.", nameof(logits));
        }

        double loss = 0, weightTotal = 0;
        for (var b = 0; b < batch; b++)
        {
            var label = labels[b];
            if (label < 0 || label >= classes)
            {
                throw new ArgumentException($"Label {label} of row {b} is outside 0..{classes - 1}.", nameof(labels));
            }

            var row = logits.Data.AsSpan(b * classes, classes);
            var max = System.Numerics.Tensors.TensorPrimitives.Max(row);
            var sum = 0.0;
            for (var k = 0; k < classes; k++)
            {
                sum += Math.Exp(row[k] - max);
            }

            var weight = _classWeights?[label] ?? 1.0;
            loss += weight * (Math.Log(sum) + max - row[label]);
            weightTotal += weight;
        }

        if (weightTotal == 0)
        {
            throw new ArgumentException("Every label in the batch has class weight 0; the weighted mean is undefined.", nameof(labels));
        }

        _probabilities = Softmax(logits);
        _labels = [.. labels];
        _weightTotal = weightTotal;
        return loss / weightTotal;
    }

    /// <summary>∂loss/∂logits for the last <see cref="Forward"/> call, [B, K].</summary>
    public Tensor Backward()
    {
        var probabilities = Initialization.RequireCached(_probabilities, nameof(SoftmaxCrossEntropy));
        var labels = Initialization.RequireCached(_labels, nameof(SoftmaxCrossEntropy));
        int batch = probabilities.Dimension(0), classes = probabilities.Dimension(1);
        var gradient = Tensor.ZerosLike(probabilities);
        for (var b = 0; b < batch; b++)
        {
            var scale = (_classWeights?[labels[b]] ?? 1.0) / _weightTotal;
            for (var k = 0; k < classes; k++)
            {
                var target = k == labels[b] ? 1.0 : 0.0;
                gradient.Data[(b * classes) + k] = (float)(scale * (probabilities.Data[(b * classes) + k] - target));
            }
        }

        return gradient;
    }
}
