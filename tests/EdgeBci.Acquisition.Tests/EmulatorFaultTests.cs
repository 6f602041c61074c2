using EdgeBci.Acquisition.Configuration;
using EdgeBci.Acquisition.Emulation;

namespace EdgeBci.Acquisition.Tests;

/// <summary>The fault spelling shared by the CLI's --inject and the firmware's Emulator:Faults.</summary>
public class EmulatorFaultTests
{
    [TestCase("electrode-off=3", "electrode-off=3")]
    [TestCase("railed=8", "railed=8")]
    [TestCase("wrong-id=0xff", "wrong-id=0xFF")]
    [TestCase("corrupt-status=250", "corrupt-status=250")]
    [TestCase("bit-flips=0.01", "bit-flips=0.01")]
    [TestCase(" Stuck-DRDY ", "stuck-drdy")]
    public void A_fault_parses_and_prints_in_the_same_spelling(string text, string canonical)
    {
        Assert.That(EmulatorFault.TryParse(text, 8, out var fault, out var error), Is.True, error);
        Assert.That(fault.ToString(), Is.EqualTo(canonical));
    }

    [TestCase("electrode-off=9", "give a channel 1..8")]
    [TestCase("railed=0", "give a channel 1..8")]
    [TestCase("wrong-id=zz", "byte in hex")]
    [TestCase("corrupt-status=-1", "frame count")]
    [TestCase("bit-flips=2", "probability 0..1")]
    [TestCase("meltdown", "unknown fault 'meltdown'")]
    public void A_bad_fault_says_what_to_write(string text, string expected)
    {
        Assert.That(EmulatorFault.TryParse(text, 8, out _, out var error), Is.False);
        Assert.That(error, Does.Contain(expected));
    }

    [Test]
    public void Applying_a_fault_sets_it_on_the_chip()
    {
        var faults = new Ads1299EmulatorFaults();
        foreach (var text in new[] { "electrode-off=3", "railed=5", "stuck-drdy", "wrong-id=0x00" })
        {
            Assert.That(EmulatorFault.TryParse(text, 8, out var fault, out _), Is.True);
            fault.Apply(faults);
        }

        Assert.Multiple(() =>
        {
            Assert.That(faults.ElectrodesOffMask, Is.EqualTo(1UL << 2));
            Assert.That(faults.RailedMask, Is.EqualTo(1UL << 4));
            Assert.That(faults.DataReadyStuck, Is.True);
            Assert.That(faults.IdOverride, Is.EqualTo((byte)0x00));
        });
    }

    [Test]
    public void Emulator_faults_in_configuration_are_checked_with_their_keys()
    {
        var options = new EmulatorOptions
        {
            Faults =
            [
                new EmulatorFaultOptions { Fault = "railed=2", AfterSeconds = 10 },
                new EmulatorFaultOptions { Fault = "railed=12", AfterSeconds = -1 },
            ],
        };

        var errors = options.Validate(8);

        Assert.That(errors, Has.Count.EqualTo(2));
        Assert.That(errors[0], Does.Contain("Emulator:Faults:1:Fault = 'railed=12'").And.Contain("1..8"));
        Assert.That(errors[1], Does.Contain("Emulator:Faults:1:AfterSeconds = -1"));
    }
}
