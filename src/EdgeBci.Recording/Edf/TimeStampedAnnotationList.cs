using System.Globalization;
using System.Text;

namespace EdgeBci.Recording;

/// <summary>
/// EDF+ annotations are stored as Time-stamped Annotation Lists (TALs) in the annotation signal's bytes:
/// "+onset[\x15duration]\x14text\x14[text\x14...]\0". The first TAL of every data record is the record's
/// time-keeping TAL (an empty text) that says when the record starts.
/// </summary>
internal static class TimeStampedAnnotationList
{
    private const byte DurationMark = 0x15;
    private const byte TextEnd = 0x14;
    private const byte TalEnd = 0x00;

    /// <summary>Writes a record's time-keeping TAL; returns the bytes used.</summary>
    public static int EncodeTimeKeeping(double onset, Span<byte> destination)
    {
        var written = EncodeTime(onset, destination);
        destination[written++] = TextEnd;
        destination[written++] = TextEnd;
        destination[written++] = TalEnd;
        return written;
    }

    public static int TimeKeepingLength(double onset) => FormatTime(onset).Length + 3;

    /// <summary>Bytes that <see cref="Encode"/> will use for this annotation.</summary>
    public static int EncodedLength(in EdfAnnotation annotation)
    {
        var length = FormatTime(annotation.Onset).Length + 1 + Encoding.UTF8.GetByteCount(annotation.Text) + 2;
        if (annotation.Duration is { } duration)
        {
            length += 1 + FormatUnsigned(duration).Length;
        }

        return length;
    }

    public static int Encode(in EdfAnnotation annotation, Span<byte> destination)
    {
        var written = EncodeTime(annotation.Onset, destination);
        if (annotation.Duration is { } duration)
        {
            destination[written++] = DurationMark;
            written += Encoding.ASCII.GetBytes(FormatUnsigned(duration), destination[written..]);
        }

        destination[written++] = TextEnd;
        written += Encoding.UTF8.GetBytes(annotation.Text, destination[written..]);
        destination[written++] = TextEnd;
        destination[written++] = TalEnd;
        return written;
    }

    /// <summary>Throws <see cref="ArgumentException"/> for an annotation EDF+ cannot hold.</summary>
    public static void Validate(in EdfAnnotation annotation, string parameterName)
    {
        if (!double.IsFinite(annotation.Onset))
        {
            throw new ArgumentException($"Annotation '{annotation.Text}': onset {annotation.Onset} is not a finite number of seconds.", parameterName);
        }

        if (annotation.Duration is { } duration && (!double.IsFinite(duration) || duration < 0))
        {
            throw new ArgumentException($"Annotation '{annotation.Text}': duration {duration} must be a finite, non-negative number of seconds.", parameterName);
        }

        if (string.IsNullOrEmpty(annotation.Text) || annotation.Text.AsSpan().IndexOfAny('\0', '\x14', '\x15') >= 0)
        {
            throw new ArgumentException($"Annotation at {annotation.Onset} s: text must be non-empty and must not contain the bytes 0x00, 0x14 or 0x15.", parameterName);
        }
    }

