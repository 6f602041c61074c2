using System.Numerics;
using EdgeBci.Signal.Design;

namespace EdgeBci.Signal.Tests;

/// <summary>
/// The filter designs checked by their frequency response (edges, passband gain, attenuation), their structure
/// (scipy's section count, ordering and gain placement), stability, and against the few scipy coefficients known for
/// certain.
/// </summary>
public class DesignTests
{
    /// <summary>Half power, -3.0103 dB: where a Butterworth design puts its edges (a flat -3.00 would miss by 0.24 % at order 1).</summary>
    private static readonly double HalfPowerDb = -10 * Math.Log10(2);

    private static readonly int[] Orders = [1, 2, 3, 4, 5, 6, 7, 8, 12];

    /// <summary>Kind, low edge, high edge (unused edges are 0), sample rate: EEG-shaped specifications at the ADS1299's rates.</summary>
    private static readonly (string Kind, double Low, double High, double Rate)[] Specifications =
    [
        ("lowpass", 0, 30, 250),
        ("highpass", 1, 0, 250),
        ("bandpass", 8, 30, 250),
        ("bandstop", 45, 55, 250),
        ("lowpass", 0, 40, 500),
        ("highpass", 0.5, 0, 500),
        ("bandpass", 1, 40, 500),
        ("bandstop", 48, 52, 500),
    ];

    public static IEnumerable<TestCaseData> Designs()
    {
        foreach (var (kind, low, high, rate) in Specifications)
        {
            foreach (var order in Orders)
            {
                yield return new TestCaseData(kind, order, low, high, rate).SetArgDisplayNames($"{kind} order {order} {low}-{high} Hz at {rate} Hz");
            }
        }
    }

    public static IEnumerable<TestCaseData> Specs()
    {
        foreach (var (kind, low, high, rate) in Specifications)
        {
            yield return new TestCaseData(kind, low, high, rate).SetArgDisplayNames($"{kind} {low}-{high} Hz at {rate} Hz");
        }
    }

    [TestCaseSource(nameof(Designs))]
    public void The_half_power_points_land_on_the_specified_edges(string kind, int order, double low, double high, double rate)
    {
        var sections = Design(kind, order, low, high, rate);
        var nyquist = rate / 2;
        switch (kind)
        {
            case "lowpass":
                AssertEdge(FilterResponse.FindCrossing(sections, HalfPowerDb, 0, nyquist, rate), high);
                break;
            case "highpass":
                AssertEdge(FilterResponse.FindCrossing(sections, HalfPowerDb, 0, nyquist, rate), low);
                break;
            default:
                var centre = WarpedCentre(low, high, rate);
                AssertEdge(FilterResponse.FindCrossing(sections, HalfPowerDb, 0, centre, rate), low);
                AssertEdge(FilterResponse.FindCrossing(sections, HalfPowerDb, centre, nyquist, rate), high);
                break;
        }
    }

    [TestCaseSource(nameof(Designs))]
    public void The_passband_gain_is_one(string kind, int order, double low, double high, double rate)
    {
        var sections = Design(kind, order, low, high, rate);
        var nyquist = rate / 2;
        var passband = kind switch
        {
            "lowpass" => new[] { 0.0 },
            "highpass" => [nyquist],
            "bandpass" => [WarpedCentre(low, high, rate)],
            _ => [0.0, nyquist],
        };
        foreach (var frequency in passband)
        {
            Assert.That(FilterResponse.Magnitude(sections, frequency, rate), Is.EqualTo(1).Within(1e-9), $"|H({frequency} Hz)|");
        }
    }

    [TestCaseSource(nameof(Designs))]
    public void Every_pole_lies_inside_the_unit_circle(string kind, int order, double low, double high, double rate)
    {
        foreach (var section in Design(kind, order, low, high, rate))
        {
            foreach (var pole in Poles(section))
            {
                Assert.That(pole.Magnitude, Is.LessThan(1), $"pole {pole} of {section}");
            }
        }
    }

