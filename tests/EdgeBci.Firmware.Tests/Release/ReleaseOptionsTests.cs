using EdgeBci.Firmware;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Firmware.Tests.Release;

public sealed class ReleaseOptionsTests
{
    [Test]
    public void The_defaults_are_the_units_folder_a_minute_hold_and_five_minutes()
    {
        var options = ReleaseOptions.Bind(new ConfigurationBuilder().Build());
        Assert.That((options.StateFolder, options.HealthHoldSeconds, options.HealthDeadlineSeconds), Is.EqualTo(("/var/lib/edgebci/release", 60, 300)));
    }

    [Test]
    public void An_unknown_key_is_refused_by_name()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Release:HealthHold", "30")]).Build();
        Assert.That(() => ReleaseOptions.Bind(configuration), Throws.ArgumentException.With.Message.Contains("unknown key(s) 'HealthHold' under 'Release'"));
    }

    [Test]
    public void A_deadline_not_longer_than_the_hold_is_refused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Release:HealthHoldSeconds", "120"), new("Release:HealthDeadlineSeconds", "120")]).Build();
        Assert.That(() => ReleaseOptions.Bind(configuration),
            Throws.ArgumentException.With.Message.EqualTo("Release:HealthDeadlineSeconds = 120: use more than HealthHoldSeconds (120) and at most 86400"));
    }
}
