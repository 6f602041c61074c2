using EdgeBci.Web.Pairing;
using Microsoft.Data.Sqlite;

namespace EdgeBci.Web.Store;

/// <summary>
/// The training camp's SQLite database on the unit: wearers, calibration records, focus sessions and pairing. Opening
/// creates the file (folder 0700, file 0600: it holds the wearer's history) and brings its schema to this build's
/// version, one migration per transaction. Every write commits with synchronous=FULL in WAL mode, so a record the
/// caller was told is saved survives the firmware being killed or the power going. One connection, used by one thread
/// at a time (the page's API and the firmware's jobs share it); any process may open the same file alongside
/// (<c>edgebci pair</c> while the firmware runs): SQLite's locks order their writes.
/// </summary>
public sealed class CampDatabase : IDisposable
{
    /// <summary>The unit's data folder (systemd's StateDirectory for the firmware).</summary>
    public const string UnitFolder = "/var/lib/edgebci";

    public const string FileName = "camp.db";

    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private bool _disposed;

    private CampDatabase(string path, SqliteConnection connection, int schemaVersion)
    {
        Path = path;
        _connection = connection;
        SchemaVersion = schemaVersion;
        Wearers = new WearerStore(this);
        Calibrations = new CalibrationStore(this);
        FocusSessions = new FocusSessionStore(this);
        Pairing = new PairingStore(this);
    }

    /// <summary>The database file (full path).</summary>
    public string Path { get; }

    /// <summary>The schema version the file is at after opening (the newest this build knows).</summary>
    public int SchemaVersion { get; }

    /// <summary>The newest schema version this build can write.</summary>
    public static int LatestSchemaVersion => Migrations.Latest;

    public WearerStore Wearers { get; }

    public CalibrationStore Calibrations { get; }

    public FocusSessionStore FocusSessions { get; }

    public PairingStore Pairing { get; }

    /// <summary>
    /// The database file: <paramref name="configured"/> (Web:DatabasePath) when given, else
    /// <c>/var/lib/edgebci/camp/camp.db</c> when the unit's data folder can be written, else
    /// <c>&lt;temp&gt;/edgebci-camp/camp.db</c> for a developer's run without root. The firmware and <c>edgebci pair</c>
    /// both ask here, so they meet on the same file.
    /// </summary>
    public static string DefaultPath(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return System.IO.Path.GetFullPath(configured);
        }

