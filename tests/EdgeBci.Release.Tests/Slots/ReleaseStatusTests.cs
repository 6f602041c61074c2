using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Release.Tests.Slots;

public sealed class ReleaseStatusTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 16, 2, 0, TimeSpan.Zero);

    [Test]
    public void Nothing_installed_says_so_and_names_the_folder()
    {
        using var scratch = new ScratchFolder("status");
        var status = ReleaseStatus.Read(scratch.Path);
        Assert.That(status.Condition, Is.EqualTo(ReleaseCondition.NotInstalled));
        Assert.That(status.Summary, Is.EqualTo($"no release installed (no state file in {scratch.Path})"));
    }

    [Test]
    public void A_committed_state_is_committed()
    {
        using var scratch = new ScratchFolder("status");
        SlotFiles.State(scratch.Path, state: "committed");
        var status = ReleaseStatus.Read(scratch.Path);
        Assert.That(status.Condition, Is.EqualTo(ReleaseCondition.Committed));
        Assert.That(status.Summary, Is.EqualTo("committed: 0.2.0 in slot b"));
    }

    [Test]
    public void A_trial_without_a_good_mark_is_a_trial_with_its_start_count()
    {
        using var scratch = new ScratchFolder("status");
        SlotFiles.State(scratch.Path, starts: 2);
        var status = ReleaseStatus.Read(scratch.Path);
        Assert.That(status.Condition, Is.EqualTo(ReleaseCondition.Trial));
        Assert.That(status.Summary, Is.EqualTo("trial: 0.2.0 in slot b, start 2 of 3"));
    }

    [Test]
    public void A_trial_whose_good_mark_names_its_slot_and_version_is_committed()
    {
        using var scratch = new ScratchFolder("status");
        SlotFiles.State(scratch.Path);
        new GoodMark("b", "0.2.0", At).Write(scratch.Path);

        var status = ReleaseStatus.Read(scratch.Path);

        Assert.That(status.Condition, Is.EqualTo(ReleaseCondition.Committed));
        Assert.That(status.Good, Is.EqualTo(new GoodMark("b", "0.2.0", At)));
    }

    [TestCase("b", "0.1.9")]
    [TestCase("a", "0.2.0")]
    public void A_good_mark_for_another_slot_or_version_does_not_commit_the_trial(string slot, string version)
    {
        using var scratch = new ScratchFolder("status");
        SlotFiles.State(scratch.Path);
        new GoodMark(slot, version, At).Write(scratch.Path);

        Assert.That(ReleaseStatus.Read(scratch.Path).Condition, Is.EqualTo(ReleaseCondition.Trial));
    }

    [Test]
    public void Running_what_the_last_rollback_went_to_is_rolled_back_with_its_reason()
    {
        using var scratch = new ScratchFolder("status");
        SlotFiles.State(scratch.Path, state: "committed", slot: "a", version: "0.1.0");
        SlotFiles.Rollback(scratch.Path);

        var status = ReleaseStatus.Read(scratch.Path);

        Assert.That(status.Condition, Is.EqualTo(ReleaseCondition.RolledBack));
        Assert.That(status.Summary, Is.EqualTo("rolled back: running 0.1.0 in slot a; release 0.2.0 rolled back from slot b to a: trial 0.2.0 did not become healthy within 3 starts (last: acquisition 0 frames/s)"));
    }

    [Test]
    public void A_later_release_committed_in_the_other_slot_is_not_rolled_back_by_an_old_rollback()
    {
        using var scratch = new ScratchFolder("status");
        SlotFiles.Rollback(scratch.Path);
        SlotFiles.State(scratch.Path, state: "committed", slot: "b", version: "0.2.1");

        Assert.That(ReleaseStatus.Read(scratch.Path).Condition, Is.EqualTo(ReleaseCondition.Committed));
    }

    [Test]
    public void A_trial_ends_committed_only_in_its_own_slot_and_rolled_back_when_another_slot_is_committed()
    {
        using var scratch = new ScratchFolder("status");
        SlotFiles.State(scratch.Path);
        var trial = SlotState.ReadIfPresent(scratch.Path)!;
        Assert.That(ReleaseStatus.Read(scratch.Path).OutcomeOf(trial), Is.EqualTo(ReleaseCondition.Trial));

        // The guard may write the committed state of the previous slot before its rollback record: still a rollback.
        SlotFiles.State(scratch.Path, state: "committed", slot: "a", version: "0.1.0");
        var switched = ReleaseStatus.Read(scratch.Path);
        Assert.That(switched.OutcomeOf(trial), Is.EqualTo(ReleaseCondition.RolledBack));
        Assert.That(switched.RollbackReasonFor(trial), Does.Contain("slot b (0.2.0) is no longer the running release"));

        SlotFiles.Rollback(scratch.Path, reason: "self-test failed");
        Assert.That(ReleaseStatus.Read(scratch.Path).RollbackReasonFor(trial), Is.EqualTo("self-test failed"));

        SlotFiles.State(scratch.Path, state: "committed");
        Assert.That(ReleaseStatus.Read(scratch.Path).OutcomeOf(trial), Is.EqualTo(ReleaseCondition.Committed));
    }
}
