namespace EdgeBci.Signal.FixedPoint;

/// <summary>
/// Q31: a signed 32-bit fraction of full scale, as in CMSIS-DSP (q31_t). ADS1299 counts are 24-bit, so they enter
/// left-aligned (shifted up by 8), which leaves 8 bits below a count for the filters' rounding.
/// </summary>
public static class Q31
{
    /// <summary>Bits a 24-bit ADS1299 count is shifted up by to become Q31.</summary>
    public const int CountShift = 8;

    public const double FullScale = 2147483648.0;

    public static int FromCounts(int counts) => counts << CountShift;

    /// <summary>
    /// Microvolts of one Q31 step when 24-bit counts of <paramref name="microvoltsPerCount"/> each are shifted up by
    /// <see cref="CountShift"/>: the one scale from the chain's values back to the electrode.
    /// </summary>
    public static double MicrovoltsPerStep(double microvoltsPerCount) => microvoltsPerCount / (1 << CountShift);

    /// <summary>Back to 24-bit counts, rounding half away from zero and saturating.</summary>
    public static int ToCounts(int q31)
    {
        var rounded = ((long)q31 + (q31 >= 0 ? 1L << (CountShift - 1) : (1L << (CountShift - 1)) - 1)) >> CountShift;
        return (int)Math.Clamp(rounded, -(1 << 23), (1 << 23) - 1);
    }

    /// <summary>Clamps a 64-bit intermediate to the Q31 range instead of letting it wrap.</summary>
    public static int Saturate(long value) => (int)Math.Clamp(value, int.MinValue, int.MaxValue);

    /// <summary>A fraction of full scale (-1 to just under 1) to Q31, rounded to nearest and saturated.</summary>
    public static int FromDouble(double fraction)
    {
        var scaled = Math.Round(fraction * FullScale, MidpointRounding.AwayFromZero);
        return scaled >= int.MaxValue ? int.MaxValue : scaled <= int.MinValue ? int.MinValue : (int)scaled;
    }

    public static double ToDouble(int q31) => q31 / FullScale;
}
