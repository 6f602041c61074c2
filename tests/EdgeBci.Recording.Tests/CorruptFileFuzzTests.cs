using System.Globalization;
using System.Text;
using static EdgeBci.Recording.Tests.TestRecordings;

namespace EdgeBci.Recording.Tests;

/// <summary>
/// Files damaged on an SD card, cut off by a power failure or written by other tools: the reader either returns a
/// recording or throws <see cref="RecordingFormatException"/>; it never crashes with another exception and never hangs.
/// </summary>
public class CorruptFileFuzzTests
{
    private const int Seed = 20_240_611;
    private const int Cases = 1000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private static readonly byte[] InterestingBytes = [.. "+-.0159 eEx"u8, 0x00, 0x14, 0x15, 0xFF];

    private static readonly string[] NumberTexts =
        ["-1", "0", "-0", "1", "99999999", "-9999999", "1e308", "NaN", "Infinity", "2147483648", "0.000001", "  3  ", "", "+4", "1,5", "0x10", "-.", "\u0001"];

    private static readonly EdfFormat[] Formats = [EdfFormat.Edf, EdfFormat.Bdf];

    private sealed record Original(string Name, byte[] Bytes, EdfRecording Recording);

    [Test]
    public void A_thousand_corrupted_files_either_read_or_throw_RecordingFormatException_and_never_hang()
    {
        var originals = Formats.Select(format =>
        {
            var bytes = Bytes(Small(format, 3));
            return new Original(format == EdfFormat.Edf ? "small.edf" : "small.bdf", bytes, Read(bytes, "original"));
        }).ToArray();
        var random = new Random(Seed);
        var failures = new List<string>();
        var hangs = 0;
        var accepted = 0;
        var rejected = 0;

        for (var c = 0; c < Cases && hangs < 3; c++)
        {
            var original = originals[c % originals.Length];
            var (bytes, damage) = Corrupt(random, original);
            var origin = $"fuzz-case-{c:D4}-{original.Name}";
            var what = $"seed {Seed} case {c} ({original.Name}, {damage})";

            var read = Task.Run(() => ReadEverything(bytes, origin));
            if (!read.Wait(Patience))
            {
                hangs++;
                failures.Add($"{what}: no answer within {Patience.TotalSeconds} s");
                continue;
            }

            switch (read.Result)
            {
                case null:
                    accepted++;
                    break;
                case RecordingFormatException e when e.Message.Contains(origin, StringComparison.Ordinal):
                    rejected++;
                    break;
                case RecordingFormatException e:
                    failures.Add($"{what}: the message does not name the file: {e.Message}");
                    break;
                case Exception e:
                    failures.Add($"{what}: {e.GetType().Name}: {e.Message}{Environment.NewLine}{e.StackTrace}");
                    break;
            }
        }

        TestContext.Out.WriteLine($"seed {Seed}: {accepted} corrupted files read, {rejected} rejected, {failures.Count} failures");
        Assert.That(failures, Is.Empty, $"{failures.Count} failures; first ones:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(5))}");
        Assert.That(rejected, Is.GreaterThan(Cases / 10), "the corruptions are damaging enough to be noticed");
        Assert.That(accepted, Is.GreaterThan(Cases / 20), "the corruptions include damage that leaves a readable file");
    }

