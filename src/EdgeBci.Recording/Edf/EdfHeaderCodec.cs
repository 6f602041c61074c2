using System.Globalization;
using System.Text;

namespace EdgeBci.Recording;

/// <summary>
/// The byte layout of the EDF header: a 256-byte fixed part, then 256 bytes per signal stored field by field
/// (all labels, then all transducer types, ...). Text is ASCII padded with spaces; Latin-1 keeps any stray byte a
/// file holds so a read-then-write reproduces it.
/// </summary>
internal static class EdfHeaderCodec
{
    public const int VersionOffset = 0;
    public const int PatientOffset = 8;
    public const int RecordingOffset = 88;
    public const int StartDateOffset = 168;
    public const int StartTimeOffset = 176;
    public const int HeaderBytesOffset = 184;
    public const int ReservedOffset = 192;
    public const int RecordCountOffset = 236;
    public const int DurationOffset = 244;
    public const int SignalCountOffset = 252;

    /// <summary>Per-signal fields: name, width, and offset (in units of signal count) from byte 256.</summary>
    public static readonly (string Name, int Width, int Start)[] SignalFields =
    [
        ("label", 16, 0),
        ("transducer type", 80, 16),
        ("physical dimension", 8, 96),
        ("physical minimum", 8, 104),
        ("physical maximum", 8, 112),
        ("digital minimum", 8, 120),
        ("digital maximum", 8, 128),
        ("prefiltering", 80, 136),
        ("samples per record", 8, 216),
        ("reserved", 32, 224),
    ];

    private static readonly byte[] BdfVersion = [0xFF, (byte)'B', (byte)'I', (byte)'O', (byte)'S', (byte)'E', (byte)'M', (byte)'I'];

    public static byte[] Encode(EdfHeader header, long recordCount)
    {
        var signals = header.Signals;
        var count = signals.Count;
        var bytes = new byte[EdfHeader.FixedBytes + (EdfHeader.BytesPerSignal * count)];
        bytes.AsSpan().Fill((byte)' ');
        if (header.Format == EdfFormat.Bdf)
        {
            BdfVersion.CopyTo(bytes, VersionOffset);
        }
        else
        {
            bytes[VersionOffset] = (byte)'0';
        }

        Text(bytes, PatientOffset, 80, header.PatientId, "patient identification");
        Text(bytes, RecordingOffset, 80, header.RecordingId, "recording identification");
        var start = header.StartDateTime;
        Text(bytes, StartDateOffset, 8, StartDateField(header), "start date");
        Text(bytes, StartTimeOffset, 8, start.ToString("HH.mm.ss", CultureInfo.InvariantCulture), "start time");
        Text(bytes, HeaderBytesOffset, 8, Integer(bytes.Length), "header bytes");
        Text(bytes, ReservedOffset, 44, header.Reserved, "reserved");
        Text(bytes, RecordCountOffset, 8, Integer(recordCount), "data record count");
        Text(bytes, DurationOffset, 8, Number(header.RecordDuration, "record duration"), "record duration");
        Text(bytes, SignalCountOffset, 4, Integer(count), "signal count");
        for (var i = 0; i < count; i++)
        {
            var signal = signals[i];
            var fieldValues = new[]
            {
                signal.Label,
                signal.TransducerType,
                signal.PhysicalDimension,
                Number(signal.PhysicalMinimum, $"signal {i + 1} physical minimum"),
                Number(signal.PhysicalMaximum, $"signal {i + 1} physical maximum"),
                Integer(signal.DigitalMinimum),
                Integer(signal.DigitalMaximum),
                signal.Prefiltering,
                Integer(signal.SamplesPerRecord),
                signal.Reserved,
            };
            for (var f = 0; f < SignalFields.Length; f++)
            {
                var (name, width, _) = SignalFields[f];
                Text(bytes, SignalFieldOffset(f, i, count), width, fieldValues[f], $"signal {i + 1} ({signal.Label.Trim()}) {name}");
            }
        }

        return bytes;
    }

