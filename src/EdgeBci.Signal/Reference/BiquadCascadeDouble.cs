using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using EdgeBci.Signal.Design;

namespace EdgeBci.Signal.Reference;

/// <summary>
/// The double-precision reference for <see cref="FixedPoint.BiquadCascadeQ31"/>: the same direct form I sections,
/// the same interleaved in-place block layout, and the same four-channels-per-vector structure, so that accuracy
/// and speed comparisons between the two measure the arithmetic and nothing else.
/// </summary>
public sealed class BiquadCascadeDouble
{
    private const int Lanes = 4;

    private readonly int _channels;
    private readonly int _sections;
    private readonly double[] _coefficients; // b0, b1, b2, -a1, -a2 per section
    private readonly double[] _state;        // x1, x2, y1, y2 per section and channel
    private readonly bool _vectorised;

    // The coefficients broadcast once, as the fixed-point cascade does, so both loops only load them.
    private readonly Vector256<double>[] _coefficientVectors;

    public BiquadCascadeDouble(IReadOnlyList<Biquad> sections, int channels)
    {
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        if (sections.Count == 0)
        {
            throw new ArgumentException("A cascade needs at least one section.", nameof(sections));
        }

        _channels = channels;
        _sections = sections.Count;
        _coefficients = new double[_sections * 5];
        for (var s = 0; s < _sections; s++)
        {
            var section = sections[s];
            _coefficients[(s * 5) + 0] = section.B0;
            _coefficients[(s * 5) + 1] = section.B1;
            _coefficients[(s * 5) + 2] = section.B2;
            _coefficients[(s * 5) + 3] = -section.A1;
            _coefficients[(s * 5) + 4] = -section.A2;
        }

        _state = new double[_sections * channels * 4];
        _coefficientVectors = new Vector256<double>[_coefficients.Length];
        for (var i = 0; i < _coefficients.Length; i++)
        {
            _coefficientVectors[i] = Vector256.Create(_coefficients[i]);
        }

        _vectorised = Vector256.IsHardwareAccelerated && channels % Lanes == 0;
    }

    public int Channels => _channels;

    public void Reset() => Array.Clear(_state);

    /// <summary>Filters an interleaved block of whole frames in place; state carries over to the next call.</summary>
    public void Process(Span<double> interleaved)
    {
        if (interleaved.Length % _channels != 0)
        {
            throw new ArgumentException($"A block holds whole frames of {_channels} channels; {interleaved.Length} samples is not one.", nameof(interleaved));
        }

        if (_vectorised)
        {
            ProcessVectors(interleaved);
        }
        else
        {
            ProcessScalar(interleaved);
        }
    }

    private void ProcessScalar(Span<double> data)
    {
        var frames = data.Length / _channels;
        for (var f = 0; f < frames; f++)
        {
            var frame = data.Slice(f * _channels, _channels);
            for (var s = 0; s < _sections; s++)
            {
                var c = _coefficients.AsSpan(s * 5, 5);
                var sectionState = _state.AsSpan(s * _channels * 4, _channels * 4);
                for (var ch = 0; ch < _channels; ch++)
                {
                    var st = sectionState.Slice(ch * 4, 4);
                    var x = frame[ch];
                    var y = (c[0] * x) + (c[1] * st[0]) + (c[2] * st[1]) + (c[3] * st[2]) + (c[4] * st[3]);
                    st[1] = st[0];
                    st[0] = x;
                    st[3] = st[2];
                    st[2] = y;
                    frame[ch] = y;
                }
            }
        }
    }

    private void ProcessVectors(Span<double> data)
    {
        var groups = _channels / Lanes;
        var frames = data.Length / _channels;
        ref var stateBase = ref Unsafe.As<double, Vector256<double>>(ref _state[0]);
        ref var coefficient = ref MemoryMarshal.GetArrayDataReference(_coefficientVectors);
        ref var first = ref MemoryMarshal.GetReference(data);

        // Section by section over the whole block, two groups of four channels together: the same loop order and
        // interleaving as the Q31 cascade.
        var g = 0;
        for (; g + 1 < groups; g += 2)
        {
            for (var s = 0; s < _sections; s++)
            {
                ref var c = ref Unsafe.Add(ref coefficient, s * 5);
                var b0 = c;
                var b1 = Unsafe.Add(ref c, 1);
                var b2 = Unsafe.Add(ref c, 2);
                var a1 = Unsafe.Add(ref c, 3);
                var a2 = Unsafe.Add(ref c, 4);
                ref var st = ref Unsafe.Add(ref stateBase, ((s * groups) + g) * 4);
                ref var su = ref Unsafe.Add(ref st, 4);
                var (x1, x2, y1, y2) = (st, Unsafe.Add(ref st, 1), Unsafe.Add(ref st, 2), Unsafe.Add(ref st, 3));
                var (u1, u2, v1, v2) = (su, Unsafe.Add(ref su, 1), Unsafe.Add(ref su, 2), Unsafe.Add(ref su, 3));
                for (var f = 0; f < frames; f++)
                {
                    ref var samples = ref Unsafe.Add(ref first, (f * _channels) + (g * Lanes));
                    ref var next = ref Unsafe.Add(ref samples, Lanes);
                    var x = Vector256.LoadUnsafe(ref samples);
                    var u = Vector256.LoadUnsafe(ref next);
                    var y = (x * b0) + (x1 * b1) + (x2 * b2) + (y1 * a1) + (y2 * a2);
                    var v = (u * b0) + (u1 * b1) + (u2 * b2) + (v1 * a1) + (v2 * a2);
                    (x2, x1, y2, y1) = (x1, x, y1, y);
                    (u2, u1, v2, v1) = (u1, u, v1, v);
                    y.StoreUnsafe(ref samples);
                    v.StoreUnsafe(ref next);
                }

                (st, Unsafe.Add(ref st, 1), Unsafe.Add(ref st, 2), Unsafe.Add(ref st, 3)) = (x1, x2, y1, y2);
                (su, Unsafe.Add(ref su, 1), Unsafe.Add(ref su, 2), Unsafe.Add(ref su, 3)) = (u1, u2, v1, v2);
            }
        }

        for (; g < groups; g++)
        {
            for (var s = 0; s < _sections; s++)
            {
                ref var c = ref Unsafe.Add(ref coefficient, s * 5);
                var b0 = c;
                var b1 = Unsafe.Add(ref c, 1);
                var b2 = Unsafe.Add(ref c, 2);
                var a1 = Unsafe.Add(ref c, 3);
                var a2 = Unsafe.Add(ref c, 4);
                ref var st = ref Unsafe.Add(ref stateBase, ((s * groups) + g) * 4);
                var (x1, x2, y1, y2) = (st, Unsafe.Add(ref st, 1), Unsafe.Add(ref st, 2), Unsafe.Add(ref st, 3));
                for (var f = 0; f < frames; f++)
                {
                    ref var samples = ref Unsafe.Add(ref first, (f * _channels) + (g * Lanes));
                    var x = Vector256.LoadUnsafe(ref samples);
                    var y = (x * b0) + (x1 * b1) + (x2 * b2) + (y1 * a1) + (y2 * a2);
                    (x2, x1, y2, y1) = (x1, x, y1, y);
                    y.StoreUnsafe(ref samples);
                }

                (st, Unsafe.Add(ref st, 1), Unsafe.Add(ref st, 2), Unsafe.Add(ref st, 3)) = (x1, x2, y1, y2);
            }
        }
    }
}
