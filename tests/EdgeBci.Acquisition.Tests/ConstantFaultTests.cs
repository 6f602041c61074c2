using EdgeBci.Acquisition.Emulation;

namespace EdgeBci.Acquisition.Tests;

/// <summary>The emulator's constant fault: a channel that reads exactly zero, and a step from the rail to it.</summary>
public class ConstantFaultTests
{
    [Test]
    public void Constant_is_parsed_applied_and_written_back_and_replaces_a_railed_fault_on_its_channel()
    {
        Assert.That(EmulatorFault.TryParse("constant=3", 8, out var fault, out var error), Is.True, error);
        Assert.That(fault, Is.EqualTo(new EmulatorFault(EmulatorFaultKind.Constant, 2)));
        Assert.That(fault.ToString(), Is.EqualTo("constant=3"));
        Assert.That(EmulatorFault.TryParse("constant=9", 8, out _, out error), Is.False);
        Assert.That(error, Is.EqualTo("give a channel 1..8, e.g. constant=3."));
        Assert.That(EmulatorFault.Usage, Does.Contain("constant=N"));

        var faults = new Ads1299EmulatorFaults();
        new EmulatorFault(EmulatorFaultKind.Railed, 2).Apply(faults);
        new EmulatorFault(EmulatorFaultKind.Railed, 4).Apply(faults);
        fault.Apply(faults);
        Assert.That(faults.RailedMask, Is.EqualTo(1UL << 4), "the rail on channel 3 is replaced, the other stays");
        Assert.That(faults.ConstantMask, Is.EqualTo(1UL << 2));

        faults.SetRailed(2, true);
        Assert.That(faults.ConstantMask, Is.Zero, "and the other way round");
        faults.SetConstant(2, true);
        faults.ClearAll();
        Assert.That(faults.ConstantMask, Is.Zero);
    }
}
