using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Release.Tests.Slots;

public sealed class SlotStateTests
{
    [Test]
    public void The_guards_state_file_reads_into_typed_fields()
    {
        using var scratch = new ScratchFolder("slots");
        SlotFiles.State(scratch.Path, starts: 2);

        var state = SlotState.ReadIfPresent(scratch.Path)!;

        Assert.That(state.State, Is.EqualTo(TrialState.Trial));
        Assert.That((state.Slot, state.Version, state.PreviousSlot, state.PreviousVersion), Is.EqualTo(("b", "0.2.0", "a", "0.1.0")));
        Assert.That((state.Starts, state.MaxStarts), Is.EqualTo((2, 3)));
        Assert.That(state.TrialSince, Is.EqualTo(new DateTimeOffset(2026, 12, 6, 16, 0, 0, TimeSpan.Zero)));
        Assert.That(state.SlotVersions, Is.EquivalentTo(new Dictionary<string, string> { ["a"] = "0.1.0", ["b"] = "0.2.0" }));
    }

    [Test]
    public void No_state_file_is_no_release_and_an_empty_previous_slot_is_none()
    {
        using var scratch = new ScratchFolder("slots");
        Assert.That(SlotState.ReadIfPresent(scratch.Path), Is.Null);

        File.WriteAllText(Path.Combine(scratch.Path, "state"), "state=committed\nslot=a\nversion=0.1.0\nprevious_slot=\nprevious_version=\nstarts=0\nmax_starts=3\ntrial_since=\na_version=0.1.0\nb_version=\n");
        var state = SlotState.ReadIfPresent(scratch.Path)!;
        Assert.That((state.State, state.PreviousSlot, state.PreviousVersion, state.TrialSince), Is.EqualTo((TrialState.Committed, (string?)null, (string?)null, (DateTimeOffset?)null)));
        Assert.That(state.SlotVersions.Keys, Is.EqualTo(new[] { "a" }));
    }

    [TestCase("state=trail", "line 1: state=trail is not trial or committed")]
    [TestCase("slot=c", "line 2: slot=c is not a slot (a or b)")]
    [TestCase("starts=one", "line 6: starts=one is not a whole number")]
    [TestCase("max_starts=0", "line 7: max_starts=0 must be at least 1")]
    [TestCase("trial_since=yesterday", "line 8: trial_since=yesterday is not a UTC time")]
    public void A_bad_value_is_named_by_file_line_and_key(string bad, string expected)
    {
        using var scratch = new ScratchFolder("slots");
        SlotFiles.State(scratch.Path);
        var path = Path.Combine(scratch.Path, "state");
        var key = bad[..bad.IndexOf('=', StringComparison.Ordinal)];
        File.WriteAllLines(path, File.ReadAllLines(path).Select(line => line.StartsWith(key + "=", StringComparison.Ordinal) ? bad : line));

        var error = Assert.Throws<FormatException>(() => SlotState.ReadIfPresent(scratch.Path));

        Assert.That(error!.Message, Does.StartWith(path + " " + expected));
    }

    [Test]
    public void A_missing_key_is_named()
    {
        using var scratch = new ScratchFolder("slots");
        File.WriteAllText(Path.Combine(scratch.Path, "state"), "state=trial\nslot=b\n");

        var error = Assert.Throws<FormatException>(() => SlotState.ReadIfPresent(scratch.Path));

        Assert.That(error!.Message, Is.EqualTo(Path.Combine(scratch.Path, "state") + ": no starts= line."));
    }
}
