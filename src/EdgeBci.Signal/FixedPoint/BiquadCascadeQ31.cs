using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using EdgeBci.Signal.Design;

namespace EdgeBci.Signal.FixedPoint;

/// <summary>
/// A cascade of direct form I biquads on Q31 samples for many channels at once, in the manner of CMSIS-DSP's
/// arm_biquad_cascade_df1_q31: coefficients in Q(31−s) with a post-shift s (s = 1 holds |c| &lt; 2, as CMSIS's
/// postShift = 1), products summed in a 64-bit accumulator, the result rounded to Q31 and saturated, never wrapped.
/// <para>
/// Three things go beyond CMSIS. The gain is redistributed over the sections (<see cref="CascadeScaling"/>) so every
/// intermediate signal peaks at full scale at most. Each section's recursion keeps the fraction bits below Q31
/// (like CMSIS's 32x64 biquad), so rounding happens once per section on the way out and is never fed back through
/// the poles: a band-pass edge near 8 Hz at 250 SPS would otherwise amplify its own rounding noise by 15-30 dB, where
/// EEG sits 70 dB below full scale; it also means a zero input decays to exactly zero, with no limit cycle. And the
/// whole computation is integer, so results are bit-identical on x86-64 and arm64, in training and on the unit.
/// </para>
/// <para>
/// Blocks are interleaved frame-major ([frame 0: ch 0..C−1], [frame 1: ...]) and processed in place. With AVX2 and
/// a channel count divisible by 4, four channels go through each section together (vpmuldq multiplies the low 32
/// bits of 64-bit lanes, which is exactly a Q31 × Q(31−s) product); otherwise a scalar loop does the same arithmetic.
/// </para>
/// </summary>
public sealed class BiquadCascadeQ31
{
    private const int Lanes = 4;
    private const int Stride = 5;
    private const long FractionBias = 1L << 62;

    private readonly int _channels;
    private readonly int _sections;
    private readonly int _postShift;
    private readonly int _shift;
    private readonly long _half;
    private readonly long _fractionMask;
    private readonly long _accumulatorMinimum;
    private readonly long _accumulatorMaximum;

    // Per section: b0, b1, b2, -a1, -a2 in Q(31-s).
    private readonly long[] _coefficients;

    // Per section and channel: x1, x2 (Q31 inputs), y1, y2 (Q31 integer parts of the outputs, rounded down) and
    // f1, f2 (the 31-s fraction bits below them): the recursion keeps Q31 plus 27-30 bits, as CMSIS's 32x64 biquad.
    private readonly long[] _state;
    private readonly bool _vectorised;

    // The coefficients broadcast once into 64-bit lanes, so the per-frame loop only loads them.
    private readonly Vector256<int>[] _coefficientVectors;

    public BiquadCascadeQ31(IReadOnlyList<Biquad> sections, int channels)
        : this(sections, channels, allowVectors: true)
    {
    }

    /// <summary>With <paramref name="allowVectors"/> false the scalar loop runs even where AVX2 exists (tests compare the two).</summary>
    internal BiquadCascadeQ31(IReadOnlyList<Biquad> sections, int channels, bool allowVectors)
    {
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (sections.Count == 0)
        {
            throw new ArgumentException("A cascade needs at least one section.", nameof(sections));
        }

        sections = CascadeScaling.PeakNormalised(sections);
        _channels = channels;
        _sections = sections.Count;
        _postShift = PostShiftFor(sections);
        // Q31 × Q(31−s) products are Q(62−s); the output returns to Q31 by a shift of 31 − s.
        _shift = 31 - _postShift;
        _half = 1L << (_shift - 1);
        _fractionMask = (1L << _shift) - 1;
        // The accumulator is clamped so that both its rounded value and its integer part stay inside Q31.
        _accumulatorMinimum = (long)int.MinValue << _shift;
        _accumulatorMaximum = ((long)int.MaxValue << _shift) | (_half - 1);
        _coefficients = new long[_sections * Stride];
        var scale = Math.ScaleB(1.0, 31 - _postShift);
        for (var s = 0; s < _sections; s++)
        {
            var section = sections[s];
            var c = _coefficients.AsSpan(s * Stride, Stride);
            c[0] = Quantise(section.B0, scale);
            c[1] = Quantise(section.B1, scale);
            c[2] = Quantise(section.B2, scale);
            c[3] = Quantise(-section.A1, scale);
            c[4] = Quantise(-section.A2, scale);
        }

        _state = new long[_sections * channels * 6];
        _coefficientVectors = new Vector256<int>[_coefficients.Length];
        for (var i = 0; i < _coefficients.Length; i++)
        {
            _coefficientVectors[i] = Vector256.Create(_coefficients[i]).AsInt32();
        }

        _vectorised = allowVectors && Avx2.IsSupported && channels % Lanes == 0;
        QuantisedSections = Dequantise(scale);
    }

