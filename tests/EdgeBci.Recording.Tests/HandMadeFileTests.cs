using System.Globalization;
using System.Text;
using static EdgeBci.Recording.Tests.TestRecordings;

namespace EdgeBci.Recording.Tests;

/// <summary>
/// Files assembled byte by byte here, independently of <see cref="EdfWriter"/>, so that a mistake the writer and the
/// reader share (byte order, the 2-digit year, which TAL keeps time) cannot hide behind a round trip.
/// </summary>
public class HandMadeFileTests
{
    private static readonly HandSignal Cz = new("Cz", "uV", "-32768", "32767", "-32768", "32767", 2);

    [Test]
    public void A_plain_EDF_file_reads_with_little_endian_samples_and_evenly_spaced_records()
    {
        HandSignal[] signals = [new("EEG Cz", "uV", "-32768", "32767", "-32768", "32767", 3), new("Resp", "mV", "-1", "1", "-100", "100", 1)];
        var bytes = HandMadeEdf.Build(bdf: false, "", "01.02.99", "23.59.58", "3", "0.25", signals,
        [
            [.. HandMadeEdf.Samples16(-32768, 32767, -1), .. HandMadeEdf.Samples16(100)],
            [.. HandMadeEdf.Samples16(1, 256, -256), .. HandMadeEdf.Samples16(-100)],
            [.. HandMadeEdf.Samples16(0, 4660, -4661), .. HandMadeEdf.Samples16(0)],
        ]);

        var recording = Read(bytes, "plain.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.Header.Format, Is.EqualTo(EdfFormat.Edf));
            Assert.That(recording.Header.IsPlus, Is.False);
            Assert.That(recording.Header.StartDateTime, Is.EqualTo(new DateTime(1999, 2, 1, 23, 59, 58)));
            Assert.That(recording.Header.Signals, Has.Count.EqualTo(2));
            Assert.That(recording.RecordCount, Is.EqualTo(3));
            Assert.That(recording.GetDigital(0).ToArray(), Is.EqualTo(new[] { -32768, 32767, -1, 1, 256, -256, 0, 4660, -4661 }));
            Assert.That(recording.GetDigital(1).ToArray(), Is.EqualTo(new[] { 100, -100, 0 }));
            Assert.That(recording.GetPhysical(1), Is.EqualTo(new[] { 1.0, -1.0, 0.0 }).Within(1e-12));
            Assert.That(recording.GetSampleRate(0), Is.EqualTo(12.0));
            Assert.That(recording.GetSampleRate(1), Is.EqualTo(4.0));
            Assert.That(recording.Annotations, Is.Empty);
            Assert.That(recording.RecordOnsets, Is.EqualTo(new[] { 0.0, 0.25, 0.5 }), "plain EDF: k times the record duration");
            Assert.That(recording.FindSignal("CZ"), Is.Zero);
        }
    }

    [TestCase("01.01.85", 1985)]
    [TestCase("31.12.99", 1999)]
    [TestCase("01.01.00", 2000)]
    [TestCase("12.08.09", 2009)]
    [TestCase("31.12.84", 2084)]
    public void The_two_digit_start_year_follows_the_EDF_1985_to_2084_window(string date, int year)
    {
        var bytes = HandMadeEdf.Build(bdf: false, "", date, "00.00.00", "1", "1", [Cz], [HandMadeEdf.Samples16(0, 0)]);

        Assert.That(Read(bytes, "year.edf").Header.StartDateTime.Year, Is.EqualTo(year));
    }