    /// <summary>Reads and touches every part of the result, so lazily decoded parts are checked too.</summary>
    private static Exception? ReadEverything(byte[] bytes, string origin)
    {
        try
        {
            var recording = Read(bytes, origin);
            _ = recording.Header.DataRecordCount + recording.Header.RecordDuration + recording.RecordCount;
            for (var i = 0; i < recording.Header.Signals.Count; i++)
            {
                _ = recording.Header.Signals[i].NormalizedLabel;
                _ = recording.GetSampleRate(i);
                if (!recording.Header.Signals[i].IsAnnotation)
                {
                    _ = recording.GetDigital(i).Length;
                    _ = recording.GetPhysical(i).Length;
                }
            }

            _ = recording.Annotations.Count;
            _ = recording.RecordOnsets.Count;
            _ = recording.FindSignal("C3");
            return null;
        }
#pragma warning disable CA1031 // Every exception is an outcome the test classifies.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return e;
        }
    }

    private static (byte[] Bytes, string Damage) Corrupt(Random random, Original original)
    {
        var bytes = (byte[])original.Bytes.Clone();
        var damage = new StringBuilder();
        var mode = random.Next(4);
        if (mode is 0 or 2)
        {
            OverwriteBytes(random, original, bytes, damage);
        }

        if (mode == 3)
        {
            OverwriteNumberField(random, original, bytes, damage);
        }

        if (mode is 1 or 2)
        {
            var length = random.Next(0, bytes.Length);
            damage.Append(CultureInfo.InvariantCulture, $"truncated to {length} bytes; ");
            bytes = bytes[..length];
        }

        return (bytes, damage.ToString().TrimEnd(' ', ';'));
    }

    private static void OverwriteBytes(Random random, Original original, byte[] bytes, StringBuilder damage)
    {
        var count = random.Next(1, 9);
        var headerBytes = 256 * (original.Recording.Header.Signals.Count + 1);
        for (var n = 0; n < count; n++)
        {
            int at;
            var region = random.Next(10);
            if (region < 4)
            {
                at = random.Next(headerBytes);
            }
            else if (region < 7)
            {
                var (start, length) = EdfLayout.AnnotationBytes(original.Recording, random.Next(original.Recording.RecordCount));
                at = start + random.Next(length);
            }
            else
            {
                at = random.Next(bytes.Length);
            }

            var value = random.Next(2) == 0 ? (byte)random.Next(256) : InterestingBytes[random.Next(InterestingBytes.Length)];
            damage.Append(CultureInfo.InvariantCulture, $"byte {at} = 0x{value:X2}; ");
            bytes[at] = value;
        }
    }

    /// <summary>A plausible-looking but wrong number in one of the numeric header fields.</summary>
    private static void OverwriteNumberField(Random random, Original original, byte[] bytes, StringBuilder damage)
    {
        var signals = original.Recording.Header.Signals.Count;
        (int Offset, int Width)[] fields =
        [
            (EdfLayout.HeaderBytes, 8), (EdfLayout.RecordCount, 8), (EdfLayout.RecordDuration, 8), (EdfLayout.SignalCount, 4),
            (EdfLayout.StartDate, 8), (EdfLayout.StartDate + 8, 8),
            .. new[] { EdfLayout.SignalField.PhysicalMinimum, EdfLayout.SignalField.PhysicalMaximum, EdfLayout.SignalField.DigitalMinimum, EdfLayout.SignalField.DigitalMaximum, EdfLayout.SignalField.SamplesPerRecord }
                .SelectMany(f => Enumerable.Range(0, signals).Select(s => (EdfLayout.Offset(signals, f, s), EdfLayout.Width(f)))),
        ];
        var (offset, width) = fields[random.Next(fields.Length)];
        var text = NumberTexts[random.Next(NumberTexts.Length)];
        if (text.Length > width)
        {
            text = text[..width];
        }

        damage.Append(CultureInfo.InvariantCulture, $"field at byte {offset} = '{text}'; ");
        Encoding.Latin1.GetBytes(text.PadRight(width)).CopyTo(bytes, offset);
    }

    private static byte[] SmallFile(EdfFormat format) => Bytes(Small(format, 3));

    private static EdfFormatException ReadFails(byte[] bytes, string origin)
    {
        var exception = Assert.Throws<EdfFormatException>(() => Read(bytes, origin))!;
        Assert.That(exception.Message, Does.Contain(origin), "the message names the file");
        return exception;
    }

    [TestCaseSource(nameof(Formats))]
    public void A_wrong_version_byte_is_reported_as_the_version_field_at_byte_0(EdfFormat format)
    {
        var bytes = SmallFile(format);
        bytes[0] = (byte)'X';

        var e = ReadFails(bytes, "bad-version.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Field, Is.EqualTo("version"));
            Assert.That(e.ByteOffset, Is.Zero);
            Assert.That(e.Message, Does.Contain("version").And.Contain("byte 0"));
        }
    }

    [Test]
    public void A_BDF_identification_other_than_BIOSEMI_is_reported_as_the_version_field()
    {
        var bytes = SmallFile(EdfFormat.Bdf);
        Encoding.ASCII.GetBytes("BIOSEMX").CopyTo(bytes, 1);

        var e = ReadFails(bytes, "bad-biosemi.bdf");

        Assert.That(e.Field, Is.EqualTo("version"));
    }

    [TestCaseSource(nameof(Formats))]
    public void A_header_size_that_disagrees_with_the_signal_count_is_reported_as_the_header_bytes_field(EdfFormat format)
    {
        var bytes = SmallFile(format);
        Overwrite(bytes, EdfLayout.HeaderBytes, 8, "1536");

        var e = ReadFails(bytes, "bad-header-bytes.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Field, Does.Contain("header").IgnoreCase);
            Assert.That(e.ByteOffset, Is.EqualTo(EdfLayout.HeaderBytes));
            Assert.That(e.Message, Does.Contain("byte 184"));
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void A_digital_minimum_not_below_the_maximum_is_reported_with_the_signal_label(EdfFormat format)
    {
        var bytes = SmallFile(format);
        var offset = EdfLayout.Offset(4, EdfLayout.SignalField.DigitalMinimum, 1);
        Assert.That(Ascii(bytes, offset, 8).Trim(), Is.EqualTo("-2048"), "test set-up: C3..'s digital minimum");
        Overwrite(bytes, offset, 8, "2047");

        var e = ReadFails(bytes, "bad-digital-range.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Message, Does.Contain("C3.."));
            Assert.That(e.Field, Does.Contain("digital").IgnoreCase);
            Assert.That(e.ByteOffset, Is.EqualTo(offset).Or.EqualTo(EdfLayout.Offset(4, EdfLayout.SignalField.DigitalMaximum, 1)));
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void A_time_keeping_TAL_onset_without_its_sign_is_reported_as_a_broken_annotation(EdfFormat format)
    {
        var bytes = SmallFile(format);
        var recording = Read(bytes, "original");
        var (start, length) = EdfLayout.AnnotationBytes(recording, 0);
        Assert.That((char)bytes[start], Is.EqualTo('+'), "test set-up: a TAL onset starts with its sign");
        bytes[start] = (byte)'1';

        var e = ReadFails(bytes, "bad-tal.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.Message, Does.Contain("annotation").IgnoreCase);
            Assert.That(e.ByteOffset, Is.InRange(start, start + length - 1), "the offset points into the broken annotation bytes");
        }
    }

    [TestCaseSource(nameof(Formats))]
    public void An_event_TAL_onset_without_its_sign_is_reported_as_a_broken_annotation(EdfFormat format)
    {
        var bytes = SmallFile(format);
        var text = bytes.AsSpan().IndexOf("cue left"u8);
        Assert.That(text, Is.GreaterThan(0), "test set-up: the annotation text is in the file");
        var tal = bytes.AsSpan(0, text).LastIndexOf((byte)0) + 1;
        Assert.That((char)bytes[tal], Is.EqualTo('+'), "test set-up: the TAL of 'cue left' starts with its onset's sign");
        bytes[tal] = (byte)'0';

        var e = ReadFails(bytes, "bad-event-tal.edf");

        Assert.That(e.Message, Does.Contain("annotation").IgnoreCase);
    }

    [TestCaseSource(nameof(Formats))]
    public void A_TAL_without_its_terminating_zero_byte_is_reported_as_a_broken_annotation(EdfFormat format)
    {
        var bytes = SmallFile(format);
        var recording = Read(bytes, "original");
        var (start, length) = EdfLayout.AnnotationBytes(recording, 1);
        bytes.AsSpan(start, length).Fill((byte)'x');
        Encoding.ASCII.GetBytes("+0.5\u0014\u0014").CopyTo(bytes, start);

        var e = ReadFails(bytes, "unterminated-tal.edf");

        Assert.That(e.Message, Does.Contain("annotation").IgnoreCase);
    }

    [TestCase(EdfLayout.RecordCount, 8, "many")]
    [TestCase(EdfLayout.RecordDuration, 8, "abc")]
    [TestCase(EdfLayout.RecordDuration, 8, "-1")]
    [TestCase(EdfLayout.SignalCount, 4, "x3")]
    [TestCase(EdfLayout.StartDate, 8, "32.13.09")]
    [TestCase(EdfLayout.StartDate + 8, 8, "25.61.00")]
    public void A_malformed_fixed_header_field_is_reported_at_its_byte_offset(int offset, int width, string text)
    {
        var bytes = SmallFile(EdfFormat.Edf);
        Overwrite(bytes, offset, width, text);

        var e = ReadFails(bytes, "bad-field.edf");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(e.ByteOffset, Is.EqualTo(offset));
            Assert.That(e.Field, Is.Not.Empty);
            Assert.That(e.Message, Does.Contain(e.Field).And.Contain($"byte {offset}"));
        }
    }

    [TestCase("-5")]
    [TestCase("lots")]
    [TestCase("99999999")]
    public void A_malformed_samples_per_record_field_is_reported_at_its_byte_offset(string text)
    {
        var bytes = SmallFile(EdfFormat.Edf);
        var offset = EdfLayout.Offset(4, EdfLayout.SignalField.SamplesPerRecord, 0);
        Overwrite(bytes, offset, 8, text);

        var e = ReadFails(bytes, "bad-samples.edf");

        Assert.That(e.ByteOffset, Is.EqualTo(offset).Or.EqualTo(EdfLayout.RecordCount), "the field itself, or the record count the file can no longer hold");
    }

    [TestCaseSource(nameof(Formats))]
    public void A_file_holding_fewer_records_than_its_header_says_is_rejected(EdfFormat format)
    {
        var bytes = SmallFile(format);
        var recording = Read(bytes, "original");
        var oneAndAHalfRecords = EdfLayout.FileLength(recording, 1) + ((EdfLayout.FileLength(recording, 1) - EdfLayout.FileLength(recording, 0)) / 2);

        ReadFails(bytes[..oneAndAHalfRecords], "short.edf");
        ReadFails(bytes[..EdfLayout.FileLength(recording, 2)], "one-record-short.edf");
    }

    [TestCase(0)]
    [TestCase(100)]
    [TestCase(255)]
    [TestCase(700)]
    public void A_file_cut_inside_its_header_is_rejected(int length)
    {
        var bytes = SmallFile(EdfFormat.Edf)[..length];

        Assert.That(() => Read(bytes, "cut-header.edf"), Throws.InstanceOf<RecordingFormatException>().With.Message.Contains("cut-header.edf"));
    }

    [Test]
    public void Reading_a_missing_file_path_names_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"edgebci-missing-{Guid.NewGuid():N}.edf");

        Assert.That(() => EdfReader.Read(path), Throws.InstanceOf<IOException>().With.Message.Contains(path));
    }
}
