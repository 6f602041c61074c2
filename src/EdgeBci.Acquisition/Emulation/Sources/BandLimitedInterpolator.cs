namespace EdgeBci.Acquisition.Emulation.Sources;

/// <summary>
/// Reads a sampled signal at arbitrary times with a Lanczos-windowed sinc kernel. The kernel interpolates: where an
/// output instant falls on an input sample it returns that sample exactly, so a 160 Hz recording replayed at
/// 250 SPS keeps every tenth of a second bit-true. When the output rate is lower than the input rate the kernel is
/// widened into a low-pass at the output Nyquist frequency, so nothing aliases. For rational rate pairs the kernel
/// weights are tabulated once per phase, leaving a short dot product per sample.
/// </summary>
public sealed class BandLimitedInterpolator
{
    private const int Lobes = 8;
    private const int MaximumPhases = 4096;

    private readonly double _ratio;
    private readonly double _cutoff;
    private readonly int _halfWidth;
    private readonly long _phaseCount;
    private readonly long _sourceStep;
    private readonly float[]? _table;
    private readonly int _taps;

    public BandLimitedInterpolator(double sourceRate, double outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        SourceRate = sourceRate;
        OutputRate = outputRate;
        _ratio = sourceRate / outputRate;
        _cutoff = Math.Min(1.0, outputRate / sourceRate);
        _halfWidth = (int)Math.Ceiling(Lobes / _cutoff);
        _taps = 2 * _halfWidth;

        // Output sample k sits at source position k·M/L; its fractional part cycles through L phases.
        if (IsInteger(sourceRate) && IsInteger(outputRate))
        {
            var gcd = Gcd((long)sourceRate, (long)outputRate);
            var phases = (long)outputRate / gcd;
            if (phases <= MaximumPhases)
            {
                _phaseCount = phases;
                _sourceStep = (long)sourceRate / gcd;
                _table = new float[phases * _taps];
                for (var phase = 0; phase < phases; phase++)
                {
                    var fraction = (double)(phase * _sourceStep % phases) / phases;
                    for (var tap = 0; tap < _taps; tap++)
                    {
                        var offset = tap - _halfWidth + 1 - fraction;
                        _table[(phase * _taps) + tap] = (float)Kernel(offset);
                    }
                }
            }
        }
    }

    public double SourceRate { get; }

    public double OutputRate { get; }

    /// <summary>Value of output sample <paramref name="outputIndex"/>; source indices outside the signal wrap around.</summary>
    public double Sample(ReadOnlySpan<double> source, long outputIndex)
    {
        if (source.IsEmpty)
        {
            return 0;
        }

        long basis;
        double fraction;
        if (_table is not null)
        {
            var numerator = outputIndex * _sourceStep;
            basis = FloorDiv(numerator, _phaseCount);
            var phase = (int)(outputIndex % _phaseCount);
            if (phase < 0)
            {
                phase += (int)_phaseCount;
            }

            if (numerator == basis * _phaseCount && _cutoff == 1)
            {
                return source[Wrap(basis, source.Length)];
            }

            var weights = _table.AsSpan(phase * _taps, _taps);
            double sum = 0;
            var first = basis - _halfWidth + 1;
            for (var tap = 0; tap < _taps; tap++)
            {
                sum += weights[tap] * source[Wrap(first + tap, source.Length)];
            }

            return sum;
        }

        var position = outputIndex * _ratio;
        basis = (long)Math.Floor(position);
        fraction = position - basis;
        if (fraction == 0 && _cutoff == 1)
        {
            return source[Wrap(basis, source.Length)];
        }

        double direct = 0;
        for (var tap = 0; tap < _taps; tap++)
        {
            var offset = tap - _halfWidth + 1 - fraction;
            direct += Kernel(offset) * source[Wrap(basis - _halfWidth + 1 + tap, source.Length)];
        }

        return direct;
    }

    private double Kernel(double offset)
    {
        var x = offset * _cutoff;
        if (Math.Abs(x) >= Lobes)
        {
            return 0;
        }

        return _cutoff * Sinc(x) * Sinc(x / Lobes);
    }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    private static int Wrap(long index, int length)
    {
        var wrapped = index % length;
        return (int)(wrapped < 0 ? wrapped + length : wrapped);
    }

    private static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }

    private static bool IsInteger(double value) => value == Math.Floor(value) && value < long.MaxValue / 1_000_000;

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }
}