    [Test]
    public void A_plain_BDF_file_reads_24_bit_little_endian_samples_with_their_sign()
    {
        HandSignal[] signals = [new("EXG1", "uV", "-262144", "262143", "-8388608", "8388607", 6)];
        var bytes = HandMadeEdf.Build(bdf: true, "24BIT", "05.03.24", "14.30.15", "1", "1", signals,
            [HandMadeEdf.Samples24(-8_388_608, 8_388_607, -1, 1, 0x123456, -0x123456)]);
        Assert.That(bytes.AsSpan(bytes.Length - 18, 6).ToArray(), Is.EqualTo(new byte[] { 0x00, 0x00, 0x80, 0xFF, 0xFF, 0x7F }), "test set-up: little-endian");

        var recording = Read(bytes, "plain.bdf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.Header.Format, Is.EqualTo(EdfFormat.Bdf));
            Assert.That(recording.Header.IsPlus, Is.False);
            Assert.That(recording.GetDigital(0).ToArray(), Is.EqualTo(new[] { -8_388_608, 8_388_607, -1, 1, 0x123456, -0x123456 }));
            Assert.That(recording.GetPhysical(0)[0], Is.EqualTo(-262144).Within(1e-6));
            Assert.That(recording.GetPhysical(0)[1], Is.EqualTo(262143).Within(1e-6));
        }
    }

    [Test]
    public void The_BDF_writer_stores_samples_as_24_bit_little_endian()
    {
        var signal = new EdfSignalHeader
        {
            Label = "EXG1", PhysicalDimension = "uV", PhysicalMinimum = -1, PhysicalMaximum = 1, DigitalMinimum = -8_388_608, DigitalMaximum = 8_388_607, SamplesPerRecord = 4,
        };
        var bytes = Bytes(EdfRecording.Create(EdfFormat.Bdf, "X", "X", Start, 1, [signal], [[1, -1, 0x123456, -8_388_608]], []));

        var data = bytes.AsSpan(EdfLayout.HeaderBytesOf(bytes), 12).ToArray();

        Assert.That(data, Is.EqualTo(new byte[] { 0x01, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0x56, 0x34, 0x12, 0x00, 0x00, 0x80 }));
    }

