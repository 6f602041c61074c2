using System.Text;
using static EdgeBci.Recording.Tests.TestRecordings;

namespace EdgeBci.Recording.Tests;

public class EdfRoundTripTests
{
    private static readonly int[] AllRuns = Enumerable.Range(1, 14).ToArray();
    private static readonly EdfFormat[] Formats = [EdfFormat.Edf, EdfFormat.Bdf];

    [TestCaseSource(nameof(AllRuns))]
    public void Reading_an_S001_file_and_writing_it_back_reproduces_it_byte_for_byte(int run)
    {
        var path = EdfReaderTests.RunPath(run);
        var original = File.ReadAllBytes(path);

        var written = Bytes(EdfReader.Read(path));

        var at = FirstDifference(original, written);
        Assert.That(at, Is.EqualTo(-1),
            $"{Path.GetFileName(path)}: {written.Length} bytes written for {original.Length}; first difference at byte {at}: expected {Describe(original, at)} but got {Describe(written, at)}");
    }

    [Test]
    public void Writing_to_a_path_writes_the_same_bytes_as_writing_to_a_stream()
    {
        using var temp = new TempDirectory();
        var recording = EdfReader.Read(EdfReaderTests.RunPath(1));
        var path = temp.File("copy.edf");

        EdfWriter.Write(path, recording);

        var at = FirstDifference(File.ReadAllBytes(EdfReaderTests.RunPath(1)), File.ReadAllBytes(path));
        Assert.That(at, Is.EqualTo(-1), $"first difference at byte {at}");
    }

