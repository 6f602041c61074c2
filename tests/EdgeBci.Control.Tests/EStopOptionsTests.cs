using EdgeBci.Control.Supervision;
using Microsoft.Extensions.Configuration;

namespace EdgeBci.Control.Tests;

/// <summary>Control:EStopSecondPin and Control:EStopSecondContact: bound from configuration, every bad value named.</summary>
public class EStopOptionsTests
{
    [Test]
    public void The_second_channel_binds_from_configuration_and_defaults_to_single_channel()
    {
        var options = new ControlOptions();
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Control:EStopPin"] = "6",
            ["Control:EStopSecondPin"] = "19",
            ["Control:EStopSecondContact"] = "no",
        }).Build().GetSection(ControlOptions.Section).Bind(options);

        Assert.Multiple(() =>
        {
            Assert.That(new ControlOptions().EStopSecondPin, Is.EqualTo(-1));
            Assert.That(new ControlOptions().EStopSecondContact, Is.EqualTo(EStopContacts.NormallyClosed));
            Assert.That(options.EStopSecondPin, Is.EqualTo(19));
            Assert.That(options.EStopSecondContact, Is.EqualTo(EStopContacts.NormallyOpen));
            Assert.That(options.Validate(), Is.Empty);
        });
    }

    [TestCase(-1, 19, "Control:EStopSecondPin = 19 must be a line of its own beside EStopPin (the first channel) = -1")]
    [TestCase(6, 6, "Control:EStopSecondPin = 6 must be a line of its own beside EStopPin (the first channel) = 6")]
    [TestCase(6, 13, "Control:EStopSecondPin = 13 must be a line of its own")]
    [TestCase(6, -2, "Control:EStopSecondPin = -2 is not a GPIO line; use -1 for not wired.")]
    public void A_second_pin_without_a_first_on_a_line_in_use_or_negative_is_refused(int first, int second, string error)
    {
        var errors = new ControlOptions { EStopPin = first, EStopSecondPin = second, InhibitPin = 13 }.Validate();
        Assert.That(errors, Has.One.StartsWith(error));
    }

    [TestCase("NC")]
    [TestCase("normally-open")]
    [TestCase("")]
    public void An_unknown_contact_is_refused_naming_the_key_and_the_choices(string contact)
    {
        var errors = new ControlOptions { EStopPin = 6, EStopSecondPin = 19, EStopSecondContact = contact }.Validate();
        Assert.That(errors, Is.EqualTo(new[] { $"Control:EStopSecondContact = '{contact}' is not known; use nc (reads like EStopPin) or no (reads the opposite)." }));
    }
}