    [Test]
    public void The_EDF_writer_stores_samples_as_16_bit_little_endian()
    {
        var signal = new EdfSignalHeader
        {
            Label = "Cz", PhysicalDimension = "uV", PhysicalMinimum = -1, PhysicalMaximum = 1, DigitalMinimum = -32768, DigitalMaximum = 32767, SamplesPerRecord = 4,
        };
        var bytes = Bytes(EdfRecording.Create(EdfFormat.Edf, "X", "X", Start, 1, [signal], [[1, -1, 0x1234, -32768]], []));

        var data = bytes.AsSpan(EdfLayout.HeaderBytesOf(bytes), 8).ToArray();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ascii(bytes, 0, 8), Is.EqualTo("0       "));
            Assert.That(data, Is.EqualTo(new byte[] { 0x01, 0x00, 0xFF, 0xFF, 0x34, 0x12, 0x00, 0x80 }));
        }
    }

    [Test]
    public void Record_onsets_of_a_discontinuous_EDF_plus_file_come_from_the_time_keeping_TALs()
    {
        var bytes = AnnotatedFile("EDF+D", ["+0\u0014\u0014\0", "+10\u0014\u0014\0", "+10.5\u0014\u0014\0"]);

        var recording = Read(bytes, "gaps.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.Header.Reserved.Trim(), Is.EqualTo("EDF+D"));
            Assert.That(recording.RecordOnsets, Is.EqualTo(new[] { 0.0, 10.0, 10.5 }));
            Assert.That(recording.Annotations, Is.Empty);
        }
    }

    [Test]
    public void One_TAL_with_several_texts_gives_one_annotation_per_text_with_the_shared_onset_and_duration()
    {
        var bytes = AnnotatedFile("EDF+C", ["+0\u0014\u0014\0+0.5\u00152\u0014lights off\u0014door closed\u0014\0", "+1\u0014\u0014\0"]);

        var recording = Read(bytes, "multi.edf");

        Assert.That(recording.Annotations, Is.EqualTo(new EdfAnnotation[] { new(0.5, 2, "lights off"), new(0.5, 2, "door closed") }));
    }

    [Test]
    public void A_negative_onset_is_an_event_before_the_file_starts()
    {
        var bytes = AnnotatedFile("EDF+C", ["+0\u0014\u0014\0-0.75\u0014electrodes on\u0014\0", "+1\u0014\u0014\0"]);

        Assert.That(Read(bytes, "negative.edf").Annotations, Is.EqualTo(new[] { new EdfAnnotation(-0.75, null, "electrodes on") }));
    }

    [Test]
    public void Text_after_the_empty_time_keeping_annotation_in_the_same_TAL_is_an_annotation()
    {
        var bytes = AnnotatedFile("EDF+C", ["+0\u0014\u0014Recording starts\u0014\0", "+1\u0014\u0014\0"]);

        var recording = Read(bytes, "tk-text.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.Annotations, Is.EqualTo(new[] { new EdfAnnotation(0, null, "Recording starts") }));
            Assert.That(recording.RecordOnsets, Is.EqualTo(new[] { 0.0, 1.0 }));
        }
    }

    [Test]
    public void Only_the_first_annotation_signal_keeps_time_and_a_second_one_holds_ordinary_annotations_in_file_order()
    {
        HandSignal[] signals = [Cz, Annotations(20), Annotations(10)];
        var bytes = HandMadeEdf.Build(bdf: false, "EDF+C", "05.03.24", "14.30.15", "2", "1", signals,
        [
            [.. HandMadeEdf.Samples16(1, 2), .. HandMadeEdf.Tal(40, "+0\u0014\u0014\0+0.1\u0014a\u0014\0"), .. HandMadeEdf.Tal(20, "+0.25\u0014b\u0014\0")],
            [.. HandMadeEdf.Samples16(3, 4), .. HandMadeEdf.Tal(40, "+1\u0014\u0014\0"), .. HandMadeEdf.Tal(20, "+1.5\u0014c\u0014\0")],
        ]);

        var recording = Read(bytes, "two-annotation-signals.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.Annotations, Is.EqualTo(new EdfAnnotation[] { new(0.1, null, "a"), new(0.25, null, "b"), new(1.5, null, "c") }));
            Assert.That(recording.RecordOnsets, Is.EqualTo(new[] { 0.0, 1.0 }));
            Assert.That(recording.GetDigital(0).ToArray(), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        }
    }

    [Test]
    public void A_BDF_plus_file_with_a_BDF_Annotations_signal_reads_its_annotations()
    {
        HandSignal[] signals = [new("EXG1", "uV", "-262144", "262143", "-8388608", "8388607", 2), new("BDF Annotations", "", "-8388608", "8388607", "-8388608", "8388607", 10)];
        var bytes = HandMadeEdf.Build(bdf: true, "BDF+C", "05.03.24", "14.30.15", "2", "1", signals,
        [
            [.. HandMadeEdf.Samples24(5, -5), .. HandMadeEdf.Tal(30, "+0\u0014\u0014\0+0.5\u0014blink\u0014\0")],
            [.. HandMadeEdf.Samples24(6, -6), .. HandMadeEdf.Tal(30, "+1\u0014\u0014\0")],
        ]);

        var recording = Read(bytes, "plus.bdf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recording.Header.IsPlus, Is.True);
            Assert.That(recording.Annotations, Is.EqualTo(new[] { new EdfAnnotation(0.5, null, "blink") }));
            Assert.That(recording.GetDigital(0).ToArray(), Is.EqualTo(new[] { 5, -5, 6, -6 }));
        }
    }

    [Test]
    public void A_single_long_annotation_text_gets_an_annotation_signal_large_enough_to_hold_it()
    {
        var text = string.Concat(Enumerable.Repeat("long note ", 200));
        var signal = new EdfSignalHeader { Label = "Cz", PhysicalMinimum = -1, PhysicalMaximum = 1, DigitalMinimum = -100, DigitalMaximum = 100, SamplesPerRecord = 2 };

        var back = Read(Bytes(EdfRecording.Create(EdfFormat.Edf, "X", "X", Start, 1, [signal], [[1, 2]], [new(0.5, null, text)])), "long.edf");

        Assert.That(back.Annotations, Is.EqualTo(new[] { new EdfAnnotation(0.5, null, text) }));
    }

    private static HandSignal Annotations(int samples) => new("EDF Annotations", "", "-32768", "32767", "-32768", "32767", samples);

    /// <summary>An EDF+ file of one 2-sample signal and one 40-byte annotation signal, one record per TAL text.</summary>
    private static byte[] AnnotatedFile(string reserved, string[] tals) =>
        HandMadeEdf.Build(bdf: false, reserved, "05.03.24", "14.30.15", tals.Length.ToString(CultureInfo.InvariantCulture), "1", [Cz, Annotations(20)],
            tals.Select((tal, r) => (byte[])[.. HandMadeEdf.Samples16(r, -r), .. HandMadeEdf.Tal(40, tal)]).ToArray());
}

