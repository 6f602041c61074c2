using EdgeBci.Firmware;
using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Firmware.Tests.Release;

public sealed class RollbackAnnouncerTests
{
    [Test]
    public void A_rollback_is_published_once_as_a_warning_and_a_restart_does_not_publish_it_again()
    {
        using var scratch = new ScratchFolder("rollback");
        WriteRollback(scratch.Path, "2026-12-06T16:05:00Z");
        var events = new RecordedEvents();

        Assert.That(Announcer(scratch.Path, events).Announce(), Is.True);
        Assert.That(Announcer(scratch.Path, events).Announce(), Is.False, "the next start");

        Assert.That(events.Published, Has.Count.EqualTo(1));
        var (severity, message, data) = events.Published[0];
        Assert.That(severity, Is.EqualTo("warning"));
        Assert.That(message, Is.EqualTo("release 0.2.0 rolled back from slot b to a: trial 0.2.0 did not become healthy within 3 starts (last: exit 7)"));
        Assert.That(data, Is.EquivalentTo(new Dictionary<string, string>
        {
            ["release"] = "0.2.0", ["from"] = "b", ["to"] = "a", ["fromVersion"] = "0.2.0", ["toVersion"] = "0.1.0",
            ["reason"] = "trial 0.2.0 did not become healthy within 3 starts (last: exit 7)",
        }));
        Assert.That(File.ReadAllText(Path.Combine(scratch.Path, "rollback.published")), Is.EqualTo("at=2026-12-06T16:05:00Z\n"));
    }

    [Test]
    public void A_later_rollback_is_published_and_no_rollback_publishes_nothing()
    {
        using var scratch = new ScratchFolder("rollback");
        var events = new RecordedEvents();
        Assert.That(Announcer(scratch.Path, events).Announce(), Is.False);

        WriteRollback(scratch.Path, "2026-12-06T16:05:00Z");
        Announcer(scratch.Path, events).Announce();
        WriteRollback(scratch.Path, "2026-12-07T08:00:00Z");
        Announcer(scratch.Path, events).Announce();

        Assert.That(events.Published, Has.Count.EqualTo(2));
    }

    [Test]
    public void An_unreadable_rollback_is_logged_not_thrown_and_not_marked_published()
    {
        using var scratch = new ScratchFolder("rollback");
        File.WriteAllText(Path.Combine(scratch.Path, "rollback"), "at=soon\n");
        var events = new RecordedEvents();

        Assert.That(Announcer(scratch.Path, events).Announce(), Is.False);
        Assert.That(File.Exists(Path.Combine(scratch.Path, "rollback.published")), Is.False);
    }

    private static RollbackAnnouncer Announcer(string folder, RecordedEvents events) =>
        new(new FirmwareRelease(new ReleaseOptions { StateFolder = folder }, null), events, NullLogger<RollbackAnnouncer>.Instance);

    private static void WriteRollback(string folder, string at) =>
        KeyValueFile.WriteAtomically(Path.Combine(folder, ReleaseFiles.Rollback),
        [
            new("at", at), new("release", "0.2.0"), new("from", "b"), new("to", "a"), new("from_version", "0.2.0"), new("to_version", "0.1.0"),
            new("reason", "trial 0.2.0 did not become healthy within 3 starts (last: exit 7)"),
        ]);
}
