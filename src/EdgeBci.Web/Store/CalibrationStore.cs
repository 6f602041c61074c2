using Microsoft.Data.Sqlite;

namespace EdgeBci.Web.Store;

/// <summary>
/// Calibration records: <see cref="Begin"/> when a cued session starts, <see cref="Finish"/> when it ends (verdict known,
/// or cancelled). A record never finished is a session the firmware was stopped or killed during; it stays, so the
/// history shows it.
/// </summary>
public sealed class CalibrationStore
{
    private const string Columns =
        "id, wearer_id, started, finished, completed, trials, accuracy, chance, itr_bits_per_minute, verdict, verdict_text, recording_path, report_path, bundle_path, installed";

    private readonly CampDatabase _database;

    internal CalibrationStore(CampDatabase database) => _database = database;

    /// <summary>Saves a started session (its wearer added when new); committed before this returns.</summary>
    /// <exception cref="CampDatabaseException">A calibration with that id exists already (named), or the file cannot be written.</exception>
    public void Begin(CalibrationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.Id);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.WearerId);
        _database.Write($"saving the start of calibration '{record.Id}'", (connection, transaction) =>
        {
            WearerStore.Insert(connection, transaction, record.WearerId, record.WearerId, record.Started);
            using var insert = CampDatabase.Command(connection, transaction,
                $"INSERT INTO calibrations ({Columns}) VALUES ($id, $wearer, $started, $finished, $completed, $trials, $accuracy, $chance, $itr, $verdict, $verdictText, $recording, $report, $bundle, $installed);");
            Bind(insert, record);
            insert.Parameters.AddWithValue("$wearer", record.WearerId);
            insert.Parameters.AddWithValue("$started", StoredTime.Format(record.Started));
            insert.ExecuteNonQuery();
            return true;
        });
    }

    /// <summary>
    /// Saves how a begun session ended (everything but its wearer and start); committed to disk before this returns, so
    /// the page may report it finished.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="CalibrationRecord.Finished"/> is not set, or the session was never begun (named).</exception>
    public void Finish(CalibrationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Finished is null)
        {
            throw new ArgumentException($"calibration '{record.Id}': Finish needs the time it finished.", nameof(record));
        }

        var updated = _database.Write($"saving the end of calibration '{record.Id}'", (connection, transaction) =>
        {
            using var update = CampDatabase.Command(connection, transaction, """
                UPDATE calibrations SET finished = $finished, completed = $completed, trials = $trials, accuracy = $accuracy,
                    chance = $chance, itr_bits_per_minute = $itr, verdict = $verdict, verdict_text = $verdictText,
                    recording_path = $recording, report_path = $report, bundle_path = $bundle, installed = $installed
                WHERE id = $id;
                """);
            Bind(update, record);
            return update.ExecuteNonQuery();
        });
        if (updated == 0)
        {
            throw new ArgumentException($"calibration '{record.Id}' was never begun in {_database.Path}; Begin it first.", nameof(record));
        }
    }

    public CalibrationRecord? Get(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return _database.Read($"reading calibration '{id}'", connection =>
        {
            using var query = CampDatabase.Command(connection, null, $"SELECT {Columns} FROM calibrations WHERE id = $id;");
            query.Parameters.AddWithValue("$id", id);
            using var reader = query.ExecuteReader();
            return reader.Read() ? Map(reader) : null;
        });
    }

    /// <summary>The wearer's calibrations, oldest first (unfinished ones included).</summary>
    public IReadOnlyList<CalibrationRecord> ListForWearer(string wearerId)
    {
        ArgumentNullException.ThrowIfNull(wearerId);
        return _database.Read($"listing the calibrations of wearer '{wearerId}'", connection =>
        {
            using var query = CampDatabase.Command(connection, null, $"SELECT {Columns} FROM calibrations WHERE wearer_id = $wearer ORDER BY started, id;");
            query.Parameters.AddWithValue("$wearer", wearerId);
            using var reader = query.ExecuteReader();
            var records = new List<CalibrationRecord>();
            while (reader.Read())
            {
                records.Add(Map(reader));
            }

            return records;
        });
    }

    private static void Bind(SqliteCommand command, CalibrationRecord record)
    {
        if (record.Verdict is not (null or "passed" or "refused"))
        {
            throw new ArgumentException($"calibration '{record.Id}': verdict '{record.Verdict}' is not \"passed\", \"refused\" or null.", nameof(record));
        }

        var parameters = command.Parameters;
        parameters.AddWithValue("$id", record.Id);
        parameters.AddWithValue("$finished", StoredTime.FormatOrNull(record.Finished));
        parameters.AddWithValue("$completed", record.Completed);
        parameters.AddWithValue("$trials", record.Trials);
        parameters.AddNullable("$accuracy", record.Accuracy);
        parameters.AddNullable("$chance", record.Chance);
        parameters.AddNullable("$itr", record.ItrBitsPerMinute);
        parameters.AddNullable("$verdict", record.Verdict);
        parameters.AddNullable("$verdictText", record.VerdictText);
        parameters.AddNullable("$recording", record.RecordingPath);
        parameters.AddNullable("$report", record.ReportPath);
        parameters.AddNullable("$bundle", record.BundlePath);
        parameters.AddWithValue("$installed", record.Installed);
    }

    private static CalibrationRecord Map(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        StoredTime.Get(reader, 2),
        StoredTime.GetOrNull(reader, 3),
        reader.GetBoolean(4),
        reader.GetInt32(5),
        reader.GetDoubleOrNull(6),
        reader.GetDoubleOrNull(7),
        reader.GetDoubleOrNull(8),
        reader.GetStringOrNull(9),
        reader.GetStringOrNull(10),
        reader.GetStringOrNull(11),
        reader.GetStringOrNull(12),
        reader.GetStringOrNull(13),
        reader.GetBoolean(14));
}
