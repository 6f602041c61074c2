using EdgeBci.Firmware;

namespace EdgeBci.Firmware.Tests.Release;

public sealed class TrialHealthCheckTests
{
    private static readonly TrialSecond Healthy = new(true, "self-test passed", 250, 250, ModelConfigured: true, 4, BrokerConfigured: true, UplinkConnected: true);

    private static IEnumerable<TestCaseData> EachRuleAlone()
    {
        yield return new TestCaseData(Healthy with { SelfTestPassed = false, SelfTestSummary = "self-test FAILED: channels fail (C3 lead-off)" }, "self-test FAILED: channels fail (C3 lead-off)").SetName("self-test failed");
        yield return new TestCaseData(Healthy with { SelfTestPassed = null }, "self-test not finished yet").SetName("self-test not run yet");
        yield return new TestCaseData(Healthy with { FramesPerSecond = 200 }, "acquisition: 200 frames/s of 250 configured").SetName("frames too slow");
        yield return new TestCaseData(Healthy with { DecisionsLastSecond = 0 }, "decoder: no decision in the last second").SetName("no decisions");
        yield return new TestCaseData(Healthy with { UplinkConnected = false }, "uplink: not connected to the broker").SetName("uplink down");
    }

    [TestCaseSource(nameof(EachRuleAlone))]
    public void Each_condition_alone_makes_the_second_unhealthy_with_its_reason(object second, string reason)
    {
        var check = new TrialHealthCheck(TimeSpan.FromSeconds(60), new ManualTime());
        var verdict = check.Observe((TrialSecond)second);
        Assert.That((verdict.Healthy, verdict.Reason, verdict.Held), Is.EqualTo((false, reason, false)));
    }

    [Test]
    public void Several_bad_conditions_give_one_line_naming_each()
    {
        var verdict = new TrialHealthCheck(TimeSpan.FromSeconds(60), new ManualTime()).Observe(Healthy with { FramesPerSecond = 0, UplinkConnected = false });
        Assert.That(verdict.Reason, Is.EqualTo("acquisition: 0 frames/s of 250 configured; uplink: not connected to the broker"));
    }

    [Test]
    public void A_rate_within_five_percent_of_the_configured_one_is_healthy()
    {
        var check = new TrialHealthCheck(TimeSpan.FromSeconds(60), new ManualTime());
        Assert.That(check.Observe(Healthy with { FramesPerSecond = 238 }).Healthy, Is.True);
        Assert.That(check.Observe(Healthy with { FramesPerSecond = 262 }).Healthy, Is.True);
        Assert.That(check.Observe(Healthy with { FramesPerSecond = 237 }).Healthy, Is.False);
    }

    [Test]
    public void Without_a_model_or_a_broker_those_conditions_are_dropped()
    {
        var check = new TrialHealthCheck(TimeSpan.FromSeconds(60), new ManualTime());
        Assert.That(check.Observe(Healthy with { ModelConfigured = false, DecisionsLastSecond = 0 }).Healthy, Is.True);
        Assert.That(check.Observe(Healthy with { BrokerConfigured = false, UplinkConnected = false }).Healthy, Is.True);
    }

    [Test]
    public void The_hold_is_reached_only_after_healthy_seconds_without_a_break_and_a_bad_second_starts_it_again()
    {
        var time = new ManualTime();
        var check = new TrialHealthCheck(TimeSpan.FromSeconds(10), time);
        for (var second = 0; second < 10; second++)
        {
            Assert.That(check.Observe(Healthy).Held, Is.False, $"second {second}");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.That(check.Observe(Healthy with { DecisionsLastSecond = 0 }).HealthyFor, Is.EqualTo(TimeSpan.Zero));
        for (var second = 0; second < 10; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.That(check.Observe(Healthy).Held, Is.False, $"second {second} after the break");
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var held = check.Observe(Healthy);
        Assert.That((held.Held, held.HealthyFor), Is.EqualTo((true, TimeSpan.FromSeconds(10))));
    }
}
