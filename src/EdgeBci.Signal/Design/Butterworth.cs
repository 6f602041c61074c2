using System.Globalization;
using System.Numerics;

namespace EdgeBci.Signal.Design;

/// <summary>
/// Butterworth IIR filters designed at start-up from their specification, as second-order sections.
/// </summary>
/// <remarks>
/// The design follows <c>scipy.signal.butter(N, Wn, btype, output='sos')</c> step for step, so coefficients can be
/// checked against the reference tooling the analysis scripts use: the analog prototype of order N, pre-warped edges
/// (so the -3 dB points land exactly on the requested frequencies), the lp2lp/lp2hp/lp2bp/lp2bs transforms, the
/// bilinear transform of zeros, poles and gain, and scipy's default 'nearest' pairing into sections. The pairing
/// puts the poles closest to the unit circle in the LAST section, where their large gain peak acts on a signal the
/// earlier sections have already attenuated, and the overall gain in the FIRST section.
/// A low-pass or high-pass of order N has ceil(N/2) sections; an odd order gets a pole at the origin (a2 = 0) in the
/// first section. A band-pass or band-stop of order N has 2N poles and N sections.
/// </remarks>
public static class Butterworth
{
    /// <summary>The lowest order designed.</summary>
    public const int MinimumOrder = 1;

    /// <summary>
    /// The highest order designed. Beyond this the narrow bands an EEG chain asks for put poles so close to the unit
    /// circle that the fixed-point cascade cannot hold them.
    /// </summary>
    public const int MaximumOrder = 12;

    /// <summary>scipy designs on a normalised rate of 2 (Nyquist = 1); the same constant keeps rounding identical.</summary>
    private const double NormalisedRate = 2.0;

    /// <summary>A low-pass with its -3 dB point at <paramref name="cutoffHz"/>.</summary>
    public static Biquad[] LowPass(int order, double cutoffHz, double sampleRate)
    {
        ValidateOrder(order);
        ValidateSampleRate(sampleRate);
        ValidateFrequency(cutoffHz, sampleRate, nameof(cutoffHz));
        var warped = Prewarp(cutoffHz, sampleRate);
        var prototype = PrototypePoles(order);
        var poles = new Complex[order];
        for (var i = 0; i < order; i++)
        {
            poles[i] = prototype[i] * warped;
        }

        return Digitise([], poles, Math.Pow(warped, order));
    }

    /// <summary>A high-pass with its -3 dB point at <paramref name="cutoffHz"/>.</summary>
    public static Biquad[] HighPass(int order, double cutoffHz, double sampleRate)
    {
        ValidateOrder(order);
        ValidateSampleRate(sampleRate);
        ValidateFrequency(cutoffHz, sampleRate, nameof(cutoffHz));
        var warped = Prewarp(cutoffHz, sampleRate);
        var prototype = PrototypePoles(order);
        var poles = new Complex[order];
        var zeros = new Complex[order]; // s → ωc/s moves every zero at infinity to the origin
        for (var i = 0; i < order; i++)
        {
            poles[i] = warped / prototype[i];
        }

        return Digitise(zeros, poles, 1.0 / ProductOfNegated(prototype).Real);
    }

    /// <summary>A band-pass whose -3 dB points are <paramref name="lowHz"/> and <paramref name="highHz"/>; 2N poles, N sections.</summary>
    public static Biquad[] BandPass(int order, double lowHz, double highHz, double sampleRate)
    {
        var (centre, bandwidth) = ValidateBand(order, lowHz, highHz, sampleRate);
        var prototype = PrototypePoles(order);
        var poles = new Complex[2 * order];
        for (var i = 0; i < order; i++)
        {
            var baseband = prototype[i] * (bandwidth / 2);
            var shift = Complex.Sqrt((baseband * baseband) - (centre * centre));
            poles[i] = baseband + shift;
            poles[order + i] = baseband - shift;
        }

        var zeros = new Complex[order]; // half the zeros at infinity move to the origin, half stay at infinity
        return Digitise(zeros, poles, Math.Pow(bandwidth, order));
    }

    /// <summary>A band-stop whose -3 dB points are <paramref name="lowHz"/> and <paramref name="highHz"/>; 2N poles, N sections.</summary>
    public static Biquad[] BandStop(int order, double lowHz, double highHz, double sampleRate)
    {
        var (centre, bandwidth) = ValidateBand(order, lowHz, highHz, sampleRate);
        var prototype = PrototypePoles(order);
        var poles = new Complex[2 * order];
        var zeros = new Complex[2 * order];
        for (var i = 0; i < order; i++)
        {
            var inverted = (bandwidth / 2) / prototype[i];
            var shift = Complex.Sqrt((inverted * inverted) - (centre * centre));
            poles[i] = inverted + shift;
            poles[order + i] = inverted - shift;

            // The zeros at infinity land on ±jω0, the centre of the stop band.
            zeros[i] = new Complex(0, centre);
            zeros[order + i] = new Complex(0, -centre);
        }

        return Digitise(zeros, poles, 1.0 / ProductOfNegated(prototype).Real);
    }

