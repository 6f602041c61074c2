namespace EdgeBci.Web.Store;

/// <summary>
/// The schema's history, oldest first. A migration is never edited once shipped: a unit in the field may hold any
/// earlier version, so a change is a new entry at the end (version 2 = ALTER TABLE / CREATE TABLE for what changed),
/// and <see cref="CampDatabase"/> applies each one missing, in order, in a transaction of its own.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "wearers, calibrations, focus sessions, pairing codes and sessions", """
            CREATE TABLE wearers (
                id           TEXT PRIMARY KEY NOT NULL,
                display_name TEXT NOT NULL,
                created      TEXT NOT NULL
            );

            CREATE TABLE calibrations (
                id                  TEXT PRIMARY KEY NOT NULL,
                wearer_id           TEXT NOT NULL REFERENCES wearers (id),
                started             TEXT NOT NULL,
                finished            TEXT,
                completed           INTEGER NOT NULL,
                trials              INTEGER NOT NULL,
                accuracy            REAL,
                chance              REAL,
                itr_bits_per_minute REAL,
                verdict             TEXT CHECK (verdict IN ('passed', 'refused')),
                verdict_text        TEXT,
                recording_path      TEXT,
                report_path         TEXT,
                bundle_path         TEXT,
                installed           INTEGER NOT NULL
            );
            CREATE INDEX calibrations_by_wearer ON calibrations (wearer_id, started);

            CREATE TABLE focus_sessions (
                id              TEXT PRIMARY KEY NOT NULL,
                wearer_id       TEXT NOT NULL REFERENCES wearers (id),
                started         TEXT NOT NULL,
                finished        TEXT,
                completed       INTEGER NOT NULL,
                baseline_low    REAL NOT NULL,
                baseline_high   REAL NOT NULL,
                target_low      REAL NOT NULL,
                target_high     REAL NOT NULL,
                seconds         REAL NOT NULL,
                seconds_in_zone REAL NOT NULL,
                score           REAL NOT NULL,
                next_target_low REAL NOT NULL
            );
            CREATE INDEX focus_sessions_by_wearer ON focus_sessions (wearer_id, started);

            CREATE TABLE pairing_codes (
                id          INTEGER PRIMARY KEY,
                code_hash   BLOB NOT NULL,
                issued_by   TEXT NOT NULL,
                issued      TEXT NOT NULL,
                expires     TEXT NOT NULL,
                state       TEXT NOT NULL CHECK (state IN ('open', 'used', 'superseded', 'burnt', 'revoked')),
                wrong_tries INTEGER NOT NULL DEFAULT 0
            );

            CREATE TABLE pairing_sessions (
                id         INTEGER PRIMARY KEY,
                token_hash BLOB NOT NULL UNIQUE,
                remote     TEXT NOT NULL,
                created    TEXT NOT NULL,
                expires    TEXT NOT NULL,
                last_seen  TEXT NOT NULL,
                revoked    TEXT
            );
            """),
    ];

    public static int Latest => All[^1].Version;
}

/// <param name="Sql">Statements run in one transaction together with recording <paramref name="Version"/> in schema_version.</param>
internal sealed record Migration(int Version, string Description, string Sql);