    public int Channels => _channels;

    public int Sections => _sections;

    /// <summary>The post-shift s: coefficients are stored in Q(31−s).</summary>
    public int PostShift => _postShift;

    /// <summary>Whether the AVX2 path runs (four channels per vector).</summary>
    public bool IsVectorised => _vectorised;

    /// <summary>The sections as the integers represent them (for reports and for a reference with the same coefficients).</summary>
    public IReadOnlyList<Biquad> QuantisedSections { get; }

    public void Reset() => Array.Clear(_state);

    /// <summary>Filters an interleaved block of whole frames in place; state carries over to the next call.</summary>
    public void Process(Span<int> interleaved)
    {
        if (interleaved.Length % _channels != 0)
        {
            throw new ArgumentException($"A block holds whole frames of {_channels} channels; {interleaved.Length} samples is not one.", nameof(interleaved));
        }

        if (_vectorised)
        {
            ProcessAvx2(interleaved);
        }
        else
        {
            ProcessScalar(interleaved);
        }
    }

    private void ProcessScalar(Span<int> data)
    {
        var frames = data.Length / _channels;
        var coefficients = _coefficients.AsSpan();
        var state = _state.AsSpan();
        for (var f = 0; f < frames; f++)
        {
            var frame = data.Slice(f * _channels, _channels);
            for (var s = 0; s < _sections; s++)
            {
                var c = coefficients.Slice(s * Stride, Stride);
                var sectionState = state.Slice(s * _channels * 6, _channels * 6);
                for (var ch = 0; ch < _channels; ch++)
                {
                    var st = sectionState.Slice(ch * 6, 6);
                    long x = frame[ch];
                    var fractions = ((c[3] * st[4]) + (c[4] * st[5])) >> _shift;
                    var accumulator = (c[0] * x) + (c[1] * st[0]) + (c[2] * st[1]) + (c[3] * st[2]) + (c[4] * st[3]) + fractions;
                    accumulator = Math.Clamp(accumulator, _accumulatorMinimum, _accumulatorMaximum);
                    st[1] = st[0];
                    st[0] = x;
                    st[3] = st[2];
                    st[2] = accumulator >> _shift;
                    st[5] = st[4];
                    st[4] = accumulator & _fractionMask;
                    frame[ch] = (int)((accumulator + _half) >> _shift);
                }
            }
        }
    }