        var folder = CanWrite(UnitFolder)
            ? System.IO.Path.Combine(UnitFolder, "camp")
            : System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgebci-camp");
        return System.IO.Path.Combine(folder, FileName);
    }

    /// <summary>Opens <paramref name="path"/>, creating it when missing, and migrates it to <see cref="LatestSchemaVersion"/>.</summary>
    /// <exception cref="CampDatabaseException">
    /// The file is not a SQLite database, is damaged, is another program's database, has a newer schema than this build,
    /// or cannot be created or opened; the message names the file.
    /// </exception>
    public static CampDatabase Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = System.IO.Path.GetFullPath(path);
        CreatePrivateFile(fullPath);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWrite,
            ForeignKeys = true,
            // One long-lived connection: pooling would only keep the file open after Dispose.
            Pooling = false,
            // Another process (edgebci pair, the firmware) may hold the write lock for a moment; wait for it.
            DefaultTimeout = 30,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, null, "PRAGMA journal_mode = WAL;");
            Execute(connection, null, "PRAGMA synchronous = FULL;");
            CheckIntegrity(connection, fullPath);
            var version = Migrate(connection, fullPath);
            return new CampDatabase(fullPath, connection, version);
        }
        catch (SqliteException exception)
        {
            connection.Dispose();
            throw new CampDatabaseException($"{fullPath}: not a usable camp database (SQLite: {exception.Message}). Move it aside to start a new one.", exception);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _connection.Dispose();
        }
    }

    /// <summary>Runs a query on the shared connection; a SQLite failure becomes a <see cref="CampDatabaseException"/> naming the file and <paramref name="what"/>.</summary>
    internal T Read<T>(string what, Func<SqliteConnection, T> read)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                return read(_connection);
            }
            catch (SqliteException exception)
            {
                throw Failed(what, exception);
            }
        }
    }

    /// <summary>Runs <paramref name="write"/> in one immediate transaction, committed (and on disk) before this returns.</summary>
    internal T Write<T>(string what, Func<SqliteConnection, SqliteTransaction, T> write)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                using var transaction = _connection.BeginTransaction(deferred: false);
                var result = write(_connection, transaction);
                transaction.Commit();
                return result;
            }
            catch (SqliteException exception)
            {
                throw Failed(what, exception);
            }
        }
    }

    private CampDatabaseException Failed(string what, SqliteException exception) =>
        new($"{Path}: {what} failed (SQLite: {exception.Message})", exception);

    private static int Migrate(SqliteConnection connection, string path)
    {
        int current;
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            if (!HasTable(connection, transaction, "schema_version"))
            {
                var foreign = OtherTables(connection, transaction);
                if (foreign.Count > 0)
                {
                    throw new CampDatabaseException($"{path}: a SQLite database of something else (tables {string.Join(", ", foreign)}, no schema_version); the camp's database is not opened there.");
                }

                Execute(connection, transaction, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied TEXT NOT NULL);");
            }

            current = CurrentVersion(connection, transaction);
            transaction.Commit();
        }

        if (current > Migrations.Latest)
        {
            throw new CampDatabaseException(
                $"{path}: the camp database is at schema version {current}, newer than this build knows (version {Migrations.Latest}); a newer firmware wrote it. Update this software, or set Web:DatabasePath to another file.");
        }

        foreach (var migration in Migrations.All)
        {
            if (migration.Version <= current)
            {
                continue;
            }

            using var transaction = connection.BeginTransaction(deferred: false);
            // Another process may have migrated between our read and our lock.
            current = CurrentVersion(connection, transaction);
            if (migration.Version <= current)
            {
                continue;
            }

            Execute(connection, transaction, migration.Sql);
            using (var record = Command(connection, transaction, "INSERT INTO schema_version (version, description, applied) VALUES ($version, $description, $applied);"))
            {
                record.Parameters.AddWithValue("$version", migration.Version);
                record.Parameters.AddWithValue("$description", migration.Description);
                record.Parameters.AddWithValue("$applied", StoredTime.Format(DateTimeOffset.UtcNow));
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            current = migration.Version;
        }

        return current;
    }

    private static void CheckIntegrity(SqliteConnection connection, string path)
    {
        using var check = Command(connection, null, "PRAGMA quick_check;");
        var answer = check.ExecuteScalar() as string;
        if (!string.Equals(answer, "ok", StringComparison.Ordinal))
        {
            throw new CampDatabaseException($"{path}: the camp database is damaged (SQLite quick_check: {answer}). Move it aside to start a new one.");
        }
    }

    private static int CurrentVersion(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var query = Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) FROM schema_version;");
        return Convert.ToInt32(query.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool HasTable(SqliteConnection connection, SqliteTransaction transaction, string name)
    {
        using var query = Command(connection, transaction, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name;");
        query.Parameters.AddWithValue("$name", name);
        return Convert.ToInt64(query.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private static List<string> OtherTables(SqliteConnection connection, SqliteTransaction transaction)
    {
        using var query = Command(connection, transaction, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name;");
        using var reader = query.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    internal static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
#pragma warning disable CA2100 // Every statement here is a constant of this assembly; values always go in as parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        return command;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = Command(connection, transaction, sql);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Creates the folder (0700) and an empty file (0600) before SQLite does, so the wearer's history is never readable by
    /// others, not even between SQLite creating the file and a chmod. SQLite gives its -wal and -shm files the mode of the
    /// database file. An existing folder or file keeps the mode its owner gave it.
    /// </summary>
    private static void CreatePrivateFile(string path)
    {
        try
        {
            var folder = System.IO.Path.GetDirectoryName(path)!;
            if (!Directory.Exists(folder))
            {
                if (OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(folder);
                }
                else
                {
                    Directory.CreateDirectory(folder, OwnerOnlyFolder);
                }
            }

            if (File.Exists(path))
            {
                return;
            }

            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnlyFile;
            }

            using var created = new FileStream(path, options);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            if (File.Exists(path))
            {
                // Another process created it between the check and ours: it is theirs to have made private.
                return;
            }

            throw new CampDatabaseException($"{path}: the camp database cannot be created ({exception.Message})", exception);
        }
    }

    private static bool CanWrite(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            var probe = System.IO.Path.Combine(folder, $".write-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