    /// <summary>
    /// The analog frequency (on scipy's normalised rate) the bilinear transform maps onto <paramref name="frequencyHz"/>;
    /// designing the analog filter there is what puts the digital -3 dB point exactly on the requested edge.
    /// </summary>
    private static double Prewarp(double frequencyHz, double sampleRate)
    {
        var relativeToNyquist = 2 * frequencyHz / sampleRate;
        return 2 * NormalisedRate * Math.Tan(Math.PI * relativeToNyquist / NormalisedRate);
    }

    /// <summary>The analog Butterworth prototype (cutoff 1 rad/s): N poles evenly spaced on the left half of the unit circle.</summary>
    private static Complex[] PrototypePoles(int order)
    {
        var poles = new Complex[order];
        for (var i = 0; i < order; i++)
        {
            var m = -order + 1 + (2 * i);
            var angle = Math.PI * m / (2 * order);
            poles[i] = new Complex(-Math.Cos(angle), -Math.Sin(angle));
        }

        return poles;
    }

    private static Complex ProductOfNegated(Complex[] values)
    {
        var product = Complex.One;
        foreach (var value in values)
        {
            product *= -value;
        }

        return product;
    }

    /// <summary>
    /// The bilinear transform of an analog zero-pole-gain design (zeros at infinity go to Nyquist, z = -1), then the
    /// split into sections.
    /// </summary>
    private static Biquad[] Digitise(Complex[] zeros, Complex[] poles, double gain)
    {
        const double twiceRate = 2 * NormalisedRate;
        var digitalZeros = new Complex[poles.Length];
        var digitalPoles = new Complex[poles.Length];
        var zeroTerms = Complex.One;
        var poleTerms = Complex.One;
        for (var i = 0; i < zeros.Length; i++)
        {
            digitalZeros[i] = (twiceRate + zeros[i]) / (twiceRate - zeros[i]);
            zeroTerms *= twiceRate - zeros[i];
        }

        for (var i = zeros.Length; i < poles.Length; i++)
        {
            digitalZeros[i] = new Complex(-1, 0);
        }

        for (var i = 0; i < poles.Length; i++)
        {
            digitalPoles[i] = (twiceRate + poles[i]) / (twiceRate - poles[i]);
            poleTerms *= twiceRate - poles[i];
        }

        return SecondOrderSections.FromZerosPolesGain(digitalZeros, digitalPoles, gain * (zeroTerms / poleTerms).Real);
    }

    private static void ValidateOrder(int order)
    {
        if (order is < MinimumOrder or > MaximumOrder)
        {
            throw new ArgumentOutOfRangeException(
                nameof(order), order, string.Create(CultureInfo.InvariantCulture, $"Butterworth order must be {MinimumOrder}..{MaximumOrder}."));
        }
    }

    internal static void ValidateSampleRate(double sampleRate)
    {
        if (!(sampleRate > 0) || double.IsInfinity(sampleRate))
        {
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "Sample rate must be a positive, finite number of samples per second.");
        }
    }

    /// <summary>Frequencies must lie strictly inside (0, Nyquist): the pre-warp tangent is infinite at Nyquist.</summary>
    internal static void ValidateFrequency(double frequencyHz, double sampleRate, string parameterName)
    {
        var nyquist = sampleRate / 2;
        if (!(frequencyHz > 0 && frequencyHz < nyquist))
        {
            throw new ArgumentOutOfRangeException(
                parameterName,
                frequencyHz,
                string.Create(CultureInfo.InvariantCulture, $"{parameterName} must lie strictly between 0 and the Nyquist frequency {nyquist} Hz (sample rate {sampleRate} Hz)."));
        }
    }

    /// <summary>The pre-warped band's geometric centre ω0 and width, as lp2bp/lp2bs take them.</summary>
    private static (double Centre, double Bandwidth) ValidateBand(int order, double lowHz, double highHz, double sampleRate)
    {
        ValidateOrder(order);
        ValidateSampleRate(sampleRate);
        ValidateFrequency(lowHz, sampleRate, nameof(lowHz));
        ValidateFrequency(highHz, sampleRate, nameof(highHz));
        if (!(lowHz < highHz))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"lowHz ({lowHz} Hz) must be below highHz ({highHz} Hz)."), nameof(lowHz));
        }

        var low = Prewarp(lowHz, sampleRate);
        var high = Prewarp(highHz, sampleRate);
        return (Math.Sqrt(low * high), high - low);
    }
}