internal sealed record HandSignal(string Label, string Dimension, string PhysicalMinimum, string PhysicalMaximum, string DigitalMinimum, string DigitalMaximum, int SamplesPerRecord);

/// <summary>An EDF/BDF encoder written from the specification, sharing no code with the library.</summary>
internal static class HandMadeEdf
{
    public static byte[] Build(bool bdf, string reserved, string startDate, string startTime, string recordCount, string duration, IReadOnlyList<HandSignal> signals, IReadOnlyList<byte[]> records)
    {
        var header = new StringBuilder();
        void Field(string value, int width)
        {
            Assert.That(value, Has.Length.LessThanOrEqualTo(width), $"'{value}' is wider than {width}");
            header.Append(value.PadRight(width));
        }

        Field(bdf ? "?BIOSEMI" : "0", 8);
        Field("X X X X", 80);
        Field("Startdate X X X X", 80);
        Field(startDate, 8);
        Field(startTime, 8);
        Field((256 * (signals.Count + 1)).ToString(CultureInfo.InvariantCulture), 8);
        Field(reserved, 44);
        Field(recordCount, 8);
        Field(duration, 8);
        Field(signals.Count.ToString(CultureInfo.InvariantCulture), 4);
        foreach (var s in signals) { Field(s.Label, 16); }
        foreach (var _ in signals) { Field(string.Empty, 80); }
        foreach (var s in signals) { Field(s.Dimension, 8); }
        foreach (var s in signals) { Field(s.PhysicalMinimum, 8); }
        foreach (var s in signals) { Field(s.PhysicalMaximum, 8); }
        foreach (var s in signals) { Field(s.DigitalMinimum, 8); }
        foreach (var s in signals) { Field(s.DigitalMaximum, 8); }
        foreach (var _ in signals) { Field(string.Empty, 80); }
        foreach (var s in signals) { Field(s.SamplesPerRecord.ToString(CultureInfo.InvariantCulture), 8); }
        foreach (var _ in signals) { Field(string.Empty, 32); }

        var bytes = Encoding.ASCII.GetBytes(header.ToString());
        if (bdf)
        {
            bytes[0] = 0xFF;
        }

        var recordBytes = signals.Sum(s => s.SamplesPerRecord) * (bdf ? 3 : 2);
        Assert.That(records.Select(r => r.Length), Is.All.EqualTo(recordBytes), "test set-up: record length");
        return [.. bytes, .. records.SelectMany(r => r)];
    }

    public static byte[] Samples16(params int[] values) => values.SelectMany(v => new[] { (byte)v, (byte)(v >> 8) }).ToArray();

    public static byte[] Samples24(params int[] values) => values.SelectMany(v => new[] { (byte)v, (byte)(v >> 8), (byte)(v >> 16) }).ToArray();

    /// <summary>An annotation signal's bytes in one record: the TALs in UTF-8, then zero bytes up to its size.</summary>
    public static byte[] Tal(int size, string tals)
    {
        var bytes = Encoding.UTF8.GetBytes(tals);
        Assert.That(bytes, Has.Length.LessThanOrEqualTo(size), "test set-up: TALs fit");
        return [.. bytes, .. new byte[size - bytes.Length]];
    }
}
