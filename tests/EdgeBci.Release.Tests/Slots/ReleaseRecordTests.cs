using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Release.Tests.Slots;

public sealed class ReleaseRecordTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 16, 2, 3, TimeSpan.Zero);

    [Test]
    public void The_good_mark_is_written_in_the_contracts_format()
    {
        using var scratch = new ScratchFolder("records");
        new GoodMark("b", "0.2.0", At.AddTicks(1234)).Write(scratch.Path);
        Assert.That(File.ReadAllText(Path.Combine(scratch.Path, "good")), Is.EqualTo("slot=b\nversion=0.2.0\nat=2026-12-06T16:02:03Z\n"));
    }

    [Test]
    public void The_health_verdict_is_one_line_whatever_the_reason_holds()
    {
        using var scratch = new ScratchFolder("records");
        new HealthRecord(At, false, "decoder: no decision\nin the last second").Write(scratch.Path);

        Assert.That(File.ReadAllText(Path.Combine(scratch.Path, "health")),
            Is.EqualTo("at=2026-12-06T16:02:03Z\nhealthy=no\nreason=decoder: no decision in the last second\n"));
        Assert.That(HealthRecord.ReadIfPresent(scratch.Path), Is.EqualTo(new HealthRecord(At, false, "decoder: no decision in the last second")));
    }

    [Test]
    public void A_rollback_is_published_once_its_at_is_in_rollback_published()
    {
        using var scratch = new ScratchFolder("records");
        SlotFiles.Rollback(scratch.Path);
        var rollback = RollbackRecord.ReadIfPresent(scratch.Path)!;
        Assert.That((rollback.Release, rollback.From, rollback.To, rollback.FromVersion, rollback.ToVersion), Is.EqualTo(("0.2.0", "b", "a", "0.2.0", "0.1.0")));
        Assert.That(rollback.IsPublished(scratch.Path), Is.False);

        rollback.MarkPublished(scratch.Path);
        Assert.That(rollback.IsPublished(scratch.Path), Is.True);

        // A later rollback is a new one: the mark of the earlier one does not cover it.
        SlotFiles.Rollback(scratch.Path, at: "2026-12-07T09:00:00Z", release: "0.3.0", from: "a", to: "b");
        Assert.That(RollbackRecord.ReadIfPresent(scratch.Path)!.IsPublished(scratch.Path), Is.False);
    }

    [Test]
    public void The_last_exit_reads_what_systemd_reported()
    {
        using var scratch = new ScratchFolder("records");
        KeyValueFile.WriteAtomically(Path.Combine(scratch.Path, "last-exit"), [new("at", "2026-12-06T16:03:00Z"), new("result", "exit-code"), new("code", "exited"), new("status", "7")]);
        Assert.That(LastExit.ReadIfPresent(scratch.Path)!.Describe(), Is.EqualTo("exit-code (exited 7) at 2026-12-06T16:03:00Z"));
    }

    [Test]
    public void A_bad_rollback_slot_is_named_by_file_line_and_key()
    {
        using var scratch = new ScratchFolder("records");
        SlotFiles.Rollback(scratch.Path, to: "z");
        var error = Assert.Throws<FormatException>(() => RollbackRecord.ReadIfPresent(scratch.Path));
        Assert.That(error!.Message, Does.StartWith(Path.Combine(scratch.Path, "rollback") + " line 4: to=z is not a slot"));
    }
}
