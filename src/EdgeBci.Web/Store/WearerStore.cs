using Microsoft.Data.Sqlite;

namespace EdgeBci.Web.Store;

/// <summary>The wearers the camp knows. The id is the wearer's folder name on the unit; callers validate it (WearerFolder.ValidateId).</summary>
public sealed class WearerStore
{
    private const string Columns = "id, display_name, created";

    private readonly CampDatabase _database;

    internal WearerStore(CampDatabase database) => _database = database;

    /// <summary>The wearer <paramref name="id"/>, added now with <paramref name="displayName"/> when new; an existing wearer is returned unchanged.</summary>
    public WearerRecord Ensure(string id, string displayName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(displayName);
        return _database.Write($"adding wearer '{id}'", (connection, transaction) =>
        {
            Insert(connection, transaction, id, displayName, DateTimeOffset.UtcNow);
            return Find(connection, transaction, id)!;
        });
    }

    public WearerRecord? Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _database.Read($"reading wearer '{id}'", connection => Find(connection, null, id));
    }

    /// <summary>Every wearer, oldest first.</summary>
    public IReadOnlyList<WearerRecord> List() => _database.Read("listing wearers", connection =>
    {
        using var query = CampDatabase.Command(connection, null, $"SELECT {Columns} FROM wearers ORDER BY created, id;");
        using var reader = query.ExecuteReader();
        var wearers = new List<WearerRecord>();
        while (reader.Read())
        {
            wearers.Add(Map(reader));
        }

        return wearers;
    });

    /// <summary>
    /// Adds the wearer unless known. Records of a wearer calibrated before the page knew them (<c>edgebci calibrate</c>)
    /// add the wearer under their id, so no record is refused for a missing name.
    /// </summary>
    internal static void Insert(SqliteConnection connection, SqliteTransaction transaction, string id, string displayName, DateTimeOffset created)
    {
        using var insert = CampDatabase.Command(connection, transaction,
            "INSERT INTO wearers (id, display_name, created) VALUES ($id, $name, $created) ON CONFLICT (id) DO NOTHING;");
        insert.Parameters.AddWithValue("$id", id);
        insert.Parameters.AddWithValue("$name", displayName);
        insert.Parameters.AddWithValue("$created", StoredTime.Format(created));
        insert.ExecuteNonQuery();
    }

    private static WearerRecord? Find(SqliteConnection connection, SqliteTransaction? transaction, string id)
    {
        using var query = CampDatabase.Command(connection, transaction, $"SELECT {Columns} FROM wearers WHERE id = $id;");
        query.Parameters.AddWithValue("$id", id);
        using var reader = query.ExecuteReader();
        return reader.Read() ? Map(reader) : null;
    }

    private static WearerRecord Map(SqliteDataReader reader) => new(reader.GetString(0), reader.GetString(1), StoredTime.Get(reader, 2));
}
