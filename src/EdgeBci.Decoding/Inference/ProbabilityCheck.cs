using System.Globalization;

namespace EdgeBci.Decoding.Inference;

/// <summary>What is wrong with one output vector (<see cref="None"/> when it is a probability distribution).</summary>
public enum ProbabilityFaultKind
{
    None,

    /// <summary>A value is NaN or infinite.</summary>
    NotFinite,

    /// <summary>A value is below 0 or above 1.</summary>
    OutOfRange,

    /// <summary>The values do not sum to 1 within <see cref="ProbabilityCheck.SumTolerance"/>.</summary>
    SumNotOne,
}

/// <summary>
/// The outcome of <see cref="ProbabilityCheck.Inspect"/>: a value type, so checking a window allocates nothing; the text
/// is made only when there is a fault to report (<see cref="Describe"/>).
/// </summary>
/// <param name="Kind">What is wrong, or <see cref="ProbabilityFaultKind.None"/>.</param>
/// <param name="Class">The class whose value is at fault (-1 for a wrong sum).</param>
/// <param name="Value">That value (NaN for a wrong sum).</param>
/// <param name="Sum">The sum of the values (NaN when a single value is at fault).</param>
public readonly record struct ProbabilityFault(ProbabilityFaultKind Kind, int Class, float Value, double Sum)
{
    public bool IsFault => Kind != ProbabilityFaultKind.None;

    /// <summary>The fault in words, naming the class by <paramref name="classes"/> (the manifest's class names).</summary>
    public string Describe(IReadOnlyList<string> classes)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var name = Class >= 0 && Class < classes.Count ? $" ('{classes[Class]}')" : string.Empty;
        return Kind switch
        {
            ProbabilityFaultKind.None => "a probability distribution",
            ProbabilityFaultKind.NotFinite => string.Create(CultureInfo.InvariantCulture, $"probability {Class}{name} is {Value}, not a finite number"),
            ProbabilityFaultKind.OutOfRange => string.Create(CultureInfo.InvariantCulture, $"probability {Class}{name} is {Value:0.######}, outside [0, 1]"),
            _ => string.Create(CultureInfo.InvariantCulture, $"the probabilities sum to {Sum:0.######}, not 1 ± {ProbabilityCheck.SumTolerance}"),
        };
    }
}

/// <summary>
/// The run-time half of "a model's output must be probabilities" (the load-time half is <see cref="OutputGraphCheck"/>):
/// every output vector is checked before anything acts on it. Each value must be finite and in [0, 1], and the values
/// must sum to 1 within <see cref="SumTolerance"/>: a float softmax sums to 1 within about 1e-7, so 1e-3 leaves room
/// for the rounding of a quantized output and none for a model that rescales, saturates or emits logits.
/// Allocation-free: one pass over the span.
/// </summary>
public static class ProbabilityCheck
{
    /// <summary>How far the sum of a window's probabilities may be from 1.</summary>
    public const double SumTolerance = 1e-3;

    /// <summary>The first fault of <paramref name="probabilities"/>, or a fault of kind <see cref="ProbabilityFaultKind.None"/>.</summary>
    public static ProbabilityFault Inspect(ReadOnlySpan<float> probabilities)
    {
        double sum = 0;
        for (var k = 0; k < probabilities.Length; k++)
        {
            var p = probabilities[k];
            if (!float.IsFinite(p))
            {
                return new ProbabilityFault(ProbabilityFaultKind.NotFinite, k, p, double.NaN);
            }

            if (p < 0f || p > 1f)
            {
                return new ProbabilityFault(ProbabilityFaultKind.OutOfRange, k, p, double.NaN);
            }

            sum += p;
        }

        return Math.Abs(sum - 1) > SumTolerance ? new ProbabilityFault(ProbabilityFaultKind.SumNotOne, -1, float.NaN, sum) : default;
    }
}
