using System.Globalization;
using System.Text;

namespace EdgeBci.Recording;

/// <summary>
/// Reads EDF, EDF+, BDF and BDF+ files. Every field is checked; a malformed file gets an
/// <see cref="EdfFormatException"/> naming the field and its byte offset, never another exception.
/// </summary>
public static class EdfReader
{
    private const int MaximumSignals = 4096;
    private const int MaximumSamplesPerRecord = 1 << 24;

    public static EdfRecording Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllBytes(path), path);
    }

    public static EdfRecording Read(Stream stream, string origin)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return Parse(copy.ToArray(), origin);
    }

    /// <summary>True when the bytes start like an EDF or BDF file.</summary>
    public static bool LooksLikeEdf(ReadOnlySpan<byte> start) =>
        start.Length >= 8 && (start[..8].SequenceEqual("0       "u8) || (start[0] == 0xFF && start[1..8].SequenceEqual("BIOSEMI"u8)));

    internal static EdfRecording Parse(byte[] data, string origin)
    {
        var fields = new FieldReader(data, origin);
        if (data.Length < EdfHeader.FixedBytes)
        {
            throw new EdfFormatException(origin, "header", data.Length, $"the file is {data.Length} bytes; an EDF header alone is {EdfHeader.FixedBytes}");
        }

        EdfFormat format;
        if (data.AsSpan(0, 8).SequenceEqual("0       "u8))
        {
            format = EdfFormat.Edf;
        }
        else if (data[0] == 0xFF && data.AsSpan(1, 7).SequenceEqual("BIOSEMI"u8))
        {
            format = EdfFormat.Bdf;
        }
        else
        {
            throw new EdfFormatException(origin, "version", 0, $"'{PrintableText.From(data.AsSpan(0, 8))}' is neither EDF ('0') nor BDF (0xFF 'BIOSEMI')");
        }

        var patient = fields.Text(EdfHeaderCodec.PatientOffset, 80);
        var recordingId = fields.Text(EdfHeaderCodec.RecordingOffset, 80);
        var start = fields.StartDateTime(recordingId);
        var headerBytes = fields.Integer(EdfHeaderCodec.HeaderBytesOffset, 8, "header bytes");
        var reserved = fields.Text(EdfHeaderCodec.ReservedOffset, 44).TrimEnd();
        var recordCount = fields.Integer(EdfHeaderCodec.RecordCountOffset, 8, "data record count");
        var duration = fields.Number(EdfHeaderCodec.DurationOffset, 8, "record duration");
        var signalCount = fields.Integer(EdfHeaderCodec.SignalCountOffset, 4, "signal count");
        if (signalCount is < 1 or > MaximumSignals)
        {
            throw new EdfFormatException(origin, "signal count", EdfHeaderCodec.SignalCountOffset, $"{signalCount} signals; expected 1..{MaximumSignals}");
        }

        var expectedHeaderBytes = EdfHeader.FixedBytes + (EdfHeader.BytesPerSignal * (int)signalCount);
        if (headerBytes != expectedHeaderBytes)
        {
            throw new EdfFormatException(origin, "header bytes", EdfHeaderCodec.HeaderBytesOffset, $"says {headerBytes}; {signalCount} signals need {expectedHeaderBytes}");
        }

        if (data.Length < expectedHeaderBytes)
        {
            throw new EdfFormatException(origin, "signal headers", data.Length, $"the file ends inside the signal headers ({expectedHeaderBytes} bytes expected)");
        }

        if (recordCount < -1)
        {
            throw new EdfFormatException(origin, "data record count", EdfHeaderCodec.RecordCountOffset, $"{recordCount} is not a record count (-1 means not yet closed)");
        }

        if (!(duration > 0))
        {
            throw new EdfFormatException(origin, "record duration", EdfHeaderCodec.DurationOffset, $"{duration.ToString(CultureInfo.InvariantCulture)} s; a data record must last a positive time");
        }

        var signals = ReadSignalHeaders(fields, format, (int)signalCount);
        var header = new EdfHeader
        {
            Format = format,
            PatientId = patient.TrimEnd(),
            RecordingId = recordingId.TrimEnd(),
            StartDateTime = start,
            Reserved = reserved,
            DataRecordCount = recordCount,
            RecordDuration = duration,
            Signals = signals,
        };

        var recordBytes = header.RecordBytes;
        var available = (data.Length - expectedHeaderBytes) / recordBytes;
        long records;
        if (recordCount == -1)
        {
            records = available; // left open by a writer that lost power: every complete record counts
        }
        else
        {
            var expectedLength = expectedHeaderBytes + (recordCount * recordBytes);
            if (data.Length < expectedLength)
            {
                throw new EdfFormatException(origin, "data record count", EdfHeaderCodec.RecordCountOffset,
                    $"the header says {recordCount} data records of {recordBytes} bytes, but the file ends at byte {data.Length}, inside record {available + 1}");
            }

            if (data.Length > expectedLength)
            {
                throw new EdfFormatException(origin, "data record count", EdfHeaderCodec.RecordCountOffset,
                    $"the header says {recordCount} data records, but {data.Length - expectedLength} more bytes follow the last one at byte {expectedLength}");
            }

            records = recordCount;
        }

        return ReadRecords(data, origin, header, expectedHeaderBytes, (int)records);
    }

    private static List<EdfSignalHeader> ReadSignalHeaders(FieldReader fields, EdfFormat format, int count)
    {
        var signals = new List<EdfSignalHeader>(count);
        for (var i = 0; i < count; i++)
        {
            int Offset(int field) => EdfHeaderCodec.SignalFieldOffset(field, i, count);
            var label = fields.Text(Offset(0), 16).TrimEnd();
            var name = $"signal {i + 1} ({label})";
            var signal = new EdfSignalHeader
            {
                Label = label,
                TransducerType = fields.Text(Offset(1), 80).TrimEnd(),
                PhysicalDimension = fields.Text(Offset(2), 8).TrimEnd(),
                PhysicalMinimum = fields.Number(Offset(3), 8, $"{name} physical minimum"),
                PhysicalMaximum = fields.Number(Offset(4), 8, $"{name} physical maximum"),
                DigitalMinimum = (int)fields.Integer(Offset(5), 8, $"{name} digital minimum"),
                DigitalMaximum = (int)fields.Integer(Offset(6), 8, $"{name} digital maximum"),
                Prefiltering = fields.Text(Offset(7), 80).TrimEnd(),
                SamplesPerRecord = (int)Math.Clamp(fields.Integer(Offset(8), 8, $"{name} samples per record"), -1, int.MaxValue),
                Reserved = fields.Text(Offset(9), 32).TrimEnd(),
            };

            if (signal.DigitalMinimum < format.DigitalLimitMinimum() || signal.DigitalMaximum > format.DigitalLimitMaximum())
            {
                throw new EdfFormatException(fields.Origin, $"{name} digital minimum", Offset(5),
                    $"digital range {signal.DigitalMinimum}..{signal.DigitalMaximum} exceeds the {format} sample range {format.DigitalLimitMinimum()}..{format.DigitalLimitMaximum()}");
            }

            if (signal.DigitalMinimum >= signal.DigitalMaximum)
            {
                throw new EdfFormatException(fields.Origin, $"{name} digital minimum", Offset(5),
                    $"digital minimum {signal.DigitalMinimum} must be below the digital maximum {signal.DigitalMaximum}");
            }

            if (signal.PhysicalMinimum == signal.PhysicalMaximum)
            {
                throw new EdfFormatException(fields.Origin, $"{name} physical minimum", Offset(3),
                    $"physical minimum and maximum are both {signal.PhysicalMinimum}; the scaling is undefined");
            }

            if (signal.SamplesPerRecord is < 1 or > MaximumSamplesPerRecord)
            {
                throw new EdfFormatException(fields.Origin, $"{name} samples per record", Offset(8),
                    $"{signal.SamplesPerRecord} samples per data record; expected 1..{MaximumSamplesPerRecord}");
            }

            signals.Add(signal);
        }

        return signals;
    }

    private static EdfRecording ReadRecords(byte[] data, string origin, EdfHeader header, int headerBytes, int records)
    {
        var signals = header.Signals;
        var bytesPerSample = header.Format.BytesPerSample();
        var recordBytes = (int)header.RecordBytes;
        var samples = new int[signals.Count][];
        for (var s = 0; s < signals.Count; s++)
        {
            samples[s] = new int[(long)records * signals[s].SamplesPerRecord];
        }

        var annotations = new List<EdfAnnotation>();
        var onsets = new double[records];
        var firstAnnotationSignal = -1;
        for (var s = 0; s < signals.Count; s++)
        {
            if (signals[s].IsAnnotation)
            {
                firstAnnotationSignal = s;
                break;
            }
        }

        for (var r = 0; r < records; r++)
        {
            var recordStart = headerBytes + ((long)r * recordBytes);
            var offset = recordStart;
            onsets[r] = r * header.RecordDuration;
            for (var s = 0; s < signals.Count; s++)
            {
                var count = signals[s].SamplesPerRecord;
                var bytes = data.AsSpan((int)offset, count * bytesPerSample);
                SampleCodec.Decode(bytes, bytesPerSample, samples[s].AsSpan(r * count, count));
                if (signals[s].IsAnnotation)
                {
                    var where = new AnnotationLocation(origin, s + 1, r + 1);
                    var recordOnset = TimeStampedAnnotationList.Parse(bytes, offset, where, annotations);
                    if (s == firstAnnotationSignal && header.IsPlus)
                    {
                        if (double.IsNaN(recordOnset))
                        {
                            throw new EdfFormatException(origin, where.Field, offset, "an EDF+ data record must start with a time-keeping annotation");
                        }

                        onsets[r] = recordOnset;
                    }
                }

                offset += bytes.Length;
            }
        }

        return new EdfRecording(header, samples, records, annotations, onsets);
    }

    private sealed class FieldReader(byte[] data, string origin)
    {
        public string Origin { get; } = origin;

        public string Text(int offset, int width) => Encoding.Latin1.GetString(data, offset, width);

        public long Integer(int offset, int width, string field)
        {
            var text = Text(offset, width).Trim();
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            {
                throw new EdfFormatException(Origin, field, offset, $"'{PrintableText.From(data.AsSpan(offset, width))}' is not an integer");
            }

            return value;
        }

        public double Number(int offset, int width, string field)
        {
            var text = Text(offset, width).Trim();
            if (!double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                || !double.IsFinite(value))
            {
                throw new EdfFormatException(Origin, field, offset, $"'{PrintableText.From(data.AsSpan(offset, width))}' is not a number");
            }

            return value;
        }

        public DateTime StartDateTime(string recordingId)
        {
            var date = Text(EdfHeaderCodec.StartDateOffset, 8);
            var time = Text(EdfHeaderCodec.StartTimeOffset, 8);
            var yearOutsideWindow = date.EndsWith(".yy", StringComparison.Ordinal);
            if (!TryTriple(yearOutsideWindow ? date[..6] + "00" : date, out var day, out var month, out var year))
            {
                throw new EdfFormatException(Origin, "start date", EdfHeaderCodec.StartDateOffset, $"'{PrintableText.From(data.AsSpan(EdfHeaderCodec.StartDateOffset, 8))}' is not dd.mm.yy");
            }

            if (!TryTriple(time, out var hour, out var minute, out var second) || hour > 23 || minute > 59 || second > 59)
            {
                throw new EdfFormatException(Origin, "start time", EdfHeaderCodec.StartTimeOffset, $"'{PrintableText.From(data.AsSpan(EdfHeaderCodec.StartTimeOffset, 8))}' is not hh.mm.ss");
            }

            // EDF's two-digit year: 85..99 are 1985..1999, 00..84 are 2000..2084; EDF+'s literal "yy" leaves the year
            // to the recording identification's "Startdate dd-MMM-yyyy".
            var fullYear = yearOutsideWindow ? PlusYear(recordingId, day, month) : year >= 85 ? 1900 + year : 2000 + year;
            if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(fullYear, month))
            {
                throw new EdfFormatException(Origin, "start date", EdfHeaderCodec.StartDateOffset, $"'{date}' is not a calendar date");
            }

            return new DateTime(fullYear, month, day, hour, minute, second, DateTimeKind.Unspecified);
        }

        private int PlusYear(string recordingId, int day, int month)
        {
            if (recordingId.Length >= 21 && recordingId.StartsWith("Startdate ", StringComparison.Ordinal)
                && DateTime.TryParseExact(recordingId.AsSpan(10, 11), "dd-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var full)
                && full.Day == day && full.Month == month)
            {
                return full.Year;
            }

            throw new EdfFormatException(Origin, "start date", EdfHeaderCodec.StartDateOffset,
                $"the year is 'yy' but the recording identification '{recordingId.TrimEnd()}' does not start with 'Startdate {day:00}-MMM-yyyy' for that day");
        }

        private static bool TryTriple(string text, out int a, out int b, out int c)
        {
            a = b = c = 0;
            if (text.Length != 8 || text[2] != '.' || text[5] != '.')
            {
                return false;
            }

            return TwoDigits(text, 0, out a) && TwoDigits(text, 3, out b) && TwoDigits(text, 6, out c);
        }

        private static bool TwoDigits(string text, int index, out int value)
        {
            value = 0;
            if (!char.IsAsciiDigit(text[index]) || !char.IsAsciiDigit(text[index + 1]))
            {
                return false;
            }

            value = ((text[index] - '0') * 10) + (text[index + 1] - '0');
            return true;
        }
    }
}