    [TestCaseSource(nameof(Designs))]
    public void The_sections_follow_scipys_layout(string kind, int order, double low, double high, double rate)
    {
        var sections = Design(kind, order, low, high, rate);
        var expectedCount = kind is "lowpass" or "highpass" ? (order + 1) / 2 : order;
        Assert.That(sections, Has.Length.EqualTo(expectedCount));
        if (kind is "lowpass" or "highpass" && order % 2 == 1)
        {
            Assert.That(sections[0].A2, Is.Zero, "an odd order's real pole is paired with a pole at the origin in the first section");
        }

        for (var i = 1; i < sections.Length; i++)
        {
            Assert.That(sections[i].B0, Is.EqualTo(1), $"section {i}: the overall gain belongs to the first section only");
            Assert.That(
                DistanceToUnitCircle(sections[i]),
                Is.LessThanOrEqualTo(DistanceToUnitCircle(sections[i - 1]) + 1e-12),
                $"section {i}: poles closer to the unit circle run later");
        }
    }

    [TestCaseSource(nameof(Specs))]
    public void The_stopband_attenuation_grows_with_order(string kind, double low, double high, double rate)
    {
        var nyquist = rate / 2;
        var stopband = kind switch
        {
            "lowpass" => new[] { 2 * high },
            "highpass" => [low / 2],
            "bandpass" => [low / 2, (high + nyquist) / 2],
            _ => [low + ((high - low) / 4)],
        };
        foreach (var frequency in stopband)
        {
            var previous = double.PositiveInfinity;
            for (var order = 1; order <= 8; order++)
            {
                var db = FilterResponse.MagnitudeDb(Design(kind, order, low, high, rate), frequency, rate);
                Assert.That(db, Is.LessThan(Math.Min(previous, HalfPowerDb)), $"order {order} at {frequency} Hz");
                previous = db;
            }
        }
    }

    [Test]
    public void A_fourth_order_8_to_30_Hz_band_pass_at_250_Hz_has_four_sections()
    {
        var sections = Butterworth.BandPass(4, 8, 30, 250);
        Assert.That(sections, Has.Length.EqualTo(4));
        Assert.That(FilterResponse.FindCrossing(sections, HalfPowerDb, 0, 15, 250), Is.EqualTo(8).Within(8e-9));
        Assert.That(FilterResponse.FindCrossing(sections, HalfPowerDb, 15, 125, 250), Is.EqualTo(30).Within(3e-8));
    }

    [Test]
    public void A_second_order_low_pass_at_a_quarter_of_the_sample_rate_matches_scipy()
    {
        // scipy.signal.butter(2, 0.5, output='sos'): Wn is relative to Nyquist, so 0.5 is fs/4.
        var sections = Butterworth.LowPass(2, 62.5, 250);
        Assert.That(sections, Has.Length.EqualTo(1));
        var s = sections[0];
        Assert.That(s.B0, Is.EqualTo(0.29289322).Within(1e-8));
        Assert.That(s.B1, Is.EqualTo(0.58578644).Within(1e-8));
        Assert.That(s.B2, Is.EqualTo(0.29289322).Within(1e-8));
        Assert.That(s.A1, Is.EqualTo(0).Within(1e-8));
        Assert.That(s.A2, Is.EqualTo(0.17157288).Within(1e-8));
    }

