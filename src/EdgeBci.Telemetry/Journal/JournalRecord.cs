using System.Buffers.Binary;
using System.Globalization;

namespace EdgeBci.Telemetry.Journal;

/// <summary>
/// The on-disk record: <c>[u32 length][u32 crc32(position+payload)][i64 position][payload: event JSON]</c>, and the
/// segment file name <c>seg-&lt;firstPosition&gt;.log</c>. One contract: the writer encodes and the recovery scanner
/// checks with these same methods.
/// </summary>
internal static class JournalRecord
{
    public const int HeaderBytes = 16;

    public const int MaxPayloadBytes = 64 * 1024;

    public const string SegmentPrefix = "seg-";

    public const string SegmentSuffix = ".log";

    public static byte[] Encode(long position, ReadOnlySpan<byte> payload)
    {
        var record = new byte[HeaderBytes + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)payload.Length);
        BinaryPrimitives.WriteInt64LittleEndian(record.AsSpan(8), position);
        payload.CopyTo(record.AsSpan(HeaderBytes));
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.Compute(record.AsSpan(8)));
        return record;
    }

    /// <summary>
    /// Checks the record at <paramref name="offset"/>: null when it is whole and its CRC holds (then
    /// <paramref name="position"/> and <paramref name="payloadLength"/> are set), otherwise what is wrong with it.
    /// <paramref name="incomplete"/> tells a record cut short by the end of the bytes (an interrupted append) from one
    /// whose bytes are there but wrong.
    /// </summary>
    public static string? Check(ReadOnlySpan<byte> bytes, int offset, out long position, out int payloadLength, out bool incomplete)
    {
        position = 0;
        payloadLength = 0;
        incomplete = false;
        var remaining = bytes.Length - offset;
        if (remaining < HeaderBytes)
        {
            incomplete = true;
            return $"a torn record header ({remaining} of {HeaderBytes} bytes)";
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
        if (length > MaxPayloadBytes)
        {
            return $"a record length of {length} bytes (more than {MaxPayloadBytes})";
        }

        if (remaining < HeaderBytes + (int)length)
        {
            incomplete = true;
            return $"a torn record ({remaining} of {HeaderBytes + length} bytes)";
        }

        var crc = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(offset + 4)..]);
        if (Crc32.Compute(bytes.Slice(offset + 8, 8 + (int)length)) != crc)
        {
            return "a record that fails its CRC";
        }

        position = BinaryPrimitives.ReadInt64LittleEndian(bytes[(offset + 8)..]);
        payloadLength = (int)length;
        return null;
    }

    /// <summary>
    /// Cheap tests a candidate record header must pass before its CRC is computed while resynchronising: a plausible
    /// length that fits, a position in the expected range, and a payload that starts as a JSON object.
    /// </summary>
    public static bool LooksLikeHeader(ReadOnlySpan<byte> bytes, int offset, long after, long atMost)
    {
        if (bytes.Length - offset < HeaderBytes + 2)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
        if (length < 2 || length > MaxPayloadBytes || bytes.Length - offset - HeaderBytes < length)
        {
            return false;
        }

        var position = BinaryPrimitives.ReadInt64LittleEndian(bytes[(offset + 8)..]);
        return position > after && position <= atMost && bytes[offset + HeaderBytes] == (byte)'{';
    }

    public static string SegmentName(long firstPosition) =>
        $"{SegmentPrefix}{firstPosition.ToString("D19", CultureInfo.InvariantCulture)}{SegmentSuffix}";

    /// <summary>The first position a segment's name promises, or 0 when the name is not one the journal wrote.</summary>
    public static long FirstPositionOf(string fileName)
    {
        var digits = fileName.Length == SegmentPrefix.Length + 19 + SegmentSuffix.Length ? fileName.AsSpan(SegmentPrefix.Length, 19) : default;
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var position) ? position : 0;
    }
}
