using EdgeBci.Training.LiveReplay;

namespace EdgeBci.Training.Tests.LiveReplay;

/// <summary>Wolpaw's bits per selection against values computed by hand from B = log₂N + P log₂P + (1−P) log₂((1−P)/(N−1)).</summary>
public class WolpawItrTests
{
    [Test]
    public void Two_classes_at_80_percent_carry_0_278_bits()
    {
        // 1 + 0.8·log₂0.8 + 0.2·log₂0.2 = 1 − 0.25754 − 0.46439.
        Assert.That(WolpawItr.BitsPerSelection(2, 0.8), Is.EqualTo(0.2780719051).Within(1e-9));
    }

    [Test]
    public void Three_classes_at_80_percent_carry_0_663_bits_and_at_50_percent_0_085()
    {
        // log₂3 + 0.8·log₂0.8 + 0.2·log₂0.1; log₂3 + 0.5·log₂0.5 + 0.5·log₂0.25.
        Assert.That(WolpawItr.BitsPerSelection(3, 0.8), Is.EqualTo(0.6630344058).Within(1e-9));
        Assert.That(WolpawItr.BitsPerSelection(3, 0.5), Is.EqualTo(0.0849625007).Within(1e-9));
    }

    [Test]
    public void Perfect_selection_carries_log2_N_and_chance_or_worse_carries_nothing()
    {
        Assert.That(WolpawItr.BitsPerSelection(4, 1.0), Is.EqualTo(2.0).Within(1e-12));
        Assert.That(WolpawItr.BitsPerSelection(2, 0.5), Is.Zero);
        Assert.That(WolpawItr.BitsPerSelection(3, 1.0 / 3), Is.Zero);
        Assert.That(WolpawItr.BitsPerSelection(2, 0.1), Is.Zero, "a decoder that is mostly wrong is clamped, not read as informative");
    }

    [Test]
    public void Bits_per_minute_scale_with_the_selection_rate_and_bad_input_is_named()
    {
        Assert.That(WolpawItr.BitsPerMinute(2, 0.8, 6), Is.EqualTo(6 * 0.2780719051).Within(1e-8));
        Assert.Throws<ArgumentOutOfRangeException>(() => WolpawItr.BitsPerSelection(1, 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => WolpawItr.BitsPerSelection(2, 1.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => WolpawItr.BitsPerMinute(2, 0.8, double.NaN));
    }
}