    /// <summary>
    /// Parses one data record's annotation bytes. Returns the record's time-keeping onset (NaN if the record has none)
    /// and appends its annotations.
    /// </summary>
    public static double Parse(ReadOnlySpan<byte> bytes, long fileOffset, AnnotationLocation where, List<EdfAnnotation> annotations)
    {
        var recordOnset = double.NaN;
        var first = true;
        var position = 0;
        while (position < bytes.Length)
        {
            if (bytes[position] == TalEnd)
            {
                position++;
                continue;
            }

            var talStart = position;
            var sign = bytes[position];
            if (sign != (byte)'+' && sign != (byte)'-')
            {
                throw Error(where, fileOffset + position, $"a TAL must start with '+' or '-', found byte 0x{sign:X2}");
            }

            var onsetEnd = IndexOfEither(bytes, position + 1, TextEnd, DurationMark);
            if (onsetEnd < 0)
            {
                throw Error(where, fileOffset + talStart, "annotation onset is not terminated");
            }

            var onset = ParseTime(bytes[position..onsetEnd], signed: true, where, fileOffset + position, "onset");
            position = onsetEnd;
            double? duration = null;
            if (bytes[position] == DurationMark)
            {
                var durationEnd = bytes[(position + 1)..].IndexOf(TextEnd);
                if (durationEnd < 0)
                {
                    throw Error(where, fileOffset + position, "annotation duration is not terminated");
                }

                durationEnd += position + 1;
                duration = ParseTime(bytes[(position + 1)..durationEnd], signed: false, where, fileOffset + position + 1, "duration");
                position = durationEnd;
            }

            // position is at the 0x14 that ends onset/duration; texts follow, each ended by 0x14, the TAL by 0x00.
            position++;
            var firstText = true;
            while (true)
            {
                if (position >= bytes.Length)
                {
                    throw Error(where, fileOffset + talStart, "annotation TAL is not terminated by 0x00 within the data record");
                }

                if (bytes[position] == TalEnd)
                {
                    position++;
                    break;
                }

                var textEnd = bytes[position..].IndexOf(TextEnd);
                if (textEnd < 0)
                {
                    throw Error(where, fileOffset + position, "annotation text is not terminated by 0x14");
                }

                var text = bytes.Slice(position, textEnd);
                if (text.IndexOf(TalEnd) >= 0)
                {
                    throw Error(where, fileOffset + position, "annotation text contains a 0x00 byte");
                }

                if (text.IsEmpty)
                {
                    if (first && firstText)
                    {
                        recordOnset = onset;
                    }
                }
                else
                {
                    string decoded;
                    try
                    {
                        decoded = StrictUtf8.GetString(text);
                    }
                    catch (DecoderFallbackException)
                    {
                        throw Error(where, fileOffset + position, "annotation text is not valid UTF-8");
                    }

                    annotations.Add(new EdfAnnotation(onset, duration, decoded));
                }

                firstText = false;
                position += textEnd + 1;
            }

            first = false;
        }

        return recordOnset;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static int IndexOfEither(ReadOnlySpan<byte> bytes, int start, byte a, byte b)
    {
        var index = bytes[start..].IndexOfAny(a, b);
        return index < 0 ? -1 : index + start;
    }

    private static double ParseTime(ReadOnlySpan<byte> text, bool signed, AnnotationLocation where, long offset, string what)
    {
        var digits = signed ? text[1..] : text;
        var dots = 0;
        foreach (var b in digits)
        {
            if (b == (byte)'.')
            {
                dots++;
            }
            else if (b is < (byte)'0' or > (byte)'9')
            {
                throw Error(where, offset, $"annotation {what} '{PrintableText.From(text)}' is not a decimal number of seconds");
            }
        }

        if (digits.IsEmpty || dots > 1 || digits.Length == dots)
        {
            throw Error(where, offset, $"annotation {what} '{PrintableText.From(text)}' is not a decimal number of seconds");
        }

        var value = double.Parse(Encoding.ASCII.GetString(digits), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return signed && text[0] == (byte)'-' ? -value : value;
    }

    private static EdfFormatException Error(AnnotationLocation where, long offset, string problem) => new(where.Origin, where.Field, offset, problem);

    private static int EncodeTime(double onset, Span<byte> destination) => Encoding.ASCII.GetBytes(FormatTime(onset), destination);

    private static string FormatTime(double seconds) => (seconds < 0 ? "-" : "+") + FormatUnsigned(Math.Abs(seconds));

    // EDF+ forbids exponents; nine decimals is well below a sample period at any rate the chip has.
    private static string FormatUnsigned(double seconds) => seconds.ToString("0.#########", CultureInfo.InvariantCulture);
}

/// <summary>
/// Where a TAL sits, for error messages only: the field name is composed when an error needs it, not for every data
/// record read.
/// </summary>
internal readonly record struct AnnotationLocation(string Origin, int Signal, int Record)
{
    public string Field => $"annotation signal {Signal} in data record {Record}";
}
