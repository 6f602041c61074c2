namespace EdgeBci.Training.Quantization;

/// <summary>How the range of each activation tensor is chosen from the values seen during calibration.</summary>
public enum CalibrationMethod
{
    /// <summary>The smallest and largest value seen: nothing saturates on the calibration data, but one outlier
    /// stretches the range and coarsens the step for every ordinary value.</summary>
    MinMax,

    /// <summary>The range that holds <see cref="StaticQuantizationOptions.Percentile"/> percent of the values seen,
    /// with the rest clipped (half from each tail for asymmetric types): rare outliers saturate instead of costing
    /// resolution everywhere else.</summary>
    Percentile,
}

/// <summary>The integer type and scheme activations are quantised to.</summary>
public enum ActivationType
{
    /// <summary>uint8 with a zero point (asymmetric): the default of ONNX Runtime's QDQ quantiser, and the only
    /// activation type its x86 CPU kernels fuse into QLinearConv / QLinearMatMul.</summary>
    UInt8Asymmetric,

    /// <summary>int8 with zero point 0 (symmetric). ONNX Runtime fuses Conv and MatMul with int8 activations only on
    /// Arm CPUs; on x86 those operators then run in float between their QuantizeLinear/DequantizeLinear pairs (still
    /// correct, not faster). Gemm fuses on both.</summary>
    Int8Symmetric,
}

/// <summary>Settings of <see cref="OnnxStaticQuantizer"/>. The defaults reproduce ONNX Runtime's own static QDQ
/// quantisation for x86: uint8 asymmetric activations, per-channel symmetric int8 weights, Conv/MatMul/Gemm.</summary>
public sealed record StaticQuantizationOptions
{
    /// <summary>The operator types <see cref="OnnxStaticQuantizer"/> knows how to quantise.</summary>
    public static readonly IReadOnlyCollection<string> SupportedOperatorTypes = ["Conv", "MatMul", "Gemm"];

    /// <summary>How activation ranges are calibrated. Default <see cref="CalibrationMethod.MinMax"/>.</summary>
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the percentage of calibration values the range must
    /// hold, in (0, 100]. Default 99.99.</summary>
    public double Percentile { get; init; } = 99.99;

    /// <summary>Bins of the per-tensor histogram used by <see cref="CalibrationMethod.Percentile"/>. The histogram
    /// spans the tensor's full observed range, so when outliers make that range wide the bins must be fine enough to
    /// still resolve the ordinary values. Default 32768 (256 KiB of counts per tensor).</summary>
    public int HistogramBins { get; init; } = 1 << 15;

    /// <summary>The type activations are quantised to. Default <see cref="ActivationType.UInt8Asymmetric"/>.</summary>
    public ActivationType Activations { get; init; } = ActivationType.UInt8Asymmetric;

    /// <summary>
    /// Quantise weights to −64..64 (scale max|w_c|/64) instead of −127..127. Only for running the model on x86-64
    /// CPUs with AVX2 or AVX-512 but without VNNI: there ONNX Runtime's uint8 × int8 kernels sum pairs of products
    /// in saturating 16-bit arithmetic (vpmaddubsw), and 2 · 255 · 127 overflows it, which silently distorts results
    /// far beyond the quantisation error. Arm64 (the headset's Raspberry Pi / Jetson) and x86 CPUs with VNNI do not saturate, so the default is false;
    /// enabling it costs one bit of weight precision. Default false.
    /// </summary>
    public bool ReduceWeightRange { get; init; }

    /// <summary>Operator types to quantise; a subset of <see cref="SupportedOperatorTypes"/>. Default all of them.</summary>
    public IReadOnlyCollection<string> OperatorTypes { get; init; } = SupportedOperatorTypes;

    /// <summary>
    /// Operator types that always read the float value of their inputs, never a dequantised one. A quantised
    /// operator that feeds one of them keeps a float output (ONNX Runtime then fuses Gemm into a QGemm with float
    /// output, and MatMul/Conv run with quantised inputs only). The default lists the operators whose result is most
    /// sensitive to input error: Softmax and LogSoftmax exponentiate it (a step of the logits' quantisation grid
    /// becomes a multiplicative error on the probabilities) and the normalisations divide by a data-dependent
    /// spread. Every operator not quantised stays float in any case; this only decides what its input is.
    /// </summary>
    public IReadOnlyCollection<string> FloatInputOperatorTypes { get; init; } =
        ["Softmax", "LogSoftmax", "LayerNormalization", "InstanceNormalization", "GroupNormalization"];

    /// <summary>
    /// Which of the quantisable operators stay float anyway (see <see cref="FloatNodeRule"/>). Default
    /// <see cref="FloatNodeRule.InputTransformsOnly"/>: everything is quantised except an input transform such as the
    /// wearer's alignment matrix. The bundles' default keeps more float (<c>DecoderBundleBuilder.DefaultQuantization</c>).
    /// </summary>
    public FloatNodeRule FloatNodes { get; init; } = FloatNodeRule.InputTransformsOnly;

    /// <summary>Calibration windows run through ONNX Runtime per batch when the model's batch dimension is symbolic.
    /// Default 32.</summary>
    public int CalibrationBatchSize { get; init; } = 32;

    internal void Validate()
    {
        if (!Enum.IsDefined(Method))
        {
            throw new ArgumentException($"Unknown calibration method {Method}.", nameof(Method));
        }

        if (!Enum.IsDefined(Activations))
        {
            throw new ArgumentException($"Unknown activation type {Activations}.", nameof(Activations));
        }

        if (!(Percentile > 0 && Percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(Percentile), Percentile, "The percentile must be in (0, 100].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(HistogramBins, 16, nameof(HistogramBins));
        ArgumentOutOfRangeException.ThrowIfLessThan(CalibrationBatchSize, 1, nameof(CalibrationBatchSize));
        ArgumentNullException.ThrowIfNull(OperatorTypes, nameof(OperatorTypes));
        ArgumentNullException.ThrowIfNull(FloatInputOperatorTypes, nameof(FloatInputOperatorTypes));
        ArgumentNullException.ThrowIfNull(FloatNodes, nameof(FloatNodes));
        FloatNodes.Validate();
        foreach (var opType in OperatorTypes)
        {
            if (!SupportedOperatorTypes.Contains(opType, StringComparer.Ordinal))
            {
                throw new ArgumentException(
                    $"Operator type '{opType}' cannot be quantised; supported are {string.Join(", ", SupportedOperatorTypes)}.",
                    nameof(OperatorTypes));
            }

            if (FloatInputOperatorTypes.Contains(opType, StringComparer.Ordinal))
            {
                throw new ArgumentException(
                    $"Operator type '{opType}' is both quantised and listed as reading float inputs.", nameof(FloatInputOperatorTypes));
            }
        }
    }
}
