using System.Numerics;

namespace EdgeBci.Signal.Design;

/// <summary>
/// One second-order section, normalised so a0 = 1: y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]
/// (scipy's sos row [b0 b1 b2 1 a1 a2]). A first-order section has b2 = a2 = 0.
/// </summary>
public readonly record struct Biquad(double B0, double B1, double B2, double A1, double A2)
{
    /// <summary>H(e^{jω}) at <paramref name="frequencyHz"/>.</summary>
    public Complex Response(double frequencyHz, double sampleRate)
    {
        var w = 2 * Math.PI * frequencyHz / sampleRate;
        var z1 = Complex.FromPolarCoordinates(1, -w);
        var z2 = z1 * z1;
        return (B0 + (B1 * z1) + (B2 * z2)) / (1 + (A1 * z1) + (A2 * z2));
    }

    /// <summary>The largest coefficient magnitude, which decides the Q format the section fits.</summary>
    public double MaximumMagnitude => Math.Max(Math.Max(Math.Abs(B0), Math.Abs(B1)), Math.Max(Math.Abs(B2), Math.Max(Math.Abs(A1), Math.Abs(A2))));
}