/// <summary>
/// scipy's <c>zpk2sos</c> with its default 'nearest' pairing, for digital filters. Kept separate from the Butterworth
/// maths because it is pure bookkeeping: which pole pairs with which zero, and in what order the sections run.
/// </summary>
internal static class SecondOrderSections
{
    /// <summary>numpy's float64 eps; scipy's conjugate matching tolerance is 100 of these.</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// Pairs each pole (closest to the unit circle first) with its nearest zeros; the first pair chosen becomes the
    /// last section. The gain goes into the first section's numerator.
    /// </summary>
    public static Biquad[] FromZerosPolesGain(Complex[] zeros, Complex[] poles, double gain)
    {
        if (zeros.Length != poles.Length)
        {
            throw new ArgumentException("The designs here always have as many zeros as poles.", nameof(zeros));
        }

        var count = poles.Length;
        var sectionCount = (count + 1) / 2;
        if (count % 2 == 1)
        {
            // An odd count gets a pole and a zero at the origin so every section is second order.
            Array.Resize(ref zeros, count + 1);
            Array.Resize(ref poles, count + 1);
        }

        var z = OneOfEachConjugatePair(zeros);
        var p = OneOfEachConjugatePair(poles);
        var sections = new Biquad[sectionCount];
        for (var si = sectionCount - 1; si >= 0; si--)
        {
            var p1 = TakeAt(p, IndexClosestToUnitCircle(p, realOnly: false));
            if (IsReal(p1) && CountReal(p) == 0)
            {
                // The last real pole, alone: a first-order section.
                var z1 = TakeAt(z, IndexNearest(z, p1, Nearest.Real));
                sections[si] = Section([z1, Complex.Zero], [p1, Complex.Zero]);
            }
            else if (p.Count + 1 == z.Count && !IsReal(p1) && CountReal(p) == 1 && CountReal(z) == 1)
            {
                // One real pole and one real zero remain for each other, so this complex pole must take complex zeros.
                var z1 = TakeAt(z, IndexNearest(z, p1, Nearest.Complex));
                sections[si] = Section([z1, Complex.Conjugate(z1)], [p1, Complex.Conjugate(p1)]);
            }
            else
            {
                var p2 = IsReal(p1) ? TakeAt(p, IndexClosestToUnitCircle(p, realOnly: true)) : Complex.Conjugate(p1);
                if (z.Count == 0)
                {
                    sections[si] = Section([], [p1, p2]);
                    continue;
                }

                var z1 = TakeAt(z, IndexNearest(z, p1, Nearest.Any));
                if (!IsReal(z1))
                {
                    sections[si] = Section([z1, Complex.Conjugate(z1)], [p1, p2]);
                }
                else if (z.Count > 0)
                {
                    var z2 = TakeAt(z, IndexNearest(z, p1, Nearest.Real));
                    sections[si] = Section([z1, z2], [p1, p2]);
                }
                else
                {
                    sections[si] = Section([z1], [p1, p2]);
                }
            }
        }

        var first = sections[0];
        sections[0] = first with { B0 = first.B0 * gain, B1 = first.B1 * gain, B2 = first.B2 * gain };
        return sections;
    }

    private enum Nearest
    {
        Any,
        Real,
        Complex,
    }

    private static bool IsReal(Complex value) => value.Imaginary == 0;

    private static int CountReal(List<Complex> values)
    {
        var count = 0;
        foreach (var value in values)
        {
            if (IsReal(value))
            {
                count++;
            }
        }

        return count;
    }

    private static Complex TakeAt(List<Complex> values, int index)
    {
        var value = values[index];
        values.RemoveAt(index);
        return value;
    }

    /// <summary>The first of the (optionally real) values whose magnitude is closest to 1, like numpy's argmin.</summary>
    private static int IndexClosestToUnitCircle(List<Complex> values, bool realOnly)
    {
        var best = -1;
        var bestDistance = double.PositiveInfinity;
        for (var i = 0; i < values.Count; i++)
        {
            if (realOnly && !IsReal(values[i]))
            {
                continue;
            }

            var distance = Math.Abs(1 - Complex.Abs(values[i]));
            if (best < 0 || distance < bestDistance)
            {
                best = i;
                bestDistance = distance;
            }
        }

        return best >= 0 ? best : throw new InvalidOperationException("No pole of the requested kind is left to pair.");
    }

    private static int IndexNearest(List<Complex> values, Complex target, Nearest kind)
    {
        var best = -1;
        var bestDistance = double.PositiveInfinity;
        for (var i = 0; i < values.Count; i++)
        {
            if ((kind == Nearest.Real && !IsReal(values[i])) || (kind == Nearest.Complex && IsReal(values[i])))
            {
                continue;
            }

            var distance = Complex.Abs(values[i] - target);
            if (best < 0 || distance < bestDistance)
            {
                best = i;
                bestDistance = distance;
            }
        }

        return best >= 0 ? best : throw new InvalidOperationException("No zero of the requested kind is left to pair.");
    }

