using EdgeBci.Tests.Shared.Mosquitto;
using NUnit.Framework;

namespace EdgeBci.Release.Tests.Deploy;

/// <summary>deploy/99-edgebci.rules gives the service's groups exactly the device nodes and PWM files the drivers open.</summary>
public sealed class UdevRulesTests
{
    private static UdevRulesFile Rules => UdevRulesFile.Load(RepositoryRoot.File("deploy/99-edgebci.rules"));

    [TestCase("spidev", "spi")]
    [TestCase("gpio", "gpio")]
    [TestCase("bcm2835-gpiomem", "gpio")]
    [TestCase("i2c-dev", "i2c")]
    public void A_device_node_goes_to_its_group_readable_and_writable_by_it_alone(string subsystem, string group)
    {
        var rule = Rules.Rules.Single(r => r.Match("SUBSYSTEM") == subsystem);
        Assert.That(rule.Assigned("GROUP"), Is.EqualTo(group), $"line {rule.Line}");
        Assert.That(rule.Assigned("MODE"), Is.EqualTo("0660"), $"line {rule.Line}");
    }

    [Test]
    public void A_pwm_chips_export_and_unexport_go_to_group_pwm_when_it_appears()
    {
        var rule = Rules.Rules.Single(r => r.Match("SUBSYSTEM") == "pwm" && r.Match("ACTION") == "add");
        Assert.That(rule.Match("KERNEL"), Is.EqualTo("pwmchip*"));
        Assert.That(rule.Runs, Is.EqualTo(new[]
        {
            "/bin/chgrp pwm /sys%p/export /sys%p/unexport",
            "/bin/chmod g+w /sys%p/export /sys%p/unexport",
        }));
    }

    [Test]
    public void An_exported_pwm_channels_files_go_to_group_pwm_on_the_chips_change_event()
    {
        var rule = Rules.Rules.Single(r => r.Match("SUBSYSTEM") == "pwm" && r.Match("ACTION") == "change");
        Assert.That(rule.Match("ENV{EXPORT}"), Is.EqualTo("pwm?*"), "the kernel names the exported channel in EXPORT=");
        var files = new[] { "period", "duty_cycle", "enable", "polarity" }.Select(f => $"/sys%p/%E{{EXPORT}}/{f}");
        Assert.That(rule.Runs, Is.EqualTo(new[]
        {
            $"/bin/chgrp pwm {string.Join(' ', files)}",
            $"/bin/chmod g+w {string.Join(' ', files)}",
        }));
    }

    [Test]
    public void The_reader_names_the_line_of_a_malformed_rule()
    {
        using var scratch = new EdgeBci.Tests.Shared.ScratchFolder("udev");
        var path = Path.Combine(scratch.Path, "bad.rules");
        File.WriteAllText(path, "# fine\nSUBSYSTEM==\"spidev\", GROUP=spi\n");

        var error = Assert.Throws<FormatException>(() => UdevRulesFile.Load(path));
        Assert.That(error!.Message, Does.Contain($"{path} line 2"));
    }
}
