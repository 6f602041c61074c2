using EdgeBci.Signal.Design;
using EdgeBci.Signal.FixedPoint;

namespace EdgeBci.Signal.Tests;

/// <summary>The designed filters as the unit runs them: the Q31 cascade driven with sines, amplitudes measured.</summary>
public class FrequencyResponseTests
{
    [TestCase("bandpass", 4, 8.0, 30.0, 250)]
    [TestCase("bandpass", 2, 1.0, 40.0, 250)]
    [TestCase("bandpass", 4, 8.0, 30.0, 500)]
    [TestCase("highpass", 2, 1.0, 0.0, 250)]
    [TestCase("lowpass", 4, 0.0, 40.0, 250)]
    [TestCase("lowpass", 3, 0.0, 100.0, 500)]
    [TestCase("bandstop", 2, 45.0, 55.0, 250)]
    public void Butterworth_minus_3_db_points_are_within_0_001_percent_of_the_specified_edges(string type, int order, double low, double high, int rate)
    {
        var sections = type switch
        {
            "bandpass" => Butterworth.BandPass(order, low, high, rate),
            "bandstop" => Butterworth.BandStop(order, low, high, rate),
            "highpass" => Butterworth.HighPass(order, low, rate),
            _ => Butterworth.LowPass(order, high, rate),
        };

        foreach (var edge in new[] { low, high })
        {
            if (edge <= 0)
            {
                continue;
            }

            // Bisect on the side of the edge where the measured gain crosses -3 dB.
            var lo = edge * 0.9;
            var hi = edge * 1.1;
            var gainAtLo = MeasuredGainDb(sections, lo, rate);
            // 20 halvings of a 20 % bracket: a resolution of 0.00001 % of the edge, far below what is asserted.
            for (var i = 0; i < 20; i++)
            {
                var middle = (lo + hi) / 2;
                var gain = MeasuredGainDb(sections, middle, rate);
                if ((gain > -3.0103) == (gainAtLo > -3.0103))
                {
                    lo = middle;
                    gainAtLo = gain;
                }
                else
                {
                    hi = middle;
                }
            }

            var crossing = (lo + hi) / 2;
            TestContext.Out.WriteLine($"{type} order {order} at {rate} SPS: -3 dB at {crossing:0.000000} Hz for a {edge} Hz edge ({100 * (crossing - edge) / edge:+0.00000;-0.00000} %)");
            // Deterministic (bit-identical Q31): the worst case measured is 0.00014 % (the 1 Hz high-pass edge).
            Assert.That(crossing, Is.EqualTo(edge).Within(0.001).Percent);
        }
    }

    [TestCase(50.0, 250)]
    [TestCase(60.0, 250)]
    [TestCase(50.0, 500)]
    [TestCase(60.0, 500)]
    public void The_notch_takes_at_least_144_db_off_the_mains_frequency(double mains, int rate)
    {
        var sections = new[] { Notch.Design(mains, 30, rate) };
        var attenuation = -MeasuredGainDb(sections, mains, rate, seconds: 8);
        TestContext.Out.WriteLine($"notch {mains} Hz at {rate} SPS: {attenuation:0.0} dB");
        // Deterministic (bit-identical Q31): 144.8-163.0 dB over these four cases.
        Assert.That(attenuation, Is.GreaterThanOrEqualTo(144));
        Assert.That(MeasuredGainDb(sections, 10, rate), Is.GreaterThan(-0.1), "EEG at 10 Hz passes");
    }

    /// <summary>Steady-state gain of the fixed-point cascade for a half-scale sine, from RMS after settling.</summary>
    private static double MeasuredGainDb(IReadOnlyList<Biquad> sections, double frequency, int rate, double seconds = 6)
    {
        var cascade = new BiquadCascadeQ31(sections, 4);
        var frames = (int)(seconds * rate);
        var data = new int[frames * 4];
        for (var f = 0; f < frames; f++)
        {
            var value = Q31.FromDouble(0.5 * Math.Sin(2 * Math.PI * frequency * f / rate));
            data.AsSpan(f * 4, 4).Fill(value);
        }

        cascade.Process(data);
        // Measure over the last two seconds, a whole number of cycles as near as the rate allows.
        var start = frames - (2 * rate);
        double sumIn = 0, sumOut = 0;
        for (var f = start; f < frames; f++)
        {
            var input = 0.5 * Math.Sin(2 * Math.PI * frequency * f / rate);
            var output = Q31.ToDouble(data[f * 4]);
            sumIn += input * input;
            sumOut += output * output;
        }

        return 10 * Math.Log10(Math.Max(sumOut, 1e-30) / sumIn);
    }
}
