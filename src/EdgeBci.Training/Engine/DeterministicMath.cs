using System.Runtime.Intrinsics;

namespace EdgeBci.Training.Engine;

/// <summary>
/// Reductions whose result does not depend on the CPU. <c>TensorPrimitives.Dot</c> and <c>Sum</c> vectorise with the
/// widest vector the CPU has (16 lanes with AVX-512, 8 with AVX2, 4 with SSE or NEON) and so add the terms in a
/// different order on each: a trained model's weights then differ by about 1e-6 from one machine to the next and no
/// bundle can be rebuilt byte for byte. Here the order is fixed: two 4-lane accumulators over blocks of 8, each product
/// rounded before it is added (never a fused multiply-add), the lanes combined in one fixed order, then the tail in
/// index order. Vector128 is the same arithmetic on every x64 CPU (and in software where it is not accelerated), so
/// the result is the same float whatever vector width the CPU has; on Arm64 it is the same arithmetic too, provided
/// the JIT there keeps multiply and add apart (not verified on a device here).
/// <para>
/// Elementwise operations (Add, Multiply, the non-fused MultiplyAdd, Max) have no order to vary and stay with
/// TensorPrimitives at full width.
/// </para>
/// </summary>
public static class DeterministicMath
{
    /// <summary>Σ x[i]·y[i] in the fixed order described on the class.</summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"Dot of spans of {x.Length} and {y.Length} values; they must be the same length.", nameof(y));
        }

        var length = x.Length;
        var blocks = length - (length % 8);
        var first = Vector128<float>.Zero;
        var second = Vector128<float>.Zero;
        for (var i = 0; i < blocks; i += 8)
        {
            // Multiply and Add stay separate operations: the JIT does not contract them into a fused multiply-add.
            first = Vector128.Add(first, Vector128.Multiply(Vector128.Create(x.Slice(i, 4)), Vector128.Create(y.Slice(i, 4))));
            second = Vector128.Add(second, Vector128.Multiply(Vector128.Create(x.Slice(i + 4, 4)), Vector128.Create(y.Slice(i + 4, 4))));
        }

        var sum = Combine(Vector128.Add(first, second));
        for (var i = blocks; i < length; i++)
        {
            sum += x[i] * y[i];
        }

        return sum;
    }

    /// <summary>Σ x[i] in the fixed order described on the class.</summary>
    public static float Sum(ReadOnlySpan<float> x)
    {
        var length = x.Length;
        var blocks = length - (length % 8);
        var first = Vector128<float>.Zero;
        var second = Vector128<float>.Zero;
        for (var i = 0; i < blocks; i += 8)
        {
            first = Vector128.Add(first, Vector128.Create(x.Slice(i, 4)));
            second = Vector128.Add(second, Vector128.Create(x.Slice(i + 4, 4)));
        }

        var sum = Combine(Vector128.Add(first, second));
        for (var i = blocks; i < length; i++)
        {
            sum += x[i];
        }

        return sum;
    }

    /// <summary>
    /// e^x for each value, through <see cref="Math.Exp(double)"/> and rounded to float. TensorPrimitives.Exp has one
    /// code path per vector width and a scalar one for short spans; the double-precision library exp is the same
    /// function whichever vector unit the CPU has (the C library's, so the same library gives the same value).
    /// </summary>
    public static void Exp(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (destination.Length < x.Length)
        {
            throw new ArgumentException($"Exp of {x.Length} values into {destination.Length}; the destination is too short.", nameof(destination));
        }

        for (var i = 0; i < x.Length; i++)
        {
            destination[i] = (float)Math.Exp(x[i]);
        }
    }

    // ((l0 + l1) + (l2 + l3)): one fixed pairing, whatever a horizontal add instruction would do.
    private static float Combine(Vector128<float> lanes) =>
        (lanes.GetElement(0) + lanes.GetElement(1)) + (lanes.GetElement(2) + lanes.GetElement(3));
}
