using System.Security.Cryptography;
using EdgeBci.Web.Pairing;
using Microsoft.Data.Sqlite;

namespace EdgeBci.Web.Store;

/// <summary>
/// Pairing codes and paired sessions, as SHA-256 hashes only: reading the file gives neither a code nor a token. The
/// rules (lengths, expiry, limits) are <see cref="PairingService"/>'s; this class keeps each step atomic, so a code is
/// used once even when the firmware and <c>edgebci pair</c> touch the file at the same moment.
/// </summary>
public sealed class PairingStore
{
    private readonly CampDatabase _database;

    internal PairingStore(CampDatabase database) => _database = database;

    /// <summary>Stores a new open code; every older open code stops working, and rows long dead are dropped.</summary>
    internal void AddCode(byte[] codeHash, string issuedBy, DateTimeOffset issued, DateTimeOffset expires, DateTimeOffset forgetBefore) =>
        _database.Write("issuing a pairing code", (connection, transaction) =>
        {
            Execute(connection, transaction, "UPDATE pairing_codes SET state = 'superseded' WHERE state = 'open';");
            Execute(connection, transaction, "DELETE FROM pairing_codes WHERE expires < $before;", ("$before", StoredTime.Format(forgetBefore)));
            Execute(connection, transaction, "DELETE FROM pairing_sessions WHERE expires < $before;", ("$before", StoredTime.Format(forgetBefore)));
            Execute(connection, transaction,
                "INSERT INTO pairing_codes (code_hash, issued_by, issued, expires, state) VALUES ($hash, $by, $issued, $expires, 'open');",
                ("$hash", codeHash), ("$by", issuedBy), ("$issued", StoredTime.Format(issued)), ("$expires", StoredTime.Format(expires)));
            return true;
        });

    /// <summary>When the open code stops working, or null when no code is open.</summary>
    internal DateTimeOffset? OpenCodeExpires(DateTimeOffset now) => _database.Read("reading the open pairing code", connection =>
    {
        using var query = CampDatabase.Command(connection, null,
            "SELECT expires FROM pairing_codes WHERE state = 'open' AND expires > $now ORDER BY id DESC LIMIT 1;");
        query.Parameters.AddWithValue("$now", StoredTime.Format(now));
        return query.ExecuteScalar() is string expires ? StoredTime.Parse(expires) : (DateTimeOffset?)null;
    });

    /// <summary>
    /// Uses the open code if <paramref name="codeHash"/> is its hash: marks it used and stores the new session in the same
    /// transaction. Otherwise counts a wrong try against the open code and burns it at <paramref name="maximumWrongTries"/>.
    /// </summary>
    internal bool Redeem(byte[] codeHash, DateTimeOffset now, NewSession session, int maximumWrongTries) =>
        _database.Write("redeeming a pairing code", (connection, transaction) =>
        {
            long id;
            byte[] stored;
            using (var query = CampDatabase.Command(connection, transaction,
                "SELECT id, code_hash FROM pairing_codes WHERE state = 'open' AND expires > $now ORDER BY id DESC LIMIT 1;"))
            {
                query.Parameters.AddWithValue("$now", StoredTime.Format(now));
                using var reader = query.ExecuteReader();
                if (!reader.Read())
                {
                    return false;
                }

                id = reader.GetInt64(0);
                stored = (byte[])reader.GetValue(1);
            }

            // Fixed time: how long the comparison takes says nothing about how many bytes matched.
            if (!CryptographicOperations.FixedTimeEquals(stored, codeHash))
            {
                Execute(connection, transaction,
                    "UPDATE pairing_codes SET wrong_tries = wrong_tries + 1, state = CASE WHEN wrong_tries + 1 >= $maximum THEN 'burnt' ELSE state END WHERE id = $id;",
                    ("$id", id), ("$maximum", maximumWrongTries));
                return false;
            }

            Execute(connection, transaction, "UPDATE pairing_codes SET state = 'used' WHERE id = $id;", ("$id", id));
            Execute(connection, transaction,
                "INSERT INTO pairing_sessions (token_hash, remote, created, expires, last_seen) VALUES ($hash, $remote, $created, $expires, $created);",
                ("$hash", session.TokenHash), ("$remote", session.Remote), ("$created", StoredTime.Format(now)), ("$expires", StoredTime.Format(session.Expires)));
            return true;
        });

    /// <summary>The session whose token hashes to <paramref name="tokenHash"/>, whatever its state, or null.</summary>
    internal StoredSession? FindSession(byte[] tokenHash) => _database.Read("reading a paired session", connection =>
    {
        // Looked up by the hash: timing can only tell an attacker about hashes of tokens they already hold.
        using var query = CampDatabase.Command(connection, null,
            "SELECT id, remote, created, expires, last_seen, revoked FROM pairing_sessions WHERE token_hash = $hash;");
        query.Parameters.AddWithValue("$hash", tokenHash);
        using var reader = query.ExecuteReader();
        return reader.Read()
            ? new StoredSession(new PairedSessionInfo(reader.GetInt64(0), reader.GetString(1), StoredTime.Get(reader, 2), StoredTime.Get(reader, 3), StoredTime.Get(reader, 4)), !reader.IsDBNull(5))
            : null;
    });

    internal void Touch(long sessionId, DateTimeOffset now) => _database.Write("noting a paired session's visit", (connection, transaction) =>
    {
        Execute(connection, transaction, "UPDATE pairing_sessions SET last_seen = $now WHERE id = $id;", ("$id", sessionId), ("$now", StoredTime.Format(now)));
        return true;
    });

    internal bool RevokeSession(byte[] tokenHash, DateTimeOffset now) => _database.Write("revoking a paired session", (connection, transaction) =>
        Execute(connection, transaction, "UPDATE pairing_sessions SET revoked = $now WHERE token_hash = $hash AND revoked IS NULL;",
            ("$hash", tokenHash), ("$now", StoredTime.Format(now))) > 0);

    /// <summary>Revokes every live session and the open code; returns how many sessions were live.</summary>
    internal int RevokeAll(DateTimeOffset now) => _database.Write("revoking every paired session", (connection, transaction) =>
    {
        Execute(connection, transaction, "UPDATE pairing_codes SET state = 'revoked' WHERE state = 'open';");
        return Execute(connection, transaction, "UPDATE pairing_sessions SET revoked = $now WHERE revoked IS NULL AND expires > $now;", ("$now", StoredTime.Format(now)));
    });

    /// <summary>Sessions neither revoked nor expired at <paramref name="now"/>, oldest first.</summary>
    internal IReadOnlyList<PairedSessionInfo> ListLive(DateTimeOffset now) => _database.Read("listing paired sessions", connection =>
    {
        using var query = CampDatabase.Command(connection, null,
            "SELECT id, remote, created, expires, last_seen FROM pairing_sessions WHERE revoked IS NULL AND expires > $now ORDER BY created, id;");
        query.Parameters.AddWithValue("$now", StoredTime.Format(now));
        using var reader = query.ExecuteReader();
        var sessions = new List<PairedSessionInfo>();
        while (reader.Read())
        {
            sessions.Add(new PairedSessionInfo(reader.GetInt64(0), reader.GetString(1), StoredTime.Get(reader, 2), StoredTime.Get(reader, 3), StoredTime.Get(reader, 4)));
        }

        return sessions;
    });

    private static int Execute(SqliteConnection connection, SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = CampDatabase.Command(connection, transaction, sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }
}

internal sealed record NewSession(byte[] TokenHash, string Remote, DateTimeOffset Expires);

internal sealed record StoredSession(PairedSessionInfo Info, bool Revoked);
