using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EdgeBci.Web.Store;

/// <summary>
/// Times as fixed-width UTC text (2025-03-01T09:30:00.0000000Z): readable with the sqlite3 shell, and ordered as text
/// the way they are ordered in time, so ORDER BY and comparisons work on the column itself.
/// </summary>
internal static class StoredTime
{
    private const string Layout = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString(Layout, CultureInfo.InvariantCulture);

    public static object FormatOrNull(DateTimeOffset? time) => time is { } value ? Format(value) : DBNull.Value;

    public static DateTimeOffset Parse(string text) =>
        new(DateTime.ParseExact(text, Layout, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);

    public static DateTimeOffset Get(SqliteDataReader reader, int column) => Parse(reader.GetString(column));

    public static DateTimeOffset? GetOrNull(SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : Get(reader, column);
}
