using EdgeBci.Acquisition.Diagnostics;

namespace EdgeBci.Firmware.Tests.Web;

public class ElectrodeWordsTests
{
    private static readonly string[] Channels = ["C3", "Cz", "C4", "Pz", "FC3", "FC4"];

    [Test]
    public void Each_verdict_becomes_one_of_the_four_qualities_with_the_reason_in_plain_words()
    {
        ChannelReport[] reports =
        [
            new("C3", "good", 12.3),
            new("Cz", "noisy", 40, "line noise 38% of power"),
            new("C4", "lead-off", 0),
            new("Pz", "railed", 180000),
            new("FC3", "bad", 0.1, "flat line"),
            new("FC4", "settling", 10, "after railed"),
        ];
        var states = ElectrodeWords.Describe(Channels, reports, null);

        Assert.Multiple(() =>
        {
            Assert.That(states.Select(s => s.Quality), Is.EqualTo(new[] { "good", "noisy", "bad", "bad", "bad", "settling" }));
            Assert.That(states[0].Reason, Is.Empty);
            Assert.That(states[0].RmsMicrovolts, Is.EqualTo(12.3));
            Assert.That(states[1].Reason, Is.EqualTo("line noise 38% of power"));
            Assert.That(states[2].Reason, Is.EqualTo("lead-off: the electrode has lost contact"));
            Assert.That(states[3].Reason, Does.StartWith("railed: the amplifier is at its limit"));
            Assert.That(states[4].Reason, Is.EqualTo("flat line"));
            Assert.That(states[5].Reason, Does.StartWith("settling after railed"));
            Assert.That(states.Select(s => s.ImpedanceKiloohms), Is.All.Null, "never measured");
            Assert.That(states.Select(s => s.ImpedanceQuality), Is.All.Null);
        });
    }

    [Test]
    public void Before_the_first_report_every_channel_is_settling_and_says_so()
    {
        var states = ElectrodeWords.Describe(Channels, null, null);

        Assert.That(states.Select(s => s.Quality), Is.All.EqualTo("settling"));
        Assert.That(states.Select(s => s.Reason), Is.All.EqualTo(ElectrodeWords.NoVerdictYet));
        Assert.That(states.Select(s => s.Channel), Is.EqualTo(Channels));
    }

    [Test]
    public void A_bad_verdict_without_a_reason_still_says_something()
    {
        Assert.That(ElectrodeWords.Judge(new ChannelReport("C3", "bad", 0)), Is.EqualTo(("bad", "no usable signal")));
    }

    [Test]
    public void Measured_impedances_go_beside_each_channel_with_their_quality()
    {
        ElectrodeImpedance[] impedances = [new("C3", 4.26, false), new("Cz", 75, false), new("C4", 900, true)];
        var states = ElectrodeWords.Describe(Channels[..3], [new("C3", "good", 1), new("Cz", "good", 1), new("C4", "lead-off", 0)], impedances);

        Assert.Multiple(() =>
        {
            Assert.That(states.Select(s => s.ImpedanceKiloohms), Is.EqualTo(new double?[] { 4.3, 75, 900 }));
            Assert.That(states.Select(s => s.ImpedanceQuality), Is.EqualTo(new[] { "good", "poor", "open" }));
        });
    }
}
