using Microsoft.Data.Sqlite;

namespace EdgeBci.Web.Store;

/// <summary>Neurofeedback sessions, each saved whole when it ends, with the adapted threshold for the wearer's next one.</summary>
public sealed class FocusSessionStore
{
    private const string Columns =
        "id, wearer_id, started, finished, completed, baseline_low, baseline_high, target_low, target_high, seconds, seconds_in_zone, score, next_target_low";

    private readonly CampDatabase _database;

    internal FocusSessionStore(CampDatabase database) => _database = database;

    /// <summary>Saves an ended session (its wearer added when new); committed to disk before this returns.</summary>
    /// <exception cref="CampDatabaseException">A session with that id exists already (named), or the file cannot be written.</exception>
    public void Save(FocusSessionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.Id);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.WearerId);
        CheckFinite(record);
        _database.Write($"saving focus session '{record.Id}'", (connection, transaction) =>
        {
            WearerStore.Insert(connection, transaction, record.WearerId, record.WearerId, record.Started);
            using var insert = CampDatabase.Command(connection, transaction,
                $"INSERT INTO focus_sessions ({Columns}) VALUES ($id, $wearer, $started, $finished, $completed, $baselineLow, $baselineHigh, $targetLow, $targetHigh, $seconds, $inZone, $score, $nextTargetLow);");
            var parameters = insert.Parameters;
            parameters.AddWithValue("$id", record.Id);
            parameters.AddWithValue("$wearer", record.WearerId);
            parameters.AddWithValue("$started", StoredTime.Format(record.Started));
            parameters.AddWithValue("$finished", StoredTime.FormatOrNull(record.Finished));
            parameters.AddWithValue("$completed", record.Completed);
            parameters.AddWithValue("$baselineLow", record.BaselineLow);
            parameters.AddWithValue("$baselineHigh", record.BaselineHigh);
            parameters.AddWithValue("$targetLow", record.TargetLow);
            parameters.AddWithValue("$targetHigh", record.TargetHigh);
            parameters.AddWithValue("$seconds", record.Seconds);
            parameters.AddWithValue("$inZone", record.SecondsInZone);
            parameters.AddWithValue("$score", record.Score);
            parameters.AddWithValue("$nextTargetLow", record.NextTargetLow);
            insert.ExecuteNonQuery();
            return true;
        });
    }

    /// <summary>The wearer's sessions, oldest first.</summary>
    public IReadOnlyList<FocusSessionRecord> ListForWearer(string wearerId)
    {
        ArgumentNullException.ThrowIfNull(wearerId);
        return _database.Read($"listing the focus sessions of wearer '{wearerId}'", connection =>
        {
            using var query = CampDatabase.Command(connection, null, $"SELECT {Columns} FROM focus_sessions WHERE wearer_id = $wearer ORDER BY started, id;");
            query.Parameters.AddWithValue("$wearer", wearerId);
            using var reader = query.ExecuteReader();
            var records = new List<FocusSessionRecord>();
            while (reader.Read())
            {
                records.Add(Map(reader));
            }

            return records;
        });
    }

    /// <summary>The wearer's most recently started session (its <see cref="FocusSessionRecord.NextTargetLow"/> sets the next one), or null.</summary>
    public FocusSessionRecord? LatestForWearer(string wearerId)
    {
        ArgumentNullException.ThrowIfNull(wearerId);
        return _database.Read($"reading the latest focus session of wearer '{wearerId}'", connection =>
        {
            using var query = CampDatabase.Command(connection, null,
                $"SELECT {Columns} FROM focus_sessions WHERE wearer_id = $wearer ORDER BY started DESC, id DESC LIMIT 1;");
            query.Parameters.AddWithValue("$wearer", wearerId);
            using var reader = query.ExecuteReader();
            return reader.Read() ? Map(reader) : null;
        });
    }

    /// <summary>SQLite stores NaN as NULL, which the NOT NULL columns refuse with a message naming no field; name it here.</summary>
    private static void CheckFinite(FocusSessionRecord record)
    {
        Span<(string Name, double Value)> values =
        [
            (nameof(record.BaselineLow), record.BaselineLow), (nameof(record.BaselineHigh), record.BaselineHigh),
            (nameof(record.TargetLow), record.TargetLow), (nameof(record.TargetHigh), record.TargetHigh),
            (nameof(record.Seconds), record.Seconds), (nameof(record.SecondsInZone), record.SecondsInZone),
            (nameof(record.Score), record.Score), (nameof(record.NextTargetLow), record.NextTargetLow),
        ];
        foreach (var (name, value) in values)
        {
            if (!double.IsFinite(value))
            {
                throw new ArgumentException($"focus session '{record.Id}': {name} is {value}, not a number that can be stored.", nameof(record));
            }
        }
    }

    private static FocusSessionRecord Map(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        StoredTime.Get(reader, 2),
        StoredTime.GetOrNull(reader, 3),
        reader.GetBoolean(4),
        reader.GetDouble(5),
        reader.GetDouble(6),
        reader.GetDouble(7),
        reader.GetDouble(8),
        reader.GetDouble(9),
        reader.GetDouble(10),
        reader.GetDouble(11),
        reader.GetDouble(12));
}