    private void ProcessAvx2(Span<int> data)
    {
        var groups = _channels / Lanes;
        var frames = data.Length / _channels;
        ref var stateBase = ref Unsafe.As<long, Vector256<long>>(ref _state[0]);
        ref var coefficient = ref MemoryMarshal.GetArrayDataReference(_coefficientVectors);
        var half = Vector256.Create(_half);
        var mask = Vector256.Create(_fractionMask);
        var minimum = Vector256.Create(_accumulatorMinimum);
        var maximum = Vector256.Create(_accumulatorMaximum);
        var bias = Vector256.Create(FractionBias);
        var biasShifted = Vector256.Create(FractionBias >> _shift);
        var shift = Vector128.CreateScalar((long)_shift);
        var gather = Vector256.Create(0, 2, 4, 6, 0, 2, 4, 6);
        ref var first = ref MemoryMarshal.GetReference(data);

        // Section by section over the whole block, as CMSIS does: the section's state and coefficients stay in
        // registers for every frame, and the block (a few kilobytes) stays in L1 between sections. Two groups of four
        // channels go through together, so two independent recursions hide each other's latency.
        var g = 0;
        for (; g + 1 < groups; g += 2)
        {
            for (var s = 0; s < _sections; s++)
            {
                ref var c = ref Unsafe.Add(ref coefficient, s * Stride);
                var b0 = c;
                var b1 = Unsafe.Add(ref c, 1);
                var b2 = Unsafe.Add(ref c, 2);
                var a1 = Unsafe.Add(ref c, 3);
                var a2 = Unsafe.Add(ref c, 4);
                ref var st = ref Unsafe.Add(ref stateBase, ((s * groups) + g) * 6);
                ref var su = ref Unsafe.Add(ref st, 6);
                var (x1, x2, y1, y2, f1, f2) = (st, Unsafe.Add(ref st, 1), Unsafe.Add(ref st, 2), Unsafe.Add(ref st, 3), Unsafe.Add(ref st, 4), Unsafe.Add(ref st, 5));
                var (u1, u2, v1, v2, h1, h2) = (su, Unsafe.Add(ref su, 1), Unsafe.Add(ref su, 2), Unsafe.Add(ref su, 3), Unsafe.Add(ref su, 4), Unsafe.Add(ref su, 5));
                for (var f = 0; f < frames; f++)
                {
                    ref var samples = ref Unsafe.Add(ref first, (f * _channels) + (g * Lanes));
                    ref var next = ref Unsafe.Add(ref samples, Lanes);
                    var x = Avx2.ConvertToVector256Int64(Vector128.LoadUnsafe(ref samples));
                    var u = Avx2.ConvertToVector256Int64(Vector128.LoadUnsafe(ref next));
                    var accumulator = Section(x, x1, x2, y1, y2, f1, f2, b0, b1, b2, a1, a2, bias, biasShifted, shift, minimum, maximum);
                    var other = Section(u, u1, u2, v1, v2, h1, h2, b0, b1, b2, a1, a2, bias, biasShifted, shift, minimum, maximum);
                    (x2, x1, y2, f2) = (x1, x, y1, f1);
                    (u2, u1, v2, h2) = (u1, u, v1, h1);
                    y1 = Avx2.ShiftRightLogical(accumulator, shift);
                    f1 = accumulator & mask;
                    v1 = Avx2.ShiftRightLogical(other, shift);
                    h1 = other & mask;
                    Avx2.PermuteVar8x32(Avx2.ShiftRightLogical(accumulator + half, shift).AsInt32(), gather).GetLower().StoreUnsafe(ref samples);
                    Avx2.PermuteVar8x32(Avx2.ShiftRightLogical(other + half, shift).AsInt32(), gather).GetLower().StoreUnsafe(ref next);
                }

                (st, Unsafe.Add(ref st, 1), Unsafe.Add(ref st, 2), Unsafe.Add(ref st, 3), Unsafe.Add(ref st, 4), Unsafe.Add(ref st, 5)) = (x1, x2, y1, y2, f1, f2);
                (su, Unsafe.Add(ref su, 1), Unsafe.Add(ref su, 2), Unsafe.Add(ref su, 3), Unsafe.Add(ref su, 4), Unsafe.Add(ref su, 5)) = (u1, u2, v1, v2, h1, h2);
            }
        }

        for (; g < groups; g++)
        {
            for (var s = 0; s < _sections; s++)
            {
                ref var c = ref Unsafe.Add(ref coefficient, s * Stride);
                var b0 = c;
                var b1 = Unsafe.Add(ref c, 1);
                var b2 = Unsafe.Add(ref c, 2);
                var a1 = Unsafe.Add(ref c, 3);
                var a2 = Unsafe.Add(ref c, 4);
                ref var st = ref Unsafe.Add(ref stateBase, ((s * groups) + g) * 6);
                var (x1, x2, y1, y2, f1, f2) = (st, Unsafe.Add(ref st, 1), Unsafe.Add(ref st, 2), Unsafe.Add(ref st, 3), Unsafe.Add(ref st, 4), Unsafe.Add(ref st, 5));
                for (var f = 0; f < frames; f++)
                {
                    ref var samples = ref Unsafe.Add(ref first, (f * _channels) + (g * Lanes));
                    var x = Avx2.ConvertToVector256Int64(Vector128.LoadUnsafe(ref samples));
                    var accumulator = Section(x, x1, x2, y1, y2, f1, f2, b0, b1, b2, a1, a2, bias, biasShifted, shift, minimum, maximum);
                    (x2, x1, y2, f2) = (x1, x, y1, f1);
                    y1 = Avx2.ShiftRightLogical(accumulator, shift);
                    f1 = accumulator & mask;
                    Avx2.PermuteVar8x32(Avx2.ShiftRightLogical(accumulator + half, shift).AsInt32(), gather).GetLower().StoreUnsafe(ref samples);
                }

                (st, Unsafe.Add(ref st, 1), Unsafe.Add(ref st, 2), Unsafe.Add(ref st, 3), Unsafe.Add(ref st, 4), Unsafe.Add(ref st, 5)) = (x1, x2, y1, y2, f1, f2);
            }
        }
    }

