using static EdgeBci.Recording.Tests.TestRecordings;

namespace EdgeBci.Recording.Tests;

public class EdfStreamWriterTests
{
    private static readonly EdfFormat[] Formats = [EdfFormat.Edf, EdfFormat.Bdf];

    /// <summary>Data record <paramref name="record"/> in file order: each signal's samples of that record, signal after signal.</summary>
    private static int[] Record(IReadOnlyList<EdfSignalHeader> signals, int[][] digital, int record) =>
        signals.SelectMany((s, i) => digital[i].Skip(record * s.SamplesPerRecord).Take(s.SamplesPerRecord)).ToArray();

    private static string Extension(EdfFormat format) => format.ToString().ToLowerInvariant();

    private static int[] FirstRecords(int[] samples, int samplesPerRecord, int records) => samples[..(samplesPerRecord * records)];

    /// <summary>Reads the file the way a second process would while the writer still has it open.</summary>
    private static EdfRecording ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return EdfReader.Read(stream, path);
    }

    private static byte[] ReadAllBytesShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    [TestCaseSource(nameof(Formats))]
    public void Five_streamed_records_and_their_annotations_read_back_after_dispose(EdfFormat format)
    {
        using var temp = new TempDirectory();
        var path = temp.File($"stream.{Extension(format)}");
        var signals = SmallSignals(format);
        var digital = Digital(signals, 5);

        using (var writer = new EdfStreamWriter(path, format, PatientId, RecordingId, Start, RecordDuration, signals))
        {
            writer.AddAnnotation(0.1, null, "recording started");
            for (var r = 0; r < 5; r++)
            {
                writer.WriteRecord(Record(signals, digital, r));
                if (r == 2)
                {
                    writer.AddAnnotation(1.2, 0.3, "blink");
                }
            }

            writer.AddAnnotation(2.4, null, "Ende der Aufnahme ü");
            Assert.That(writer.RecordsWritten, Is.EqualTo(5));
        }

        var back = EdfReader.Read(path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.Header.Format, Is.EqualTo(format));
            Assert.That(back.Header.IsPlus, Is.True);
            Assert.That(back.Header.Reserved.Trim(), Is.EqualTo(format == EdfFormat.Edf ? "EDF+C" : "BDF+C"));
            Assert.That(back.Header.DataRecordCount, Is.EqualTo(5));
            Assert.That(back.RecordCount, Is.EqualTo(5));
            Assert.That(back.Header.PatientId.Trim(), Is.EqualTo(PatientId));
            Assert.That(back.Header.StartDateTime, Is.EqualTo(Start));
            Assert.That(back.Header.RecordDuration, Is.EqualTo(RecordDuration));
            Assert.That(back.RecordOnsets, Is.EqualTo(new[] { 0.0, 0.5, 1.0, 1.5, 2.0 }));
            Assert.That(back.Annotations, Is.EqualTo(new EdfAnnotation[]
            {
                new(0.1, null, "recording started"),
                new(1.2, 0.3, "blink"),
                new(2.4, null, "Ende der Aufnahme ü"),
            }), "the last one was still pending at Dispose and goes into the last record");
            Assert.That(new FileInfo(path).Length, Is.EqualTo(EdfLayout.FileLength(back, 5)));
            for (var i = 0; i < signals.Count; i++)
            {
                Assert.That(back.Header.Signals[i].Label.Trim(), Is.EqualTo(signals[i].Label), $"signal {i}");
                Assert.That(back.GetDigital(i).ToArray(), Is.EqualTo(digital[i]), $"signal {i}");
            }
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void The_annotation_signal_holds_the_requested_bytes_per_record(EdfFormat format)
    {
        using var temp = new TempDirectory();
        var path = temp.File($"sized.{Extension(format)}");
        var bytesPerSample = format == EdfFormat.Edf ? 2 : 3;

        using (new EdfStreamWriter(path, format, "X", "X", Start, RecordDuration, SmallSignals(format)))
        {
        }

        var largerPath = temp.File($"sized-600.{Extension(format)}");
        using (new EdfStreamWriter(largerPath, format, "X", "X", Start, RecordDuration, SmallSignals(format), annotationBytesPerRecord: 600))
        {
        }

        var annotation = EdfReader.Read(path).Header.Signals.Single(s => s.IsAnnotation);
        var larger = EdfReader.Read(largerPath).Header.Signals.Single(s => s.IsAnnotation);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(annotation.SamplesPerRecord * bytesPerSample, Is.EqualTo(120));
            Assert.That(larger.SamplesPerRecord * bytesPerSample, Is.EqualTo(600));
            Assert.That(annotation.Label.Trim(), Is.EqualTo(format == EdfFormat.Edf ? "EDF Annotations" : "BDF Annotations"));
        }
    }

    [Test]
    public void The_header_is_on_disk_as_soon_as_the_writer_is_created_with_record_count_minus_one()
    {
        using var temp = new TempDirectory();
        var path = temp.File("fresh.edf");
        var signals = SmallSignals(EdfFormat.Edf);

        using var writer = new EdfStreamWriter(path, EdfFormat.Edf, PatientId, RecordingId, Start, RecordDuration, signals);
        var early = ReadShared(path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(early.Header.DataRecordCount, Is.EqualTo(-1));
            Assert.That(early.RecordCount, Is.Zero);
            Assert.That(early.Header.Signals, Has.Count.EqualTo(4));
            Assert.That(new FileInfo(path).Length, Is.EqualTo(256 * 5));
            Assert.That(TestRecordings.Ascii(ReadAllBytesShared(path), EdfLayout.RecordCount, 8), Is.EqualTo("-1      "));
            Assert.That(writer.RecordsWritten, Is.Zero);
        }
    }

    [Test]
    public void Each_record_is_on_disk_as_soon_as_WriteRecord_returns()
    {
        using var temp = new TempDirectory();
        var path = temp.File("flush.edf");
        var signals = SmallSignals(EdfFormat.Edf);
        var digital = Digital(signals, 4);
        var recordBytes = (8 + 4 + 2 + 60) * 2;

        using var writer = new EdfStreamWriter(path, EdfFormat.Edf, "X", "X", Start, RecordDuration, signals);
        for (var r = 0; r < 4; r++)
        {
            writer.WriteRecord(Record(signals, digital, r));

            using (Assert.EnterMultipleScope())
            {
                Assert.That(writer.RecordsWritten, Is.EqualTo(r + 1));
                Assert.That(ReadAllBytesShared(path), Has.Length.EqualTo((256 * 5) + ((r + 1) * recordBytes)), $"after record {r}");
            }
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void A_writer_that_never_closed_leaves_a_file_with_every_complete_record_readable(EdfFormat format)
    {
        using var temp = new TempDirectory();
        var path = temp.File($"crash.{Extension(format)}");
        var signals = SmallSignals(format);
        var digital = Digital(signals, 3);
        var writer = new EdfStreamWriter(path, format, PatientId, RecordingId, Start, RecordDuration, signals);
        try
        {
            writer.AddAnnotation(0.2, 0.5, "before the crash");
            for (var r = 0; r < 3; r++)
            {
                writer.WriteRecord(Record(signals, digital, r));
            }

            // The power fails here: nothing else reaches the file.
            var open = ReadShared(path);
            var bytes = ReadAllBytesShared(path);
            var partialRecord = new byte[(EdfLayout.FileLength(open, 1) - EdfLayout.FileLength(open, 0)) / 2];
            new Random(7).NextBytes(partialRecord);
            var crashed = Read([.. bytes, .. partialRecord], "crashed.bin");

            foreach (var (recording, what) in new[] { (open, "file still open"), (crashed, "half a record of garbage after it") })
            {
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(recording.Header.DataRecordCount, Is.EqualTo(-1), what);
                    Assert.That(recording.RecordCount, Is.EqualTo(3), what);
                    Assert.That(recording.RecordOnsets, Is.EqualTo(new[] { 0.0, 0.5, 1.0 }), what);
                    Assert.That(recording.Annotations, Is.EqualTo(new[] { new EdfAnnotation(0.2, 0.5, "before the crash") }), what);
                    for (var i = 0; i < signals.Count; i++)
                    {
                        Assert.That(recording.GetDigital(i).ToArray(), Is.EqualTo(digital[i]), $"{what}: signal {i}");
                    }
                }
            }
        }
        finally
        {
            writer.Dispose();
        }

        var closed = EdfReader.Read(path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(closed.Header.DataRecordCount, Is.EqualTo(3), "Dispose writes the record count");
            Assert.That(closed.RecordCount, Is.EqualTo(3));
            Assert.That(closed.GetDigital(0).ToArray(), Is.EqualTo(digital[0]));
        }
    }

    [Test]
    public void A_reader_following_the_open_file_sees_each_new_record()
    {
        using var temp = new TempDirectory();
        var path = temp.File("growing.edf");
        var signals = SmallSignals(EdfFormat.Edf);
        var digital = Digital(signals, 6);
        using var writer = new EdfStreamWriter(path, EdfFormat.Edf, "X", "X", Start, RecordDuration, signals);
        for (var r = 0; r < 6; r++)
        {
            writer.WriteRecord(Record(signals, digital, r));
            var snapshot = ReadShared(path);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(snapshot.RecordCount, Is.EqualTo(r + 1), $"after record {r}");
                Assert.That(snapshot.GetDigital(1).ToArray(), Is.EqualTo(FirstRecords(digital[1], 4, r + 1)), $"after record {r}");
            }
        }
    }

    [Test]
    public void Annotations_that_do_not_fit_one_record_spill_into_the_following_records()
    {
        using var temp = new TempDirectory();
        var path = temp.File("spill.edf");
        var signals = SmallSignals(EdfFormat.Edf);
        var digital = Digital(signals, 6);
        var annotations = Enumerable.Range(0, 20).Select(i => new EdfAnnotation(i * 0.125, null, $"marker {i:D2}")).ToArray();

        using (var writer = new EdfStreamWriter(path, EdfFormat.Edf, "X", "X", Start, RecordDuration, signals))
        {
            foreach (var annotation in annotations)
            {
                writer.AddAnnotation(annotation.Onset, annotation.Duration, annotation.Text);
            }

            for (var r = 0; r < 6; r++)
            {
                writer.WriteRecord(Record(signals, digital, r));
            }
        }

        var back = EdfReader.Read(path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.Annotations, Is.EqualTo(annotations), "about 300 bytes of TALs through 115 free bytes per record");
            Assert.That(back.GetDigital(0).ToArray(), Is.EqualTo(digital[0]));
        }
    }

    [Test]
    public void A_record_of_the_wrong_length_is_rejected_and_nothing_is_written()
    {
        using var temp = new TempDirectory();
        var path = temp.File("wrong.edf");
        var signals = SmallSignals(EdfFormat.Edf);
        var good = Record(signals, Digital(signals, 1), 0);
        using var writer = new EdfStreamWriter(path, EdfFormat.Edf, "X", "X", Start, RecordDuration, signals);
        writer.WriteRecord(good);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => writer.WriteRecord(good[..^1]), Throws.InstanceOf<ArgumentException>());
            Assert.That(() => writer.WriteRecord([.. good, 0]), Throws.InstanceOf<ArgumentException>());
            Assert.That(writer.RecordsWritten, Is.EqualTo(1));
            Assert.That(ReadShared(path).RecordCount, Is.EqualTo(1));
        }
    }

    [Test]
    public void A_sample_outside_its_signals_digital_range_is_rejected_rather_than_wrapped()
    {
        using var temp = new TempDirectory();
        var path = temp.File("range.edf");
        var signals = SmallSignals(EdfFormat.Edf);
        var record = Record(signals, Digital(signals, 1), 0);
        record[8] = 2048;
        using var writer = new EdfStreamWriter(path, EdfFormat.Edf, "X", "X", Start, RecordDuration, signals);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => writer.WriteRecord(record), Throws.InstanceOf<ArgumentException>(), "C3.. holds -2048..2047");
            Assert.That(writer.RecordsWritten, Is.Zero);
        }
    }

    [Test]
    public void An_annotation_too_long_for_any_record_is_rejected_when_it_is_added()
    {
        using var temp = new TempDirectory();
        using var writer = new EdfStreamWriter(temp.File("long.edf"), EdfFormat.Edf, "X", "X", Start, RecordDuration, SmallSignals(EdfFormat.Edf));

        Assert.That(() => writer.AddAnnotation(0, null, new string('a', 200)), Throws.InstanceOf<ArgumentException>(), "120 bytes per record");
    }

    [TestCaseSource(nameof(Formats))]
    public void Annotations_that_do_not_fit_the_last_record_go_into_records_added_for_them(EdfFormat format)
    {
        using var temp = new TempDirectory();
        var path = temp.File($"late.{Extension(format)}");
        var signals = SmallSignals(format);
        var digital = Digital(signals, 1);
        var added = Enumerable.Range(0, 10).Select(i => new EdfAnnotation(i / 10.0, null, $"late annotation {i}")).ToArray();
        long annotationRecords;
        using (var writer = new EdfStreamWriter(path, format, "X", "X", Start, RecordDuration, signals))
        {
            writer.WriteRecord(Record(signals, digital, 0));
            foreach (var annotation in added)
            {
                writer.AddAnnotation(annotation.Onset, annotation.Duration, annotation.Text);
            }

            writer.Dispose();
            annotationRecords = writer.AnnotationRecordsAdded;
        }

        var back = EdfReader.Read(path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(annotationRecords, Is.GreaterThan(0), "test set-up: about 200 bytes of TALs for 115 free bytes in the last record");
            Assert.That(back.Header.DataRecordCount, Is.EqualTo(1 + annotationRecords));
            Assert.That(back.RecordCount, Is.EqualTo(1 + annotationRecords));
            Assert.That(back.Annotations.Where(a => a.Text != EdfStreamWriter.AnnotationRecordNote), Is.EqualTo(added), "every annotation, in order, unchanged");
            Assert.That(back.Annotations.Count(a => a.Text == EdfStreamWriter.AnnotationRecordNote), Is.EqualTo(1), "the added records are said to be added");
            Assert.That(back.RecordOnsets, Is.EqualTo(Enumerable.Range(0, (int)back.RecordCount).Select(r => r * RecordDuration).ToArray()), "still continuous");
            for (var i = 0; i < signals.Count; i++)
            {
                var perRecord = signals[i].SamplesPerRecord;
                var samples = back.GetDigital(i).ToArray();
                Assert.That(samples[..perRecord], Is.EqualTo(digital[i]), $"signal {i}: the written record");
                Assert.That(samples[perRecord..], Is.All.EqualTo(digital[i][^1]), $"signal {i}: added records hold the final value");
            }
        }
    }

    [Test]
    public void Annotations_of_a_writer_that_wrote_no_record_are_kept_too()
    {
        using var temp = new TempDirectory();
        var path = temp.File("no-records.edf");
        using (var writer = new EdfStreamWriter(path, EdfFormat.Edf, "X", "X", Start, RecordDuration, SmallSignals(EdfFormat.Edf)))
        {
            writer.AddAnnotation(0, null, "started and stopped at once");
        }

        var back = EdfReader.Read(path);
        Assert.That(back.Annotations.Select(a => a.Text), Does.Contain("started and stopped at once"));
    }

    [Test]
    public void A_stream_writer_never_replaces_an_existing_file()
    {
        using var temp = new TempDirectory();
        var path = temp.File("reused.edf");
        var original = File.ReadAllBytes(EdfReaderTests.RunPath(1));
        File.WriteAllBytes(path, original);
        var signals = SmallSignals(EdfFormat.Edf);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => new EdfStreamWriter(path, EdfFormat.Edf, "X", "X", Start, RecordDuration, signals),
                Throws.InstanceOf<IOException>().With.Message.Contains(path).And.Message.Contains("never overwrites"));
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(original), "the existing file is untouched");
        }
    }

    [Test]
    public void Name_collisions_get_a_suffix_when_asked_and_each_file_keeps_its_own_records()
    {
        using var temp = new TempDirectory();
        var path = temp.File("20260101-120000.bdf");
        var signals = SmallSignals(EdfFormat.Bdf);
        var digital = Digital(signals, 3);
        var paths = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var writer = new EdfStreamWriter(path, EdfFormat.Bdf, "X", "X", Start, RecordDuration, signals, existing: ExistingFile.AddSuffix);
            for (var r = 0; r <= i; r++)
            {
                writer.WriteRecord(Record(signals, digital, r));
            }

            paths.Add(writer.Path);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(paths.Select(Path.GetFileName), Is.EqualTo(new[] { "20260101-120000.bdf", "20260101-120000-1.bdf", "20260101-120000-2.bdf" }));
            Assert.That(paths.Select(p => EdfReader.Read(p).RecordCount), Is.EqualTo(new[] { 1, 2, 3 }), "no file overwrote another");
        }
    }

    [TestCase("x.EDF", EdfFormat.Bdf)]
    [TestCase("x.bdf", EdfFormat.Edf)]
    [TestCase("x.rec", EdfFormat.Edf)]
    public void A_name_that_does_not_say_the_format_is_refused_and_no_file_is_left(string name, EdfFormat format)
    {
        using var temp = new TempDirectory();
        var path = temp.File(name);

        Assert.That(() => new EdfStreamWriter(path, format, "X", "X", Start, RecordDuration, SmallSignals(format)),
            Throws.InstanceOf<ArgumentException>().With.Message.Contains(name));
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void A_start_in_2090_is_kept_through_the_EDF_plus_startdate_never_written_as_1990()
    {
        using var temp = new TempDirectory();
        var path = temp.File("future.edf");
        var start = new DateTime(2090, 1, 1, 8, 0, 0);
        var signals = SmallSignals(EdfFormat.Edf);
        using (var writer = new EdfStreamWriter(path, EdfFormat.Edf, "X", "Startdate 01-JAN-2090 X X X", start, RecordDuration, signals))
        {
            writer.WriteRecord(Record(signals, Digital(signals, 1), 0));
        }

        var bytes = File.ReadAllBytes(path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(System.Text.Encoding.ASCII.GetString(bytes, EdfLayout.StartDate, 8), Is.EqualTo("01.01.yy"), "EDF+: 'yy' after 2084");
            Assert.That(EdfReader.Read(path).Header.StartDateTime, Is.EqualTo(start));
        }
    }

    [Test]
    public void Writing_after_dispose_throws_ObjectDisposedException()
    {
        using var temp = new TempDirectory();
        var signals = SmallSignals(EdfFormat.Edf);
        var writer = new EdfStreamWriter(temp.File("done.edf"), EdfFormat.Edf, "X", "X", Start, RecordDuration, signals);
        writer.Dispose();

        Assert.That(() => writer.WriteRecord(new int[14]), Throws.InstanceOf<ObjectDisposedException>());
    }

    [Test]
    public void Disposing_twice_is_harmless_and_a_writer_without_records_leaves_zero_records()
    {
        using var temp = new TempDirectory();
        var path = temp.File("empty.edf");
        var writer = new EdfStreamWriter(path, EdfFormat.Edf, "X", "X", Start, RecordDuration, SmallSignals(EdfFormat.Edf));
        writer.Dispose();
        writer.Dispose();

        var back = EdfReader.Read(path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.Header.DataRecordCount, Is.Zero);
            Assert.That(back.RecordCount, Is.Zero);
        }
    }
}
