using EdgeBci.Telemetry.Journal;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Tests;

/// <summary>The journal on a file system that fills up (a real 1 MiB tmpfs; injected failures only where mount is refused).</summary>
[NonParallelizable]
public class EventJournalDiskFullTests
{
    private SmallDisk _disk = null!;
    private string _folder = null!;

    [SetUp]
    public void MountSmallDisk()
    {
        _disk = SmallDisk.Mount();
        _folder = Path.Combine(_disk.Root, "events");
    }

    [TearDown]
    public void Unmount() => _disk.Dispose();

    private EventJournal Open() => EventJournal.Open(_folder, 1000, 1 << 20, _disk.Opener);

    private string[] Segments() => Directory.GetFiles(_folder, "seg-*.log");

    private static long SegmentBytes(string folder) => Directory.GetFiles(folder, "seg-*.log").Sum(f => new FileInfo(f).Length);

    private static List<JournalEntry> DrainAll(EventJournal journal)
    {
        var entries = new List<JournalEntry>();
        while (journal.TryPeek(out JournalEntry entry))
        {
            entries.Add(entry);
            journal.Acknowledge(entry.Position);
        }

        return entries;
    }

    /// <summary>Appends until the disk refuses one (a partly used page may still take a few records).</summary>
    private static long AppendUntilRefused(EventJournal journal, string folder, ref long seq)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var before = SegmentBytes(folder);
            if (!journal.Append(Samples.Event(++seq)))
            {
                return before;
            }
        }

        Assert.Fail("the full disk never refused an append");
        return 0;
    }

    [Test]
    public void An_append_on_a_full_disk_is_cut_back_held_reported_and_written_once_space_returns()
    {
        long seq = 0;
        using (var journal = Open())
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.That(journal.Append(Samples.Event(++seq)), Is.True);
            }

            _disk.Fill();
            var beforeRefused = AppendUntilRefused(journal, _folder, ref seq);
            var refusedSeq = seq;
            Assert.Multiple(() =>
            {
                Assert.That(SegmentBytes(_folder), Is.EqualTo(beforeRefused), "the refused append is cut back to the pre-append length");
                Assert.That(journal.HeldInMemory, Is.EqualTo(1));
                Assert.That(journal.WriteFailures, Is.GreaterThanOrEqualTo(1));
                Assert.That(journal.LastError, Does.Contain($"cannot write event record").Or.Contain("cannot open a segment file"));
                Assert.That(journal.Count, Is.EqualTo(seq), "the refused event still waits, in memory");
            });

            Assert.That(journal.Append(Samples.Event(++seq)), Is.False, "a second append on the full disk is held too");
            Assert.That(journal.RetryHeld(), Is.False);
            Assert.That(journal.HeldInMemory, Is.EqualTo(2));

            _disk.Free();
            Assert.That(journal.RetryHeld(), Is.True, "space is back: the held events are written");
            Assert.That(journal.HeldInMemory, Is.Zero);
            Assert.That(journal.Append(Samples.Event(++seq)), Is.True, "and the next append works");
            Assert.That(journal.LastError, Is.Null);
            Assert.That(refusedSeq, Is.LessThan(seq));
        }

        using var reopened = Open();
        Assert.Multiple(() =>
        {
            Assert.That(reopened.RecoveryNotes, Is.Empty, "nothing torn was left on disk");
            Assert.That(reopened.Recovered, Is.EqualTo(seq));
            Assert.That(DrainAll(reopened).Select(e => e.Message.Seq), Is.EqualTo(Enumerable.Range(1, (int)seq).Select(i => (long)i)));
        });
    }

    [Test]
    public void Events_held_while_the_disk_is_full_are_handed_out_in_order_for_live_delivery()
    {
        using var journal = Open();
        journal.Append(Samples.Event(1));
        _disk.Fill();
        long seq = 1;
        AppendUntilRefused(journal, _folder, ref seq);
        journal.Append(Samples.Event(++seq));

        var drained = DrainAll(journal);
        Assert.That(drained.Select(e => e.Message.Seq), Is.EqualTo(Enumerable.Range(1, (int)seq).Select(i => (long)i)));
        Assert.That(journal.Count, Is.Zero);
        Assert.That(journal.HeldInMemory, Is.Zero, "delivered held events are gone, not written later");
        _disk.Free();
        Assert.That(journal.RetryHeld(), Is.True);
    }

    [Test]
    public void A_journal_opened_on_a_full_disk_takes_events_and_recovers_when_space_returns()
    {
        using (var first = Open())
        {
            first.Append(Samples.Event(1));
            first.Append(Samples.Event(2));
            first.TryPeek(out JournalEntry head);
            first.Acknowledge(head.Position);
        }

        _disk.Fill();
        using (var journal = Open())
        {
            Assert.That(journal.Recovered, Is.EqualTo(1));
            long seq = 2;
            AppendUntilRefused(journal, _folder, ref seq);
            Assert.That(journal.TryPeek(out EventMessage oldest), Is.True);
            Assert.That(oldest.Seq, Is.EqualTo(2));

            // Delivery on a full disk: the state file cannot be rewritten, which is reported, not thrown.
            var failuresBefore = journal.WriteFailures;
            journal.TryPeek(out JournalEntry entry);
            journal.Acknowledge(entry.Position);
            if (_disk.IsReal)
            {
                // Injected failures hit the segment files only; the real full disk refuses the state file too.
                Assert.That(journal.WriteFailures, Is.GreaterThan(failuresBefore));
                Assert.That(journal.LastError, Does.Contain("state.bin"));
            }

            _disk.Free();
            Assert.That(journal.RetryHeld(), Is.True);
            Assert.That(journal.Append(Samples.Event(++seq)), Is.True);
        }

        using var reopened = Open();
        var seqs = DrainAll(reopened).Select(e => e.Message.Seq).ToList();
        Assert.That(seqs, Is.Not.Empty.And.Ordered.Ascending);
        Assert.That(seqs, Does.Not.Contain(2L), "the delivered event is remembered as delivered once the state could be written");
    }
}