    [Test]
    public void Converting_S001R04_to_BDF_keeps_every_sample_and_annotation()
    {
        var edf = EdfReader.Read(EdfReaderTests.RunPath(4));
        var data = DataSignalIndices(edf);
        Assert.That(data, Has.Length.EqualTo(64));

        var bdf = EdfRecording.Create(EdfFormat.Bdf, edf.Header.PatientId, edf.Header.RecordingId, edf.Header.StartDateTime, edf.Header.RecordDuration,
            data.Select(i => edf.Header.Signals[i]).ToArray(), data.Select(i => edf.GetDigital(i).ToArray()).ToArray(), edf.Annotations);
        var bytes = Bytes(bdf);
        var back = Read(bytes, "S001R04.bdf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(bytes[0], Is.EqualTo(0xFF), "BDF version byte");
            Assert.That(Ascii(bytes, 1, 7), Is.EqualTo("BIOSEMI"));
            Assert.That(back.Header.Format, Is.EqualTo(EdfFormat.Bdf));
            Assert.That(back.Header.IsPlus, Is.True);
            Assert.That(back.Header.Reserved.Trim(), Is.EqualTo("BDF+C"));
            Assert.That(back.Header.StartDateTime, Is.EqualTo(edf.Header.StartDateTime));
            Assert.That(back.Header.PatientId.Trim(), Is.EqualTo(edf.Header.PatientId.Trim()));
            Assert.That(back.Header.RecordingId.Trim(), Is.EqualTo(edf.Header.RecordingId.Trim()));
            Assert.That(back.RecordCount, Is.EqualTo(125));
            Assert.That(back.Header.DataRecordCount, Is.EqualTo(125));
            Assert.That(back.Header.Signals, Has.Count.EqualTo(65));
            Assert.That(back.Header.Signals[64].Label.Trim(), Is.EqualTo("BDF Annotations"));
            Assert.That(bytes, Has.Length.EqualTo(EdfLayout.FileLength(back, 125)));
            Assert.That(back.Annotations, Is.EqualTo(edf.Annotations), "onset, duration and text of every cue");
            Assert.That(back.RecordOnsets, Is.EqualTo(edf.RecordOnsets));
        }

        for (var i = 0; i < 64; i++)
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(back.Header.Signals[i].Label.Trim(), Is.EqualTo(edf.Header.Signals[i].Label.Trim()));
                Assert.That(back.Header.Signals[i].PhysicalDimension.Trim(), Is.EqualTo("uV"));
                Assert.That(back.GetSampleRate(i), Is.EqualTo(160.0));
                Assert.That(back.GetDigital(i).SequenceEqual(edf.GetDigital(i)), Is.True, $"digital samples of {edf.Header.Signals[i].Label}");
                Assert.That(back.GetPhysical(i).AsSpan().SequenceEqual(edf.GetPhysical(i)), Is.True, $"physical samples of {edf.Header.Signals[i].Label}");
            }
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void A_created_recording_reads_back_with_its_headers_samples_and_annotations(EdfFormat format)
    {
        var signals = SmallSignals(format);
        var digital = Digital(signals, 4);
        var created = EdfRecording.Create(format, PatientId, RecordingId, Start, RecordDuration, signals, digital, SmallAnnotations);

        var back = Read(Bytes(created), "small");

        Assert.That(back.Header.Signals, Has.Count.EqualTo(4), "3 data signals and the added annotation signal");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.Header.Format, Is.EqualTo(format));
            Assert.That(back.Header.Reserved.Trim(), Is.EqualTo(format == EdfFormat.Edf ? "EDF+C" : "BDF+C"));
            Assert.That(back.Header.Signals[3].IsAnnotation, Is.True);
            Assert.That(back.Header.Signals[3].Label.Trim(), Is.EqualTo(format == EdfFormat.Edf ? "EDF Annotations" : "BDF Annotations"));
            Assert.That(back.Header.PatientId.Trim(), Is.EqualTo(PatientId));
            Assert.That(back.Header.RecordingId.Trim(), Is.EqualTo(RecordingId));
            Assert.That(back.Header.StartDateTime, Is.EqualTo(Start));
            Assert.That(back.Header.RecordDuration, Is.EqualTo(RecordDuration));
            Assert.That(back.Header.DataRecordCount, Is.EqualTo(4));
            Assert.That(back.RecordCount, Is.EqualTo(4));
            Assert.That(back.RecordOnsets, Is.EqualTo(new[] { 0.0, 0.5, 1.0, 1.5 }));
            Assert.That(back.Annotations, Is.EqualTo(SmallAnnotations));
            for (var i = 0; i < 3; i++)
            {
                var expected = signals[i];
                var actual = back.Header.Signals[i];
                Assert.That(actual.Label.Trim(), Is.EqualTo(expected.Label), $"signal {i}");
                Assert.That(actual.TransducerType.Trim(), Is.EqualTo(expected.TransducerType), $"signal {i}");
                Assert.That(actual.PhysicalDimension.Trim(), Is.EqualTo(expected.PhysicalDimension), $"signal {i}");
                Assert.That(actual.Prefiltering.Trim(), Is.EqualTo(expected.Prefiltering), $"signal {i}");
                Assert.That(actual.PhysicalMinimum, Is.EqualTo(expected.PhysicalMinimum), $"signal {i}");
                Assert.That(actual.PhysicalMaximum, Is.EqualTo(expected.PhysicalMaximum), $"signal {i}");
                Assert.That(actual.DigitalMinimum, Is.EqualTo(expected.DigitalMinimum), $"signal {i}");
                Assert.That(actual.DigitalMaximum, Is.EqualTo(expected.DigitalMaximum), $"signal {i}");
                Assert.That(actual.SamplesPerRecord, Is.EqualTo(expected.SamplesPerRecord), $"signal {i}");
                Assert.That(back.GetDigital(i).ToArray(), Is.EqualTo(digital[i]), $"signal {i}");
            }

            Assert.That(back.GetSampleRate(0), Is.EqualTo(16.0));
            Assert.That(back.GetSampleRate(1), Is.EqualTo(8.0));
            Assert.That(back.GetSampleRate(2), Is.EqualTo(4.0));
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void Writing_a_read_recording_again_gives_the_same_bytes(EdfFormat format)
    {
        var first = Bytes(Small(format));

        var second = Bytes(Read(first, "first"));

        var at = FirstDifference(first, second);
        Assert.That(at, Is.EqualTo(-1), $"first difference at byte {at}: {Describe(first, at)} vs {Describe(second, at)}");
    }

