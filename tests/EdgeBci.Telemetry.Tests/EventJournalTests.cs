using EdgeBci.Telemetry.Journal;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Tests;

public class EventJournalTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Samples.TempFolder();

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

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

    private string[] Segments() => Directory.GetFiles(_folder, "seg-*.log");

    [Test]
    public void Events_come_out_in_order_with_their_original_content()
    {
        using var journal = EventJournal.Open(_folder, 100, 1 << 20);
        for (var seq = 1; seq <= 20; seq++)
        {
            journal.Append(Samples.Event(seq));
        }

        Assert.That(journal.Count, Is.EqualTo(20));
        Assert.That(journal.TryPeek(out EventMessage first), Is.True);
        Assert.That(first.Seq, Is.EqualTo(1));
        var drained = DrainAll(journal);
        Assert.That(drained.Select(e => e.Message.Seq), Is.EqualTo(Enumerable.Range(1, 20).Select(i => (long)i)));
        Assert.That(drained.Select(e => e.Message.Time), Is.EqualTo(Enumerable.Range(1, 20).Select(i => Samples.Event(i).Time)));
        Assert.That(journal.Count, Is.Zero);
        Assert.That(journal.Bytes, Is.Zero);
    }

    [Test]
    public void A_folder_holds_one_journal_at_a_time()
    {
        using (var journal = EventJournal.Open(_folder, 100, 1 << 20))
        {
            journal.Append(Samples.Event(1));
            Assert.That(() => EventJournal.Open(_folder, 100, 1 << 20),
                Throws.InstanceOf<IOException>().With.Message.Contains($"the event queue folder {Path.GetFullPath(_folder)} is in use by another process"));
        }

        using var reopened = EventJournal.Open(_folder, 100, 1 << 20);
        Assert.That(reopened.Count, Is.EqualTo(1), "the first journal's event is still there once it let go");
    }

    [Test]
    public void Undelivered_events_survive_a_reopen_and_delivered_ones_do_not_come_back()
    {
        using (var journal = EventJournal.Open(_folder, 100, 1 << 20))
        {
            for (var seq = 1; seq <= 10; seq++)
            {
                journal.Append(Samples.Event(seq));
            }

            for (var i = 0; i < 4; i++)
            {
                journal.TryPeek(out JournalEntry entry);
                journal.Acknowledge(entry.Position);
            }
        }

        using (var reopened = EventJournal.Open(_folder, 100, 1 << 20))
        {
            Assert.That(reopened.Recovered, Is.EqualTo(6));
            Assert.That(reopened.RecoveryNotes, Is.Empty);
            reopened.Append(Samples.Event(1, bootId: "ffffffffffffffffffffffffffffffff"));
            var drained = DrainAll(reopened);
            Assert.That(drained.Select(e => e.Message.Id), Is.EqualTo(
                Enumerable.Range(5, 6).Select(i => Samples.Event(i).Id).Append("ffffffffffffffffffffffffffffffff-1")));
            Assert.That(drained.Select(e => e.Position), Is.Ordered.Ascending);
        }
    }

    [Test]
    public void A_torn_tail_is_cut_counted_and_reported()
    {
        using (var journal = EventJournal.Open(_folder, 100, 1 << 20))
        {
            for (var seq = 1; seq <= 3; seq++)
            {
                journal.Append(Samples.Event(seq));
            }
        }

        var segment = Segments().Single();
        var intact = new FileInfo(segment).Length;
        using (var stream = new FileStream(segment, FileMode.Append))
        {
            // A crash in the middle of the fourth append: header and half a payload.
            var record = new byte[EventJournal.MaxPayloadBytes / 1024 + 16];
            record[0] = 200;
            stream.Write(record, 0, 40);
        }

        using var reopened = EventJournal.Open(_folder, 100, 1 << 20);
        Assert.Multiple(() =>
        {
            Assert.That(reopened.Recovered, Is.EqualTo(3));
            Assert.That(reopened.TruncatedBytes, Is.EqualTo(40));
            Assert.That(reopened.CorruptRecords, Is.Zero);
            Assert.That(reopened.RecoveryNotes, Has.Count.EqualTo(1).And.Some.Contains("torn tail"));
            Assert.That(new FileInfo(segment).Length, Is.EqualTo(intact));
        });
        reopened.Append(Samples.Event(4));
        Assert.That(DrainAll(reopened).Select(e => e.Message.Seq), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
    }

    [Test]
    public void A_corrupt_record_in_the_middle_is_skipped_and_the_records_after_it_recovered()
    {
        using (var journal = EventJournal.Open(_folder, 100, 1 << 20))
        {
            for (var seq = 1; seq <= 5; seq++)
            {
                journal.Append(Samples.Event(seq));
            }
        }

        var segment = Segments().Single();
        var bytes = File.ReadAllBytes(segment);
        var recordLength = bytes.Length / 5;
        bytes[(2 * recordLength) + 30] ^= 0x5A; // inside the third record's payload
        File.WriteAllBytes(segment, bytes);

        using var reopened = EventJournal.Open(_folder, 100, 1 << 20);
        Assert.Multiple(() =>
        {
            Assert.That(reopened.Recovered, Is.EqualTo(4));
            Assert.That(reopened.CorruptRecords, Is.EqualTo(1));
            Assert.That(reopened.SkippedBytes, Is.EqualTo(recordLength));
            Assert.That(reopened.TruncatedBytes, Is.Zero);
            Assert.That(reopened.RecoveryNotes.Single(), Does.Contain("fails its CRC").And.Contain($"skipped {recordLength} bytes at offset {2 * recordLength}")
                .And.Contain($"resumed at the next valid record at offset {3 * recordLength}"));
            Assert.That(Directory.GetFiles(_folder, "*.corrupt-*"), Has.Length.EqualTo(1));
        });
        reopened.Append(Samples.Event(6));
        Assert.That(DrainAll(reopened).Select(e => e.Message.Seq), Is.EqualTo(new long[] { 1, 2, 4, 5, 6 }));
    }

    [Test]
    public void A_torn_record_in_the_middle_of_a_segment_does_not_hide_the_records_after_it()
    {
        using (var journal = EventJournal.Open(_folder, 100, 1 << 20))
        {
            for (var seq = 1; seq <= 3; seq++)
            {
                journal.Append(Samples.Event(seq));
            }
        }

        // What an append that failed half-way left behind before it was cut back: a header and part of a payload,
        // followed by later, whole records.
        var segment = Segments().Single();
        using (var stream = new FileStream(segment, FileMode.Append))
        {
            var torn = JournalRecord.Encode(4, TelemetryJson.SerializeEvent(Samples.Event(4)));
            stream.Write(torn, 0, torn.Length / 2);
            stream.Write(JournalRecord.Encode(5, TelemetryJson.SerializeEvent(Samples.Event(5))));
            stream.Write(JournalRecord.Encode(6, TelemetryJson.SerializeEvent(Samples.Event(6))));
        }

        using var reopened = EventJournal.Open(_folder, 100, 1 << 20);
        var tornBytes = (EventJournal.HeaderBytes + TelemetryJson.SerializeEvent(Samples.Event(4)).Length) / 2;
        Assert.Multiple(() =>
        {
            Assert.That(reopened.Recovered, Is.EqualTo(5));
            Assert.That(reopened.SkippedBytes, Is.EqualTo(tornBytes));
            Assert.That(reopened.CorruptRecords, Is.EqualTo(1));
            Assert.That(reopened.RecoveryNotes.Single(), Does.Contain($"skipped {tornBytes} bytes"));
        });
        reopened.Append(Samples.Event(7));
        Assert.That(DrainAll(reopened).Select(e => e.Message.Seq), Is.EqualTo(new long[] { 1, 2, 3, 5, 6, 7 }));
    }

    [Test]
    public void A_corrupt_last_record_is_cut_and_copied_aside_with_a_clear_note()
    {
        using (var journal = EventJournal.Open(_folder, 100, 1 << 20))
        {
            for (var seq = 1; seq <= 3; seq++)
            {
                journal.Append(Samples.Event(seq));
            }
        }

        var segment = Segments().Single();
        var bytes = File.ReadAllBytes(segment);
        var recordLength = bytes.Length / 3;
        bytes[(2 * recordLength) + 30] ^= 0x5A;
        File.WriteAllBytes(segment, bytes);

        using var reopened = EventJournal.Open(_folder, 100, 1 << 20);
        Assert.Multiple(() =>
        {
            Assert.That(reopened.Recovered, Is.EqualTo(2));
            Assert.That(reopened.CorruptRecords, Is.EqualTo(1));
            Assert.That(reopened.TruncatedBytes, Is.EqualTo(recordLength));
            Assert.That(reopened.RecoveryNotes.Single(), Does.Contain("fails its CRC").And.Contain($"stopped at offset {2 * recordLength}").And.Contain("kept 2"));
            Assert.That(Directory.GetFiles(_folder, "*.corrupt-*"), Has.Length.EqualTo(1));
            Assert.That(new FileInfo(segment).Length, Is.EqualTo(2 * recordLength));
        });
    }

    [Test]
    public void A_failed_fsync_is_cut_back_held_reported_and_written_with_the_next_append()
    {
        var fsyncFails = false;
        using (var journal = EventJournal.Open(_folder, 100, 1 << 20, (path, createNew) => new FsyncFailingFile(SegmentFile.Open(path, createNew), () => fsyncFails)))
        {
            journal.Append(Samples.Event(1));
            var before = new FileInfo(Segments().Single()).Length;
            fsyncFails = true;
            TestContext.Out.WriteLine("fsync failure: injected (a real file system does not fail fsync on demand)");
            Assert.That(journal.Append(Samples.Event(2)), Is.False);
            Assert.Multiple(() =>
            {
                Assert.That(new FileInfo(Segments().Single()).Length, Is.EqualTo(before), "the record whose fsync failed is cut back");
                Assert.That(journal.HeldInMemory, Is.EqualTo(1));
                Assert.That(journal.WriteFailures, Is.EqualTo(1));
                Assert.That(journal.LastError, Does.Contain("cannot write event record 2").And.Contain("injected at fsync"));
            });

            fsyncFails = false;
            Assert.That(journal.Append(Samples.Event(3)), Is.True);
            Assert.That(journal.HeldInMemory, Is.Zero);
        }

        using var reopened = EventJournal.Open(_folder, 100, 1 << 20);
        Assert.That(reopened.RecoveryNotes, Is.Empty);
        Assert.That(DrainAll(reopened).Select(e => e.Message.Seq), Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    [Test]
    public void An_append_that_cannot_even_be_cut_back_seals_its_segment_and_recovery_cuts_the_torn_tail()
    {
        var broken = false;
        using (var journal = EventJournal.Open(_folder, 100, 1 << 20, (path, createNew) => new UncuttableFile(SegmentFile.Open(path, createNew), () => broken)))
        {
            journal.Append(Samples.Event(1));
            broken = true;
            Assert.That(journal.Append(Samples.Event(2)), Is.False);
            broken = false;
            Assert.That(journal.Append(Samples.Event(3)), Is.True);
            Assert.That(Segments(), Has.Length.EqualTo(2), "the sealed segment takes no more appends");
        }

        using var reopened = EventJournal.Open(_folder, 100, 1 << 20);
        Assert.That(reopened.RecoveryNotes.Single(), Does.Contain("torn tail"));
        Assert.That(DrainAll(reopened).Select(e => e.Message.Seq), Is.EqualTo(new long[] { 1, 2, 3 }));
    }

    private sealed class FsyncFailingFile(ISegmentFile inner, Func<bool> fails) : ISegmentFile
    {
        private bool _unflushed;

        public void Write(ReadOnlySpan<byte> bytes, long offset)
        {
            inner.Write(bytes, offset);
            _unflushed = true;
        }

        public void Flush()
        {
            if (fails() && _unflushed)
            {
                throw new IOException("Input/output error (injected at fsync)");
            }

            inner.Flush();
            _unflushed = false;
        }

        public void SetLength(long length)
        {
            inner.SetLength(length);
            _unflushed = false;
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>A short write that cannot be undone: both the write and the truncation fail.</summary>
    private sealed class UncuttableFile(ISegmentFile inner, Func<bool> broken) : ISegmentFile
    {
        public void Write(ReadOnlySpan<byte> bytes, long offset)
        {
            if (broken())
            {
                inner.Write(bytes[..(bytes.Length / 2)], offset);
                throw new IOException("No space left on device (injected)");
            }

            inner.Write(bytes, offset);
        }

        public void Flush() => inner.Flush();

        public void SetLength(long length)
        {
            if (broken())
            {
                throw new IOException("Input/output error (injected at truncate)");
            }

            inner.SetLength(length);
        }

        public void Dispose() => inner.Dispose();
    }

    [Test]
    public void At_the_event_bound_the_oldest_are_dropped_counted_and_announced_in_their_place()
    {
        using var journal = EventJournal.Open(_folder, 5, 1 << 20);
        for (var seq = 1; seq <= 8; seq++)
        {
            journal.Append(Samples.Event(seq));
        }

        Assert.That(journal.Count, Is.EqualTo(5));
        Assert.That(journal.Dropped, Is.EqualTo(3));
        var drained = DrainAll(journal);
        var notice = drained[0];
        Assert.Multiple(() =>
        {
            Assert.That(notice.IsDropNotice, Is.True);
            Assert.That(notice.Message.Kind, Is.EqualTo(EventKinds.Uplink));
            Assert.That(notice.Message.Severity, Is.EqualTo(EventSeverities.Warning));
            Assert.That(notice.Message.Message, Is.EqualTo("3 events dropped (queue full: bound 5 events / 1048576 bytes)"));
            Assert.That(notice.Message.Id, Is.EqualTo(Samples.Event(3).Id), "the notice takes the id of the newest dropped event");
            Assert.That(notice.Message.Data["firstDroppedId"], Is.EqualTo(Samples.Event(1).Id));
            Assert.That(notice.Message.Data["dropped"], Is.EqualTo("3"));
            Assert.That(drained.Skip(1).Select(e => e.Message.Seq), Is.EqualTo(new long[] { 4, 5, 6, 7, 8 }));
            Assert.That(drained.Select(e => e.Message.Id), Is.Unique);
        });
        Assert.That(journal.TryPeek(out EventMessage _), Is.False);
    }

    [Test]
    public void At_the_byte_bound_the_oldest_are_dropped_and_the_notice_survives_a_reopen()
    {
        var recordBytes = EventJournal.HeaderBytes + TelemetryJson.SerializeEvent(Samples.Event(1)).Length;
        var maxBytes = Math.Max(EventJournal.MinimumMaxBytes, recordBytes * 10);
        var fits = (int)(maxBytes / recordBytes);
        using (var journal = EventJournal.Open(_folder, 1000, maxBytes))
        {
            for (var seq = 1; seq <= fits + 4; seq++)
            {
                journal.Append(Samples.Event(seq));
                Assert.That(journal.Bytes, Is.LessThanOrEqualTo(maxBytes));
            }

            Assert.That(journal.Dropped, Is.EqualTo(4));
        }

        using var reopened = EventJournal.Open(_folder, 1000, maxBytes);
        var drained = DrainAll(reopened);
        Assert.That(drained[0].IsDropNotice, Is.True);
        Assert.That(drained[0].Message.Message, Does.StartWith("4 events dropped"));
        Assert.That(drained.Skip(1).Select(e => e.Message.Seq), Is.EqualTo(Enumerable.Range(5, fits).Select(i => (long)i)));
    }

    [Test]
    public void Acknowledging_deletes_fully_delivered_segments()
    {
        using var journal = EventJournal.Open(_folder, 100_000, EventJournal.MinimumMaxBytes * 8);
        for (var seq = 1; seq <= 100; seq++)
        {
            journal.Append(Samples.Event(seq));
        }

        var before = Segments().Length;
        Assert.That(before, Is.GreaterThan(2), "a small bound rolls segments over");
        for (var i = 0; i < 60; i++)
        {
            journal.TryPeek(out JournalEntry entry);
            journal.Acknowledge(entry.Position);
        }

        var middle = Segments().Length;
        Assert.That(middle, Is.LessThan(before));
        DrainAll(journal);
        Assert.That(Segments(), Has.Length.LessThanOrEqualTo(1), "only the active segment may stay");
        Assert.That(journal.Count, Is.Zero);
    }

    [Test]
    public void An_event_too_large_to_store_is_refused_with_its_size()
    {
        using var journal = EventJournal.Open(_folder, 10, EventJournal.MinimumMaxBytes);
        var huge = Samples.Event(1, message: new string('x', 5000));
        Assert.That(() => journal.Append(huge), Throws.ArgumentException.With.Message.Contains("bytes of JSON"));
        Assert.That(journal.Count, Is.Zero);
    }

    [Test]
    public void Crc32_matches_the_standard_check_value() =>
        Assert.That(Crc32.Compute("123456789"u8), Is.EqualTo(0xCBF43926u));
}
