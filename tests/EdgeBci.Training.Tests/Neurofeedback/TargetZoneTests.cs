using EdgeBci.Training.Neurofeedback;

namespace EdgeBci.Training.Tests.Neurofeedback;

/// <summary>The zone starts at the threshold's place in the wearer's range and reaches half a range above it, at most 1.</summary>
public class TargetZoneTests
{
    [Test]
    public void The_low_edge_is_the_threshold_placed_in_the_range_and_the_high_edge_half_a_range_above_it()
    {
        var zone = TargetZone.From(new BaselineRange(0.30, 0.50), threshold: 0.5);

        Assert.That(zone.Low, Is.EqualTo(0.40).Within(1e-12));
        Assert.That(zone.High, Is.EqualTo(0.60).Within(1e-12));
    }

    [Test]
    public void The_high_edge_is_capped_at_1()
    {
        var zone = TargetZone.From(new BaselineRange(0.6, 0.9), threshold: 0.9);

        Assert.That(zone.High, Is.EqualTo(1));
        Assert.That(zone.Low, Is.LessThan(zone.High));
    }

    [Test]
    public void Both_edges_are_in_the_zone_and_nothing_beyond_them()
    {
        var zone = TargetZone.From(new BaselineRange(0.25, 0.75), threshold: 0.5);

        Assert.That(zone.Contains(0.5), Is.True);
        Assert.That(zone.Contains(1.0), Is.True);
        Assert.That(zone.Contains(0.4999), Is.False);
        var above = TargetZone.From(new BaselineRange(0.2, 0.4), threshold: 0.5);
        Assert.That(above.Contains(0.5), Is.True);
        Assert.That(above.Contains(0.5001), Is.False, "far above the wearer's range is more likely muscle than focus");
    }

    [Test]
    public void A_threshold_outside_0_to_1_or_a_range_upside_down_is_refused()
    {
        var range = new BaselineRange(0.3, 0.5);

        Assert.Throws<ArgumentOutOfRangeException>(() => TargetZone.From(range, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TargetZone.From(range, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TargetZone.From(range, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => TargetZone.From(range, 0.5, headroom: 0));
        var upsideDown = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new BaselineRange(0.5, 0.3))!;
        Assert.That(upsideDown.Message, Does.Contain("got 0.5 to 0.3"));
    }

    [Test]
    public void A_position_in_the_range_and_the_score_at_it_are_inverses()
    {
        var range = new BaselineRange(0.28, 0.43);

        Assert.That(range.PositionOf(range.ScoreAt(0.7)), Is.EqualTo(0.7).Within(1e-12));
        Assert.That(range.PositionOf(0.28), Is.Zero);
    }
}