    [TestCaseSource(nameof(Formats))]
    public void The_extremes_of_the_sample_width_survive_with_their_sign(EdfFormat format)
    {
        var (min, max) = DigitalLimits(format);
        var signal = new EdfSignalHeader
        {
            Label = "Extremes", PhysicalDimension = "uV", PhysicalMinimum = min, PhysicalMaximum = max,
            DigitalMinimum = min, DigitalMaximum = max, SamplesPerRecord = 10,
        };
        int[] values = [min, max, -1, 0, 1, short.MinValue, short.MaxValue, min + 1, max - 1, -256];

        var back = Read(Bytes(EdfRecording.Create(format, "X", "X", Start, 1, [signal], [values], [])), "extremes");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.GetDigital(0).ToArray(), Is.EqualTo(values));
            Assert.That(back.GetPhysical(0), Is.EqualTo(values.Select(v => (double)v).ToArray()).Within(1e-6), "gain 1, offset 0");
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void Physical_values_are_the_linear_map_of_digital_values(EdfFormat format)
    {
        var back = Read(Bytes(Small(format)), "small");
        var signals = SmallSignals(format);

        for (var i = 0; i < signals.Count; i++)
        {
            var s = signals[i];
            var digital = back.GetDigital(i).ToArray();
            var expected = digital.Select(d => s.PhysicalMinimum + ((d - (double)s.DigitalMinimum) * (s.PhysicalMaximum - s.PhysicalMinimum) / ((double)s.DigitalMaximum - s.DigitalMinimum))).ToArray();
            Assert.That(back.GetPhysical(i), Is.EqualTo(expected).Within(1e-9 * Math.Max(Math.Abs(s.PhysicalMinimum), Math.Abs(s.PhysicalMaximum))), s.Label);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.GetPhysical(1)[0], Is.EqualTo(-200).Within(1e-9), "digital minimum is physical minimum");
            Assert.That(back.GetPhysical(1)[^1], Is.EqualTo(200).Within(1e-9), "digital maximum is physical maximum");
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void Five_hundred_annotations_in_ten_records_all_come_back_in_order(EdfFormat format)
    {
        var signal = new EdfSignalHeader
        {
            Label = "Cz", PhysicalDimension = "uV", PhysicalMinimum = -100, PhysicalMaximum = 100, DigitalMinimum = -1000, DigitalMaximum = 1000, SamplesPerRecord = 16,
        };
        var annotations = Enumerable.Range(0, 500)
            .Select(i => new EdfAnnotation(i / 50.0, i % 3 == 0 ? null : ((i % 7) + 1) / 4.0, $"event {i} {(i % 2 == 0 ? "left" : "right")}"))
            .ToArray();
        var created = EdfRecording.Create(format, "X", "X", Start, 1, [signal], [new int[160]], annotations);

        var back = Read(Bytes(created), "many");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.RecordCount, Is.EqualTo(10));
            Assert.That(back.Annotations, Is.EqualTo(annotations));
            Assert.That(back.RecordOnsets, Is.EqualTo(Enumerable.Range(0, 10).Select(r => (double)r).ToArray()));
            Assert.That(back.GetDigital(0).ToArray(), Is.All.EqualTo(0));
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void Unicode_annotation_text_survives_as_UTF8(EdfFormat format)
    {
        EdfAnnotation[] annotations =
        [
            new(0, null, "Ωmega"),
            new(0.5, 1, "Blinzeln – Auge zu, ÄÖÜ ß"),
            new(1.25, null, "脑电 伪迹"),
            new(1.5, 0.25, "🧠 emoji outside the BMP"),
        ];
        var signals = SmallSignals(format);
        var bytes = Bytes(EdfRecording.Create(format, "X", "X", Start, RecordDuration, signals, Digital(signals, 4), annotations));

        var back = Read(bytes, "unicode");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.Annotations.Select(a => a.Text), Is.EqualTo(annotations.Select(a => a.Text)));
            Assert.That(back.Annotations, Is.EqualTo(annotations));
            var raw = bytes.AsSpan(EdfLayout.HeaderBytesOf(bytes));
            Assert.That(raw.IndexOf(Encoding.UTF8.GetBytes("脑电 伪迹")), Is.GreaterThanOrEqualTo(0), "TAL text is stored as UTF-8");
        }
    }

    [Test]
    public void A_recording_without_annotations_still_gets_time_keeping_records()
    {
        var signals = SmallSignals(EdfFormat.Edf);

        var back = Read(Bytes(EdfRecording.Create(EdfFormat.Edf, "X", "X", Start, RecordDuration, signals, Digital(signals, 3), [])), "plain");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.Annotations, Is.Empty);
            Assert.That(back.RecordOnsets, Is.EqualTo(new[] { 0.0, 0.5, 1.0 }));
            Assert.That(back.Header.Signals.Count(s => s.IsAnnotation), Is.EqualTo(1));
        }
    }

    [TestCase(1980)]
    [TestCase(2090)]
    public void A_start_year_outside_the_EDF_1985_to_2084_window_is_kept_through_the_EDF_plus_startdate_never_moved_by_a_century(int year)
    {
        var start = new DateTime(year, 6, 1, 12, 0, 0);
        var signals = SmallSignals(EdfFormat.Edf);

        var bytes = Bytes(EdfRecording.Create(EdfFormat.Edf, "X", $"Startdate 01-JUN-{year} X X X", start, RecordDuration, signals, Digital(signals, 1), []));
        var back = Read(bytes, "year.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ascii(bytes, EdfLayout.StartDate, 8), Is.EqualTo("01.06.yy"), "EDF+ writes a literal 'yy' and keeps the year in the recording identification");
            Assert.That(back.Header.StartDateTime, Is.EqualTo(start));
            Assert.That(Bytes(back), Is.EqualTo(bytes), "and writes it back the same");
        }
    }

    [Test]
    public void A_start_year_outside_the_window_without_the_EDF_plus_startdate_is_refused_naming_the_fix()
    {
        var signals = SmallSignals(EdfFormat.Edf);

        Assert.That(() => EdfRecording.Create(EdfFormat.Edf, "X", "X", new DateTime(2090, 6, 1), RecordDuration, signals, Digital(signals, 1), []),
            Throws.InstanceOf<ArgumentException>().With.Message.Contains("Startdate 01-JUN-2090"));
    }

    [Test]
    public void A_physical_range_that_needs_more_than_8_characters_is_widened_to_one_that_fits_and_gives_the_same_values_within_a_step()
    {
        var signal = new EdfSignalHeader
        {
            Label = "EXG1", PhysicalDimension = "uV", PhysicalMinimum = -187499.994, PhysicalMaximum = 187499.994,
            DigitalMinimum = -8_388_608, DigitalMaximum = 8_388_607, SamplesPerRecord = 3,
        };
        int[] digital = [-8_388_608, 1_000_000, 8_388_607];
        var intended = digital.Select(signal.ToPhysical).ToArray();

        var created = EdfRecording.Create(EdfFormat.Bdf, "X", "X", Start, 1, [signal], [digital], []);
        var written = Read(Bytes(created), "range.bdf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(written.Header.Signals[0].PhysicalMinimum, Is.LessThanOrEqualTo(signal.PhysicalMinimum), "widened, never narrowed");
            Assert.That(written.Header.Signals[0].PhysicalMaximum, Is.GreaterThanOrEqualTo(signal.PhysicalMaximum), "widened, never narrowed");
            Assert.That(written.GetDigital(0).ToArray(), Is.EqualTo(digital));
            Assert.That(written.GetPhysical(0), Is.EqualTo(created.GetPhysical(0)), "the recording in memory and its file agree exactly");
            Assert.That(written.GetPhysical(0), Is.EqualTo(intended).Within(signal.Gain), "and differ from the asked-for scaling by less than one 24-bit step");
        }
    }

    [Test]
    public void Create_rejects_header_text_longer_than_its_field()
    {
        var signals = SmallSignals(EdfFormat.Edf);
        var digital = Digital(signals, 1);
        EdfSignalHeader[] longLabel = [signals[0] with { Label = "EEG Fp1-A1 long lbl" }, signals[1], signals[2]];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => EdfRecording.Create(EdfFormat.Edf, new string('p', 81), "X", Start, RecordDuration, signals, digital, []), Throws.InstanceOf<ArgumentException>(), "patient: 80 bytes");
            Assert.That(() => EdfRecording.Create(EdfFormat.Edf, "X", new string('r', 81), Start, RecordDuration, signals, digital, []), Throws.InstanceOf<ArgumentException>(), "recording: 80 bytes");
            Assert.That(() => EdfRecording.Create(EdfFormat.Edf, "X", "X", Start, RecordDuration, longLabel, digital, []), Throws.InstanceOf<ArgumentException>(), "label: 16 bytes");
        }
    }

    [TestCase("")]
    [TestCase("a\\u0014b")]
    [TestCase("a\\u0015b")]
    [TestCase("a\\u0000b")]
    public void Create_rejects_annotation_text_that_a_TAL_cannot_hold(string escaped)
    {
        var text = System.Text.RegularExpressions.Regex.Unescape(escaped);
        var signals = SmallSignals(EdfFormat.Edf);

        Assert.That(() => EdfRecording.Create(EdfFormat.Edf, "X", "X", Start, RecordDuration, signals, Digital(signals, 1), [new(0.1, null, text)]),
            Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void A_non_seekable_stream_reads_like_a_file()
    {
        var bytes = Bytes(Small(EdfFormat.Bdf));
        using var pipe = new ForwardOnlyStream(bytes);

        var recording = EdfReader.Read(pipe, "pipe");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.RecordCount, Is.EqualTo(4));
            Assert.That(recording.Annotations, Is.EqualTo(SmallAnnotations));
        }
    }

    [Test]
    public void Create_rejects_a_signal_whose_length_is_not_a_whole_number_of_records()
    {
        var signals = SmallSignals(EdfFormat.Edf);
        var digital = Digital(signals, 3);
        digital[0] = digital[0][..^1];

        Assert.That(() => EdfRecording.Create(EdfFormat.Edf, "X", "X", Start, RecordDuration, signals, digital, []), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void Create_rejects_signals_that_disagree_on_the_record_count()
    {
        var signals = SmallSignals(EdfFormat.Edf);
        var digital = Digital(signals, 3);
        digital[2] = Digital(signals, 4)[2];

        Assert.That(() => EdfRecording.Create(EdfFormat.Edf, "X", "X", Start, RecordDuration, signals, digital, []), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void Create_rejects_a_sample_outside_the_signals_digital_range()
    {
        var signals = SmallSignals(EdfFormat.Edf);
        var digital = Digital(signals, 3);
        digital[1][5] = 2048;

        Assert.That(() => EdfRecording.Create(EdfFormat.Edf, "X", "X", Start, RecordDuration, signals, digital, []), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void Create_rejects_a_different_number_of_sample_arrays_and_signal_headers()
    {
        var signals = SmallSignals(EdfFormat.Edf);
        var digital = Digital(signals, 3);

        Assert.That(() => EdfRecording.Create(EdfFormat.Edf, "X", "X", Start, RecordDuration, signals, digital[..2], []), Throws.InstanceOf<ArgumentException>());
    }

    [Test]
    public void Create_rejects_a_BDF_digital_range_wider_than_24_bits()
    {
        var signal = new EdfSignalHeader
        {
            Label = "Wide", PhysicalMinimum = -1, PhysicalMaximum = 1, DigitalMinimum = -8_388_609, DigitalMaximum = 8_388_607, SamplesPerRecord = 1,
        };

        Assert.That(() => EdfRecording.Create(EdfFormat.Bdf, "X", "X", Start, 1, [signal], [new int[1]], []), Throws.InstanceOf<ArgumentException>());
    }
}

/// <summary>A stream that only reads forward, in small pieces, like a pipe or a decompressor.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : Stream
{
    private int _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = Math.Min(Math.Min(count, 7), bytes.Length - _position);
        Array.Copy(bytes, _position, buffer, offset, n);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
