using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace EdgeBci.Telemetry.Broker;

/// <summary>One user of the embedded broker and its password.</summary>
public sealed record BrokerIdentity(string User, string Password);

/// <summary>
/// The embedded broker's user names and passwords: one JSON file, mode 0600, owned by the firmware's user. The firmware
/// creates it at first start (<see cref="EnsureFor"/>) and checks every CONNECT against it; the CLI and the tests read
/// it (<see cref="Load"/>). This class is the file's only reader and writer.
/// </summary>
public sealed class BrokerCredentials
{
    public const int FormatVersion = 1;

    /// <summary>32 random bytes, base64url: long enough that guessing over a socket is hopeless.</summary>
    private const int PasswordBytes = 32;

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly Dictionary<string, BrokerIdentity> _byUser;

    private BrokerCredentials(string path, IReadOnlyList<BrokerIdentity> identities, bool rotated)
    {
        Path = path;
        Identities = identities;
        Rotated = rotated;
        _byUser = new Dictionary<string, BrokerIdentity>(StringComparer.Ordinal);
        foreach (var identity in identities)
        {
            _byUser[identity.User] = identity;
        }
    }

    public string Path { get; }

    public IReadOnlyList<BrokerIdentity> Identities { get; }

    /// <summary>True when <see cref="EnsureFor"/> found the file readable by others and replaced every password.</summary>
    public bool Rotated { get; }

    /// <summary>The identity named <paramref name="user"/>; an <see cref="InvalidDataException"/> naming the file and the users it has otherwise.</summary>
    public BrokerIdentity For(string user) =>
        _byUser.TryGetValue(user, out var identity)
            ? identity
            : throw new InvalidDataException($"{Path} has no user '{user}'; it has {string.Join(", ", _byUser.Keys)}");

    /// <summary>True when <paramref name="user"/> exists and <paramref name="password"/> is its password (compared in constant time).</summary>
    public bool Verify(string? user, string? password)
    {
        if (user is null || password is null || !_byUser.TryGetValue(user, out var identity))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(identity.Password), Encoding.UTF8.GetBytes(password));
    }

    /// <summary>
    /// Reads the file the firmware wrote. Throws <see cref="IOException"/> (missing, unreadable) or
    /// <see cref="InvalidDataException"/> (not this format), each naming the file.
    /// </summary>
    public static BrokerCredentials Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new IOException($"no broker credentials at {path}: the firmware writes them when its embedded broker first starts", exception);
        }
        catch (UnauthorizedAccessException exception)
        {
            throw new IOException($"cannot read the broker credentials at {path} (mode 0600, the firmware's user): run as that user or with sudo", exception);
        }

        return Parse(path, text, rotated: false);
    }

    /// <summary>
    /// Makes sure <paramref name="path"/> holds a password for each of <paramref name="users"/>: creates the file (0600)
    /// at first start, adds users that are missing, keeps the passwords already there. A file that someone else could
    /// read (group or other bits set) is treated as leaked: every password is replaced and the file rewritten 0600.
    /// </summary>
    public static BrokerCredentials EnsureFor(string path, IEnumerable<string> users)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(users);
        var full = System.IO.Path.GetFullPath(path);
        var wanted = new List<string>();
        foreach (var user in users)
        {
            if (string.IsNullOrWhiteSpace(user) || user.Contains(':', StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{user}' is not a broker user name", nameof(users));
            }

            if (!wanted.Contains(user, StringComparer.Ordinal))
            {
                wanted.Add(user);
            }
        }

        var existing = new List<BrokerIdentity>();
        var leaked = false;
        if (File.Exists(full))
        {
            leaked = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(full) & ~OwnerOnly) != 0;
            existing.AddRange(Parse(full, File.ReadAllText(full), rotated: false).Identities);
        }

        var identities = new List<BrokerIdentity>();
        var changed = leaked || existing.Count == 0;
        foreach (var user in wanted)
        {
            var kept = existing.Find(identity => string.Equals(identity.User, user, StringComparison.Ordinal));
            if (kept is null || leaked)
            {
                identities.Add(new BrokerIdentity(user, NewPassword()));
                changed = true;
            }
            else
            {
                identities.Add(kept);
            }
        }

        // Users no longer wanted (an old device id) keep no access: they are dropped from the file.
        changed |= existing.Count != identities.Count;
        if (changed)
        {
            Write(full, identities);
        }

        return new BrokerCredentials(full, identities, leaked);
    }

    private static BrokerCredentials Parse(string path, string text, bool rotated)
    {
        CredentialsFile? file;
        try
        {
            file = JsonSerializer.Deserialize<CredentialsFile>(text, Json);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{path} is not a broker credentials file (line {exception.LineNumber + 1}): {exception.Message}", exception);
        }

        if (file is null || file.Version != FormatVersion || file.Identities is null)
        {
            throw new InvalidDataException($"{path} is not a version {FormatVersion} broker credentials file (\"version\" and \"identities\" are required)");
        }

        var identities = new List<BrokerIdentity>(file.Identities.Count);
        for (var i = 0; i < file.Identities.Count; i++)
        {
            var entry = file.Identities[i];
            if (string.IsNullOrWhiteSpace(entry.User) || string.IsNullOrEmpty(entry.Password))
            {
                throw new InvalidDataException($"{path}: identities[{i}] needs a \"user\" and a \"password\"");
            }

            identities.Add(new BrokerIdentity(entry.User, entry.Password));
        }

        return new BrokerCredentials(path, identities, rotated);
    }

    private static void Write(string path, List<BrokerIdentity> identities)
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
                Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var file = new CredentialsFile
        {
            Version = FormatVersion,
            Note = "EdgeBci embedded MQTT broker users (generated by the firmware; keep this file 0600). The ACL decides what each may do.",
            Identities = identities.ConvertAll(identity => new CredentialsEntry { User = identity.User, Password = identity.Password }),
        };

        // Written beside and renamed over, created 0600 from the first byte: never a moment where the file is readable by others or half written.
        var temporary = path + ".new";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, file, Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static string NewPassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(PasswordBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class CredentialsFile
    {
        public int Version { get; set; }

        public string? Note { get; set; }

        public List<CredentialsEntry>? Identities { get; set; }
    }

    private sealed class CredentialsEntry
    {
        public string User { get; set; } = string.Empty;

        public string Password { get; set; } = string.Empty;
    }
}
