using Microsoft.Data.Sqlite;

namespace EdgeBci.Web.Store;

internal static class SqliteParameters
{
    /// <summary>Adds a parameter that may be null (stored as SQL NULL, which AddWithValue refuses).</summary>
    public static void AddNullable(this SqliteParameterCollection parameters, string name, object? value) =>
        parameters.AddWithValue(name, value ?? DBNull.Value);

    public static double? GetDoubleOrNull(this SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetDouble(column);

    public static string? GetStringOrNull(this SqliteDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
}