    /// <summary>
    /// scipy's <c>_cplxreal</c>: the complex values as one representative (positive imaginary part, averaged with
    /// its conjugate) each, ordered by real part, followed by the real values in ascending order. The order decides
    /// ties in the pairing, so it is reproduced rather than improvised.
    /// </summary>
    private static List<Complex> OneOfEachConjugatePair(Complex[] values)
    {
        var tolerance = 100 * MachineEpsilon;
        var sorted = (Complex[])values.Clone();
        StableSort(sorted, 0, sorted.Length, byRealThenImaginaryMagnitude: true);

        var positive = new List<Complex>();
        var negative = new List<Complex>();
        var reals = new List<Complex>();
        foreach (var value in sorted)
        {
            if (Math.Abs(value.Imaginary) <= tolerance * Complex.Abs(value))
            {
                reals.Add(new Complex(value.Real, 0));
            }
            else if (value.Imaginary > 0)
            {
                positive.Add(value);
            }
            else
            {
                negative.Add(value);
            }
        }

        if (positive.Count != negative.Count)
        {
            throw new InvalidOperationException("A complex zero or pole has no conjugate partner.");
        }

        var upper = positive.ToArray();
        var lower = negative.ToArray();
        SortRunsOfEqualRealPart(upper, lower, tolerance);

        var result = new List<Complex>(upper.Length + reals.Count);
        for (var i = 0; i < upper.Length; i++)
        {
            if (Complex.Abs(upper[i] - Complex.Conjugate(lower[i])) > tolerance * Complex.Abs(lower[i]))
            {
                throw new InvalidOperationException("A complex zero or pole has no conjugate partner.");
            }

            result.Add((upper[i] + Complex.Conjugate(lower[i])) / 2);
        }

        result.AddRange(reals);
        return result;
    }

    /// <summary>Within runs of (nearly) the same real part, orders both halves by imaginary magnitude so partners line up.</summary>
    private static void SortRunsOfEqualRealPart(Complex[] upper, Complex[] lower, double tolerance)
    {
        var start = 0;
        while (start < upper.Length)
        {
            var stop = start;
            while (stop + 1 < upper.Length && upper[stop + 1].Real - upper[stop].Real <= tolerance * Complex.Abs(upper[stop]))
            {
                stop++;
            }

            if (stop > start)
            {
                StableSort(upper, start, stop + 1, byRealThenImaginaryMagnitude: false);
                StableSort(lower, start, stop + 1, byRealThenImaginaryMagnitude: false);
            }

            start = stop + 1;
        }
    }

    /// <summary>Insertion sort: stable like numpy's lexsort, and the arrays hold at most 26 values.</summary>
    private static void StableSort(Complex[] values, int start, int end, bool byRealThenImaginaryMagnitude)
    {
        for (var i = start + 1; i < end; i++)
        {
            var value = values[i];
            var j = i - 1;
            while (j >= start && Precedes(value, values[j], byRealThenImaginaryMagnitude))
            {
                values[j + 1] = values[j];
                j--;
            }

            values[j + 1] = value;
        }
    }

    private static bool Precedes(Complex a, Complex b, bool byRealFirst)
    {
        if (byRealFirst && a.Real != b.Real)
        {
            return a.Real < b.Real;
        }

        return Math.Abs(a.Imaginary) < Math.Abs(b.Imaginary);
    }

    /// <summary>
    /// scipy's <c>_single_zpksos</c> with unit gain: the monic polynomials of up to two zeros and two poles, right-aligned
    /// so that a missing zero leaves a leading 0.
    /// </summary>
    private static Biquad Section(Complex[] zeros, Complex[] poles)
    {
        Span<double> b = stackalloc double[3];
        Span<double> a = stackalloc double[3];
        Monic(zeros, b);
        Monic(poles, a);
        return new Biquad(b[0], b[1], b[2], a[1] / a[0], a[2] / a[0]);
    }

    private static void Monic(Complex[] roots, Span<double> coefficients)
    {
        coefficients.Clear();
        switch (roots.Length)
        {
            case 0:
                coefficients[2] = 1;
                break;
            case 1:
                coefficients[1] = 1;
                coefficients[2] = WithoutNegativeZero(-roots[0].Real);
                break;
            default:
                coefficients[0] = 1;
                coefficients[1] = WithoutNegativeZero(-(roots[0] + roots[1]).Real);
                coefficients[2] = WithoutNegativeZero((roots[0] * roots[1]).Real);
                break;
        }
    }

    /// <summary>A pole or zero at the origin gives -0.0; written out it reads as a sign error, so it is made +0.</summary>
    private static double WithoutNegativeZero(double value) => value == 0 ? 0 : value;
}