    /// <summary>
    /// The "Startdate dd-MMM-yyyy" an EDF+ recording identification begins with: the full date, which EDF+ makes the
    /// only date of a file whose year the two-digit start date field cannot hold.
    /// </summary>
    public static string PlusStartDate(DateTime start) => "Startdate " + start.ToString("dd-MMM-yyyy", CultureInfo.InvariantCulture).ToUpperInvariant();

    /// <summary>The 8-character start date: dd.mm.yy for 1985..2084; outside that window EDF+'s "dd.mm.yy" with a literal "yy".</summary>
    private static string StartDateField(EdfHeader header)
    {
        var start = header.StartDateTime;
        if (start.Year is >= 1985 and <= 2084)
        {
            return start.ToString("dd.MM.yy", CultureInfo.InvariantCulture);
        }

        // A two-digit year would read back a century off; EDF+ keeps the date in the recording identification instead.
        var full = PlusStartDate(start);
        if (!header.IsPlus || !header.RecordingId.StartsWith(full, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"EDF header field 'start date': {start:yyyy-MM-dd} is outside 1985..2084, the years a two-digit EDF year can hold; an EDF+ file can keep it only if its recording identification starts with '{full}'.");
        }

        return start.ToString("dd.MM", CultureInfo.InvariantCulture) + ".yy";
    }

    /// <summary>
    /// The number nearest <paramref name="value"/> on the side <paramref name="upward"/> names that EDF's 8-character
    /// fields store exactly: physical limits are widened to it, so every sample stays inside the range.
    /// </summary>
    public static double StorableOutward(double value, bool upward, string field)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"EDF header field '{field}' must be a finite number, not {value}.");
        }

        for (var decimals = 7; decimals >= 0; decimals--)
        {
            var scale = Math.Pow(10, decimals);
            var scaled = value * scale;
            var rounded = (upward ? Math.Ceiling(scaled - (Math.Abs(scaled) * 1e-15)) : Math.Floor(scaled + (Math.Abs(scaled) * 1e-15))) / scale;
            var text = rounded.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
            if (text.Length > 8)
            {
                continue;
            }

            var stored = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (upward ? stored >= value : stored <= value)
            {
                return stored;
            }
        }

        throw new ArgumentException($"EDF header field '{field}' = {value.ToString("R", CultureInfo.InvariantCulture)} has more than 8 digits before the decimal point.");
    }

    public static int SignalFieldOffset(int field, int signal, int signalCount)
    {
        var (_, width, start) = SignalFields[field];
        return EdfHeader.FixedBytes + (start * signalCount) + (width * signal);
    }

    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The shortest invariant text of a number that fits EDF's 8 characters.</summary>
    public static string Number(double value, string field)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"EDF header field '{field}' must be a finite number, not {value}.");
        }

        var text = value.ToString("R", CultureInfo.InvariantCulture);
        for (var decimals = 7; text.Length > 8 && decimals >= 0; decimals--)
        {
            text = value.ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
        }

        if (text.Length > 8 || text.Contains('E', StringComparison.OrdinalIgnoreCase)
            || double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture) != value)
        {
            // Rounding it silently would make the file's scaling differ from the recording in memory.
            throw new ArgumentException($"EDF header field '{field}' = {value.ToString("R", CultureInfo.InvariantCulture)} cannot be stored exactly in 8 characters.");
        }

        return text;
    }

    private static void Text(byte[] bytes, int offset, int width, string value, string field)
    {
        if (value.Length > width)
        {
            throw new ArgumentException($"EDF header field '{field}' is {value.Length} characters; the format allows {width}: '{value}'.");
        }

        foreach (var c in value)
        {
            if (c > 0xFF)
            {
                throw new ArgumentException($"EDF header field '{field}' holds '{c}', which is not an 8-bit character: '{value}'.");
            }
        }

        Encoding.Latin1.GetBytes(value, bytes.AsSpan(offset, width));
    }
}
