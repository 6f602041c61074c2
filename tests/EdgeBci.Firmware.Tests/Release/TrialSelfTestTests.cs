using NUnit.Framework;

namespace EdgeBci.Firmware.Tests.Release;

public sealed class TrialSelfTestTests
{
    private static SelfTestResult Result(params SelfTestCheck[] checks) =>
        new(Array.TrueForAll(checks, check => check.Verdict != "fail"), checks);

    [Test]
    public void Electrodes_off_on_the_bench_do_not_stop_a_good_release_from_committing()
    {
        var result = Result(new("acquisition", "pass", "250 SPS"), new("channels", "fail", "C3 lead-off"),
            new("model", "pass", "m 1"), new("decoder", "pass", "deciding"));

        var judged = TrialSelfTest.Judge(result, modelConfigured: true);

        Assert.That(judged.Passed, Is.True, judged.Summary);
        Assert.That(judged.Summary, Does.Not.Contain("channels"));
    }

    [Test]
    public void A_failing_model_check_fails_the_trial_when_a_model_is_configured_and_is_left_out_when_none_is()
    {
        var result = Result(new("acquisition", "pass", "250 SPS"), new("model", "fail", "no model configured"),
            new("decoder", "fail", "no window decoded"));

        Assert.That(TrialSelfTest.Judge(result, modelConfigured: true).Passed, Is.False);
        Assert.That(TrialSelfTest.Judge(result, modelConfigured: false).Passed, Is.True);
    }

    [Test]
    public void A_failing_acquisition_fails_the_trial_whatever_else_passes()
    {
        var result = Result(new("acquisition", "fail", "not streaming"), new("channels", "pass", "all good"));

        var judged = TrialSelfTest.Judge(result, modelConfigured: false);

        Assert.That(judged.Passed, Is.False);
        Assert.That(judged.Summary, Does.Contain("acquisition fail (not streaming)"));
    }
}
