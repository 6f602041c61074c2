using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Release.Tests.Slots;

public sealed class RunningSlotTests
{
    [Test]
    public void The_firmware_started_through_the_fixed_links_runs_from_the_slot_current_points_to()
    {
        using var scratch = new ScratchFolder("running-slot");
        var slot = Path.Combine(scratch.Path, "opt", "slots", "b");
        Directory.CreateDirectory(Path.Combine(slot, "firmware"));
        File.WriteAllText(Path.Combine(slot, "manifest.txt"), "edgebci-release 1\n");
        File.CreateSymbolicLink(Path.Combine(scratch.Path, "opt", "current"), "slots/b");
        File.CreateSymbolicLink(Path.Combine(scratch.Path, "opt", "firmware"), "current/firmware");

        var running = RunningSlot.Find(Path.Combine(scratch.Path, "opt", "firmware") + "/");

        Assert.That(running, Is.EqualTo(new RunningSlot("b", slot)));
    }

    [Test]
    public void A_build_folder_or_a_slot_without_its_manifest_is_no_slot()
    {
        using var scratch = new ScratchFolder("running-slot");
        var firmware = Path.Combine(scratch.Path, "slots", "a", "firmware");
        Directory.CreateDirectory(firmware);
        Assert.That(RunningSlot.Find(firmware), Is.Null, "no manifest.txt beside");
        Assert.That(RunningSlot.Find(AppContext.BaseDirectory), Is.Null);
    }

    [Test]
    public void A_link_loop_is_an_error_naming_the_path()
    {
        using var scratch = new ScratchFolder("running-slot");
        File.CreateSymbolicLink(Path.Combine(scratch.Path, "x"), "y");
        File.CreateSymbolicLink(Path.Combine(scratch.Path, "y"), "x");
        Assert.That(() => RunningSlot.Find(Path.Combine(scratch.Path, "x")), Throws.TypeOf<IOException>().With.Message.Contains("symbolic links"));
    }
}
