namespace EdgeBci.Training.Quantization;

/// <summary>Scales, zero points and rounding, with ONNX QuantizeLinear's semantics (round half to even, saturate).</summary>
internal static class QuantizationMath
{
    /// <summary>Symmetric int8 weights use −127..127: dropping −128 keeps the grid symmetric, so w and −w quantise to
    /// opposite values, and it is what ONNX Runtime's own quantiser does for weights.</summary>
    public const int WeightLimit = 127;

    /// <summary>Weight limit with <see cref="StaticQuantizationOptions.ReduceWeightRange"/>: a pair of uint8 × int8
    /// products then stays within int16 (2 · 255 · 64 = 32640 ≤ 32767).</summary>
    public const int ReducedWeightLimit = 64;

    /// <summary>
    /// Scale of a weight channel that is entirely zero. Any positive scale quantises it exactly (to 0); it must not
    /// be 0 because DequantizeLinear and the fused kernels multiply and divide by it. Small, so that a bias on that
    /// channel sets the scale (see <see cref="MaximumBiasMagnitude"/>) rather than this constant.
    /// </summary>
    public const float ZeroChannelScale = 1e-12f;

    /// <summary>
    /// Largest |quantised bias| allowed. The fused kernels add the bias to an int32 accumulator that already holds up
    /// to K·255·127 (about 3·10⁷ for K = 1000), so a bias near int.MaxValue would wrap; half the int32 range leaves
    /// that headroom. Only a channel whose weights are tiny next to its bias reaches it.
    /// </summary>
    public const double MaximumBiasMagnitude = 1 << 30;

    public static double RoundToEven(double value) => Math.Round(value, MidpointRounding.ToEven);

    /// <summary>Per-channel max |w| / <paramref name="limit"/> along <paramref name="axis"/> of a row-major tensor.</summary>
    public static float[] SymmetricChannelScales(ReadOnlySpan<float> weights, IReadOnlyList<long> dims, int axis, int limit)
    {
        var (outer, channels, inner) = Split(dims, axis);
        var maxAbs = new float[channels];
        for (long o = 0; o < outer; o++)
        {
            for (var c = 0; c < channels; c++)
            {
                var start = checked((int)((o * channels + c) * inner));
                var block = weights.Slice(start, checked((int)inner));
                foreach (var w in block)
                {
                    maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(w));
                }
            }
        }

        var scales = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            scales[c] = maxAbs[c] > 0 ? maxAbs[c] / limit : ZeroChannelScale;
        }

        return scales;
    }

    public static sbyte[] QuantizeWeights(
        ReadOnlySpan<float> weights, IReadOnlyList<long> dims, int axis, ReadOnlySpan<float> scales, int limit)
    {
        var (outer, channels, inner) = Split(dims, axis);
        var quantized = new sbyte[weights.Length];
        var index = 0;
        for (long o = 0; o < outer; o++)
        {
            for (var c = 0; c < channels; c++)
            {
                var scale = scales[c];
                for (long i = 0; i < inner; i++, index++)
                {
                    var q = RoundToEven((double)weights[index] / scale);
                    quantized[index] = (sbyte)Math.Clamp(q, -limit, limit);
                }
            }
        }

        return quantized;
    }

    /// <summary>
    /// Bias scales (activation scale × weight scale, the only ones QLinearConv/QGemm accept) and the int32 bias.
    /// A weight scale too small for its bias to fit (<see cref="MaximumBiasMagnitude"/>) is raised in place first;
    /// the caller quantises the weights afterwards, with the raised scale.
    /// </summary>
    public static (float[] Scales, int[] Quantized) QuantizeBias(ReadOnlySpan<float> bias, float activationScale, float[] weightScales)
    {
        var scales = new float[bias.Length];
        var quantized = new int[bias.Length];
        for (var c = 0; c < bias.Length; c++)
        {
            var needed = Math.Abs((double)bias[c]) / (activationScale * MaximumBiasMagnitude);
            if (weightScales[c] < needed)
            {
                weightScales[c] = (float)needed * (1 + 1e-6f);
            }

            // Multiplied in float, as the fused kernels do, so the unfused DequantizeLinear path and the fused
            // kernel agree on the bias.
            scales[c] = activationScale * weightScales[c];
            quantized[c] = (int)Math.Clamp(RoundToEven(bias[c] / (double)scales[c]), -MaximumBiasMagnitude, MaximumBiasMagnitude);
        }

        return (scales, quantized);
    }

    /// <summary>Scale and zero point of an activation range, which is first widened to include 0 so that zero
    /// (padding, ReLU output) is exactly representable.</summary>
    public static (float Scale, int ZeroPoint, float RangeMin, float RangeMax) ActivationParameters(
        float min, float max, ActivationType type)
    {
        var rangeMin = Math.Min(min, 0f);
        var rangeMax = Math.Max(max, 0f);
        if (type == ActivationType.Int8Symmetric)
        {
            var absMax = Math.Max(-rangeMin, rangeMax);
            return absMax > 0 ? (absMax / 127f, 0, -absMax, absMax) : (1f, 0, 0f, 0f);
        }

        if (rangeMax <= rangeMin)
        {
            return (1f, 0, 0f, 0f);
        }

        var scale = (rangeMax - rangeMin) / 255f;
        var zeroPoint = (int)Math.Clamp(RoundToEven(-rangeMin / (double)scale), 0, 255);
        return (scale, zeroPoint, rangeMin, rangeMax);
    }

    private static (long Outer, int Channels, long Inner) Split(IReadOnlyList<long> dims, int axis)
    {
        long outer = 1;
        long inner = 1;
        for (var d = 0; d < axis; d++)
        {
            outer *= dims[d];
        }

        for (var d = axis + 1; d < dims.Count; d++)
        {
            inner *= dims[d];
        }

        return (outer, checked((int)dims[axis]), inner);
    }
}