    [Test]
    public void A_first_order_low_pass_at_a_quarter_of_the_sample_rate_matches_scipy()
    {
        // scipy.signal.butter(1, 0.5): b = [0.5, 0.5], a = [1, 0].
        var sections = Butterworth.LowPass(1, 125, 500);
        Assert.That(sections, Has.Length.EqualTo(1));
        var s = sections[0];
        Assert.That(s.B0, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(s.B1, Is.EqualTo(0.5).Within(1e-12));
        Assert.That(s.B2, Is.EqualTo(0).Within(1e-12));
        Assert.That(s.A1, Is.EqualTo(0).Within(1e-12));
        Assert.That(s.A2, Is.EqualTo(0).Within(1e-12));
    }

    [TestCase(0)]
    [TestCase(13)]
    [TestCase(-1)]
    public void An_order_outside_1_to_12_is_refused_naming_the_range(int order)
    {
        foreach (var design in new Func<Biquad[]>[]
                 {
                     () => Butterworth.LowPass(order, 30, 250),
                     () => Butterworth.HighPass(order, 1, 250),
                     () => Butterworth.BandPass(order, 8, 30, 250),
                     () => Butterworth.BandStop(order, 45, 55, 250),
                 })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => design());
            Assert.That(error!.ParamName, Is.EqualTo("order"));
            Assert.That(error.Message, Does.Contain("1..12"));
        }
    }

    [TestCase(0)]
    [TestCase(-5)]
    [TestCase(125)]
    [TestCase(200)]
    [TestCase(double.NaN)]
    public void A_cutoff_outside_zero_to_Nyquist_is_refused_naming_the_range(double cutoff)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Butterworth.LowPass(4, cutoff, 250));
        Assert.That(error!.ParamName, Is.EqualTo("cutoffHz"));
        Assert.That(error.Message, Does.Contain("125 Hz"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Butterworth.HighPass(4, cutoff, 250))!.ParamName, Is.EqualTo("cutoffHz"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Butterworth.BandPass(4, 8, cutoff, 250))!.ParamName, Is.EqualTo("highHz"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => Butterworth.BandStop(4, cutoff, 55, 250))!.ParamName, Is.EqualTo("lowHz"));
    }

    [TestCase(30, 8)]
    [TestCase(20, 20)]
    public void A_band_whose_low_edge_is_not_below_its_high_edge_is_refused(double low, double high)
    {
        Assert.That(() => Butterworth.BandPass(4, low, high, 250), Throws.ArgumentException.With.Property("ParamName").EqualTo("lowHz"));
        Assert.That(() => Butterworth.BandStop(4, low, high, 250), Throws.ArgumentException.With.Property("ParamName").EqualTo("lowHz"));
    }

    [TestCase(0)]
    [TestCase(double.PositiveInfinity)]
    [TestCase(double.NaN)]
    public void A_sample_rate_that_is_not_positive_and_finite_is_refused(double rate)
    {
        Assert.That(() => Butterworth.LowPass(2, 30, rate), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("sampleRate"));
        Assert.That(() => Notch.Design(50, 30, rate), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("sampleRate"));
        Assert.That(() => DcBlocker.Design(0.5, rate), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("sampleRate"));
    }

    [TestCase(50)]
    [TestCase(60)]
    public void A_mains_notch_with_Q_30_at_250_Hz_is_deep_and_f0_over_Q_wide(double mains)
    {
        const double rate = 250;
        const double q = 30;
        var sections = new[] { Notch.Design(mains, q, rate) };
        Assert.That(FilterResponse.MagnitudeDb(sections, mains, rate), Is.LessThan(-60));
        var width = mains / q;
        var lower = FilterResponse.FindCrossing(sections, HalfPowerDb, mains - (10 * width), mains, rate);
        var upper = FilterResponse.FindCrossing(sections, HalfPowerDb, mains, mains + (10 * width), rate);
        Assert.That(upper - lower, Is.EqualTo(width).Within(0.01).Percent);
        Assert.That(FilterResponse.Magnitude(sections, 0, rate), Is.EqualTo(1).Within(1e-12), "DC passes untouched");
        Assert.That(FilterResponse.Magnitude(sections, rate / 2, rate), Is.EqualTo(1).Within(1e-12), "Nyquist passes untouched");
        Assert.That(FilterResponse.MagnitudeDb(sections, 10, rate), Is.GreaterThan(-0.05), "the EEG band away from the notch is untouched");
    }

    [Test]
    public void The_notch_has_scipys_iirnotch_form()
    {
        var notch = Notch.Design(50, 30, 250);
        var w0 = 2 * Math.PI * 50 / 250;
        var g = 1 / (1 + Math.Tan(w0 / 30 / 2));
        Assert.That(notch.B0, Is.EqualTo(g).Within(1e-15));
        Assert.That(notch.B1, Is.EqualTo(-2 * g * Math.Cos(w0)).Within(1e-15));
        Assert.That(notch.B2, Is.EqualTo(g).Within(1e-15));
        Assert.That(notch.A1, Is.EqualTo(-2 * g * Math.Cos(w0)).Within(1e-15));
        Assert.That(notch.A2, Is.EqualTo((2 * g) - 1).Within(1e-15));
        foreach (var pole in Poles(notch))
        {
            Assert.That(pole.Magnitude, Is.LessThan(1));
        }
    }

    [TestCase(50, 3, 250, new[] { 50.0, 100.0 })]
    [TestCase(60, 3, 250, new[] { 60.0, 120.0 })]
    [TestCase(50, 0, 250, new[] { 50.0 })]
    [TestCase(50, 10, 500, new[] { 50.0, 100.0, 150.0, 200.0 })]
    [TestCase(60, 2, 500, new[] { 60.0, 120.0, 180.0 })]
    public void Harmonic_notches_stop_below_Nyquist(double fundamental, int harmonics, double rate, double[] expected)
    {
        var sections = Notch.WithHarmonics(fundamental, harmonics, 30, rate);
        Assert.That(sections, Has.Length.EqualTo(expected.Length));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(sections[i], Is.EqualTo(Notch.Design(expected[i], 30, rate)));
            Assert.That(FilterResponse.MagnitudeDb(sections, expected[i], rate), Is.LessThan(-60), $"{expected[i]} Hz");
        }
    }

    [Test]
    public void Notch_arguments_out_of_range_are_refused_naming_them()
    {
        Assert.That(() => Notch.Design(125, 30, 250), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("frequencyHz"));
        Assert.That(() => Notch.Design(50, 0, 250), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("q"));
        Assert.That(() => Notch.Design(100, 0.5, 250), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("q"));
        Assert.That(() => Notch.WithHarmonics(50, -1, 30, 250), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("harmonics"));
        Assert.That(() => Notch.WithHarmonics(130, 2, 30, 250), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("fundamentalHz"));
    }

    [TestCase(0.5, 250)]
    [TestCase(0.5, 500)]
    [TestCase(0.1, 250)]
    [TestCase(2, 1000)]
    public void The_DC_blocker_removes_DC_halves_the_power_at_its_cutoff_and_passes_high_frequencies_at_unity(double cutoff, double rate)
    {
        var blocker = DcBlocker.Design(cutoff, rate);
        var sections = new[] { blocker };
        Assert.That(blocker.B2, Is.Zero);
        Assert.That(blocker.A2, Is.Zero);
        Assert.That(blocker.B1, Is.EqualTo(-blocker.B0));
        Assert.That(blocker.B0, Is.EqualTo((1 - blocker.A1) / 2).Within(1e-15), "g = (1 + R) / 2 with a1 = -R");
        Assert.That(FilterResponse.Magnitude(sections, 0, rate), Is.Zero);
        Assert.That(FilterResponse.MagnitudeDb(sections, cutoff, rate), Is.EqualTo(HalfPowerDb).Within(0.01));
        Assert.That(FilterResponse.Magnitude(sections, rate / 2, rate), Is.EqualTo(1).Within(1e-12));
        Assert.That(FilterResponse.MagnitudeDb(sections, 10 * cutoff, rate), Is.GreaterThan(-0.05));
        AssertEdge(FilterResponse.FindCrossing(sections, HalfPowerDb, 0, rate / 2, rate), cutoff);
        Assert.That(-blocker.A1, Is.InRange(0.0, 1.0), "R inside the unit circle");
    }

    [Test]
    public void The_DC_blocker_is_the_first_order_Butterworth_high_pass()
    {
        var blocker = DcBlocker.Design(0.5, 250);
        var butterworth = Butterworth.HighPass(1, 0.5, 250)[0];
        Assert.That(blocker.B0, Is.EqualTo(butterworth.B0).Within(1e-12));
        Assert.That(blocker.B1, Is.EqualTo(butterworth.B1).Within(1e-12));
        Assert.That(blocker.B2, Is.EqualTo(butterworth.B2).Within(1e-12));
        Assert.That(blocker.A1, Is.EqualTo(butterworth.A1).Within(1e-12));
        Assert.That(blocker.A2, Is.EqualTo(butterworth.A2).Within(1e-12));
    }

    [Test]
    public void DC_blocker_cutoffs_outside_zero_to_Nyquist_are_refused()
    {
        Assert.That(() => DcBlocker.Design(0, 250), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("cutoffHz"));
        Assert.That(() => DcBlocker.Design(125, 250), Throws.TypeOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("cutoffHz"));
    }

    [Test]
    public void An_empty_cascade_has_unit_gain()
    {
        Assert.That(FilterResponse.Magnitude([], 10, 250), Is.EqualTo(1));
        Assert.That(FilterResponse.MagnitudeDb([], 10, 250), Is.Zero);
    }

    [Test]
    public void A_crossing_that_is_not_bracketed_is_refused()
    {
        var sections = Butterworth.LowPass(4, 30, 250);
        Assert.That(() => FilterResponse.FindCrossing(sections, HalfPowerDb, 0, 20, 250), Throws.ArgumentException.With.Property("ParamName").EqualTo("targetDb"));
        Assert.That(() => FilterResponse.FindCrossing(sections, HalfPowerDb, 40, 20, 250), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => FilterResponse.FindCrossing(sections, HalfPowerDb, 0, 200, 250), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void A_crossing_is_found_to_far_better_than_the_edge_tolerance()
    {
        var sections = Butterworth.HighPass(2, 1, 250);
        var crossing = FilterResponse.FindCrossing(sections, HalfPowerDb, 0, 125, 250);
        Assert.That(crossing, Is.EqualTo(1).Within(1e-9));
        Assert.That(FilterResponse.MagnitudeDb(sections, crossing, 250), Is.EqualTo(HalfPowerDb).Within(1e-9));
    }

    private static Biquad[] Design(string kind, int order, double low, double high, double rate) => kind switch
    {
        "lowpass" => Butterworth.LowPass(order, high, rate),
        "highpass" => Butterworth.HighPass(order, low, rate),
        "bandpass" => Butterworth.BandPass(order, low, high, rate),
        "bandstop" => Butterworth.BandStop(order, low, high, rate),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown filter kind"),
    };

    /// <summary>Within 1e-9 of the specified edge, relative: the designs put their edges there to 4e-12 (worst case printed).</summary>
    private static void AssertEdge(double crossing, double edge)
    {
        TestContext.Out.WriteLine($"-3 dB point {crossing:0.000000000} Hz for the {edge} Hz edge ({(crossing - edge) / edge:+0.0e+0;-0.0e+0})");
        Assert.That(crossing, Is.EqualTo(edge).Within(1e-9 * edge), $"-3 dB point for the {edge} Hz edge");
    }

    /// <summary>The digital frequency of the geometric centre of the pre-warped edges, where a band-pass has unit gain.</summary>
    private static double WarpedCentre(double low, double high, double rate)
    {
        var centre = Math.Sqrt(Math.Tan(Math.PI * low / rate) * Math.Tan(Math.PI * high / rate));
        return Math.Atan(centre) * rate / Math.PI;
    }

    /// <summary>The roots of z^2 + a1 z + a2 (a first-order section has one at the origin).</summary>
    private static Complex[] Poles(Biquad section)
    {
        var root = Complex.Sqrt((section.A1 * section.A1) - (4 * section.A2));
        return [(-section.A1 + root) / 2, (-section.A1 - root) / 2];
    }

    private static double DistanceToUnitCircle(Biquad section)
    {
        var poles = Poles(section);
        return Math.Min(Math.Abs(1 - poles[0].Magnitude), Math.Abs(1 - poles[1].Magnitude));
    }
}