    /// <summary>
    /// One section's clamped accumulator for four channels. The lanes of x are sign-extended Q31; those of y and f only
    /// need correct low 32 bits, which is all vpmuldq reads (the logical shift that made them leaves exactly that).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Section(
        Vector256<long> x, Vector256<long> x1, Vector256<long> x2, Vector256<long> y1, Vector256<long> y2, Vector256<long> f1, Vector256<long> f2,
        Vector256<int> b0, Vector256<int> b1, Vector256<int> b2, Vector256<int> a1, Vector256<int> a2,
        Vector256<long> bias, Vector256<long> biasShifted, Vector128<long> shift, Vector256<long> minimum, Vector256<long> maximum)
    {
        // AVX2 has no 64-bit arithmetic shift: bias the (|p| < 2^62) fraction products positive, shift logically,
        // remove the bias. The result is the same floor as the scalar path's >>.
        var fractions = Avx2.ShiftRightLogical(Multiply(f1, a1) + Multiply(f2, a2) + bias, shift) - biasShifted;
        var accumulator = Multiply(x, b0) + Multiply(x1, b1) + Multiply(x2, b2) + Multiply(y1, a1) + Multiply(y2, a2) + fractions;
        accumulator = Avx2.BlendVariable(accumulator, minimum, Avx2.CompareGreaterThan(minimum, accumulator));
        return Avx2.BlendVariable(accumulator, maximum, Avx2.CompareGreaterThan(accumulator, maximum));
    }

    /// <summary>Signed low-32 × low-32 → 64-bit products in each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<long> Multiply(Vector256<long> values, Vector256<int> coefficient) =>
        Avx2.Multiply(values.AsInt32(), coefficient);

    private static long Quantise(double coefficient, double scale) =>
        Math.Clamp((long)Math.Round(coefficient * scale, MidpointRounding.AwayFromZero), int.MinValue, int.MaxValue);

    /// <summary>
    /// The smallest post-shift (at least 1, as CMSIS) at which every coefficient fits 32 bits and the five products
    /// of a section cannot overflow the 64-bit accumulator even at full-scale input.
    /// </summary>
    private static int PostShiftFor(IReadOnlyList<Biquad> sections)
    {
        var shift = 1;
        foreach (var section in sections)
        {
            var sum = Math.Abs(section.B0) + Math.Abs(section.B1) + Math.Abs(section.B2) + Math.Abs(section.A1) + Math.Abs(section.A2);
            if (!double.IsFinite(sum))
            {
                throw new ArgumentException($"Section {section} has a coefficient that is not a finite number.", nameof(sections));
            }

            // Coefficients c·2^(31−s) fit 32 bits when |c| < 2^s; five products of at most |c|·2^(62−s) stay below 2^63
            // when Σ|c| < 2^(s+1). The fraction term adds under |a1|+|a2| < 2^(s+1) in Q31 units, far inside the margin.
            while (section.MaximumMagnitude >= Math.ScaleB(1.0, shift) || sum >= Math.ScaleB(1.0, shift + 1))
            {
                shift++;
                if (shift > 15)
                {
                    throw new ArgumentException($"Section {section} has coefficients too large for a Q31 cascade (|c| up to 2^15).", nameof(sections));
                }
            }
        }

        return shift;
    }

    private Biquad[] Dequantise(double scale)
    {
        var result = new Biquad[_sections];
        for (var s = 0; s < _sections; s++)
        {
            var c = _coefficients.AsSpan(s * Stride, Stride);
            result[s] = new Biquad(c[0] / scale, c[1] / scale, c[2] / scale, -c[3] / scale, -c[4] / scale);
        }

        return result;
    }
}
