using EdgeBci.Tests.Shared;
using EdgeBci.Web.Store;
using Microsoft.Data.Sqlite;

namespace EdgeBci.Web.Tests.Store;

/// <summary>Opening, creating and migrating the camp's database, and refusing files it must not touch, by name.</summary>
public class CampDatabaseTests
{
    private ScratchFolder _scratch = null!;

    [SetUp]
    public void CreateScratch() => _scratch = new ScratchFolder("camp-db");

    [TearDown]
    public void RemoveScratch() => _scratch.Dispose();

    private string DatabasePath => Path.Combine(_scratch.Path, "camp", CampDatabase.FileName);

    [Test]
    public void A_new_file_gets_every_migration_each_recorded_with_the_durable_settings_on()
    {
        using var database = CampDatabase.Open(DatabasePath);

        Assert.That(database.SchemaVersion, Is.EqualTo(CampDatabase.LatestSchemaVersion));
        var versions = database.Read("test", connection => Column(connection, "SELECT version FROM schema_version ORDER BY version;"));
        Assert.That(versions, Is.EqualTo(Enumerable.Range(1, CampDatabase.LatestSchemaVersion).Select(v => (object)(long)v)));
        var tables = database.Read("test", connection => Column(connection, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;"));
        Assert.That(tables, Is.SupersetOf(new[] { "wearers", "calibrations", "focus_sessions", "pairing_codes", "pairing_sessions", "schema_version" }));
        Assert.Multiple(() =>
        {
            Assert.That(database.Read("test", c => Scalar(c, "PRAGMA journal_mode;")), Is.EqualTo("wal"));
            Assert.That(database.Read("test", c => Scalar(c, "PRAGMA synchronous;")), Is.EqualTo(2L), "2 = FULL: a commit is on disk when it returns");
            Assert.That(database.Read("test", c => Scalar(c, "PRAGMA foreign_keys;")), Is.EqualTo(1L));
        });
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_folder_and_the_file_are_the_units_user_alone()
    {
        using var database = CampDatabase.Open(DatabasePath);
        database.Wearers.Ensure("ada", "Ada");

        Assert.That(File.GetUnixFileMode(Path.GetDirectoryName(DatabasePath)!), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(File.GetUnixFileMode(DatabasePath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(File.GetUnixFileMode(DatabasePath + "-wal"), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "the WAL holds the newest records");
    }

    [Test]
    public void Reopening_keeps_the_data_and_migrates_nothing_twice()
    {
        using (var first = CampDatabase.Open(DatabasePath))
        {
            first.Wearers.Ensure("ada", "Ada");
        }

        using var second = CampDatabase.Open(DatabasePath);

        Assert.That(second.Wearers.Get("ada")?.DisplayName, Is.EqualTo("Ada"));
        Assert.That(second.Read("test", c => Scalar(c, "SELECT COUNT(*) FROM schema_version;")), Is.EqualTo((long)CampDatabase.LatestSchemaVersion));
    }

    [Test]
    public void A_schema_newer_than_this_build_is_refused_naming_the_file_and_both_versions()
    {
        CampDatabase.Open(DatabasePath).Dispose();
        var newer = CampDatabase.LatestSchemaVersion + 7;
        WithRawConnection(connection => Execute(connection, $"INSERT INTO schema_version (version, description, applied) VALUES ({newer}, 'from the future', '2030-01-01T00:00:00.0000000Z');"));

        var refusal = Assert.Throws<CampDatabaseException>(() => CampDatabase.Open(DatabasePath));

        Assert.That(refusal!.Message, Does.Contain(DatabasePath).And.Contain($"schema version {newer}").And.Contain($"version {CampDatabase.LatestSchemaVersion}"));
    }

    [Test]
    public void A_file_that_is_not_a_database_is_refused_naming_the_file()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        File.WriteAllText(DatabasePath, "these are someone's notes, not a database\n" + new string('x', 4096));

        var refusal = Assert.Throws<CampDatabaseException>(() => CampDatabase.Open(DatabasePath));

        Assert.That(refusal!.Message, Does.Contain(DatabasePath).And.Contain("not a usable camp database"));
        Assert.That(refusal.InnerException, Is.TypeOf<SqliteException>());
    }

    [Test]
    public void A_damaged_database_is_refused_naming_the_file()
    {
        using (var database = CampDatabase.Open(DatabasePath))
        {
            for (var i = 0; i < 60; i++)
            {
                database.Wearers.Ensure($"wearer-{i}", new string('n', 400));
            }
        }

        // Closing checkpointed everything into the main file; scribble over the table pages after the header page.
        using (var file = new FileStream(DatabasePath, FileMode.Open, FileAccess.Write))
        {
            Assert.That(file.Length, Is.GreaterThan(5 * 4096));
            file.Position = 4096;
            file.Write(Enumerable.Repeat((byte)0xA5, 4 * 4096).ToArray());
        }

        var refusal = Assert.Throws<CampDatabaseException>(() => CampDatabase.Open(DatabasePath));

        Assert.That(refusal!.Message, Does.Contain(DatabasePath));
    }

    [Test]
    public void Another_programs_sqlite_file_is_not_taken_over()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        WithRawConnection(connection => Execute(connection, "CREATE TABLE invoices (id INTEGER);"));

        var refusal = Assert.Throws<CampDatabaseException>(() => CampDatabase.Open(DatabasePath));

        Assert.That(refusal!.Message, Does.Contain(DatabasePath).And.Contain("invoices"));
        Assert.That(WithRawConnection(connection => Scalar(connection, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'wearers';")), Is.EqualTo(0L));
    }

    [Test]
    public void A_folder_that_cannot_be_created_is_an_error_naming_the_path()
    {
        var blocker = Path.Combine(_scratch.Path, "a-file");
        File.WriteAllText(blocker, "");
        var path = Path.Combine(blocker, "camp.db");

        var refusal = Assert.Throws<CampDatabaseException>(() => CampDatabase.Open(path));

        Assert.That(refusal!.Message, Does.Contain(path));
    }

    [Test]
    public void The_configured_path_wins_and_the_default_ends_in_the_camp_file()
    {
        Assert.That(CampDatabase.DefaultPath(Path.Combine(_scratch.Path, "mine.db")), Is.EqualTo(Path.Combine(_scratch.Path, "mine.db")));
        var fallback = CampDatabase.DefaultPath(null);
        Assert.That(fallback, Is.EqualTo("/var/lib/edgebci/camp/camp.db").Or.EqualTo(Path.Combine(Path.GetTempPath(), "edgebci-camp", "camp.db")));
        Assert.That(CampDatabase.DefaultPath(" "), Is.EqualTo(fallback), "an empty Web:DatabasePath means the default");
    }

    private object? WithRawConnection(Func<SqliteConnection, object?> body)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        return body(connection);
    }

    private static object? Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<object> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<object>();
        while (reader.Read())
        {
            values.Add(reader.GetValue(0));
        }

        return values;
    }
}
