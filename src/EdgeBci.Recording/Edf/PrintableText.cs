using System.Text;

namespace EdgeBci.Recording;

/// <summary>Bytes from a damaged file, shown in an error message without control characters.</summary>
internal static class PrintableText
{
    public static string From(ReadOnlySpan<byte> bytes)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        }

        return builder.ToString().TrimEnd();
    }
}
