using System.Globalization;
using System.Text.Json;

namespace EdgeBci.Training.Camp;

/// <summary>
/// A wearer's own folder on the unit: <c>&lt;root&gt;/wearers/&lt;id&gt;/</c> with <c>sessions/&lt;yyyyMMddTHHmmssZ&gt;/</c>
/// (calibration.bdf, schedule.json), <c>bundles/&lt;model-version&gt;/</c> (gate reports beside each bundle) and
/// <c>wearer.json</c> (id, created, sessions). The wearer's EEG is personal data: every folder is created for the
/// unit's user alone (0700), nothing here is sent anywhere, and an existing session is never overwritten.
/// </summary>
public sealed class WearerFolder
{
    /// <summary>The unit's data folder (systemd's StateDirectory for the firmware).</summary>
    public const string UnitRoot = "/var/lib/edgebci";

    public const string RecordingFileName = "calibration.bdf";
    public const string ScheduleFileName = "schedule.json";
    public const string WearerFileName = "wearer.json";

    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const int MaximumIdLength = 64;

    private WearerFolder(string root, string id)
    {
        Root = root;
        Id = id;
        Path = System.IO.Path.Combine(root, "wearers", id);
    }

    /// <summary>The data root holding <c>wearers/</c>.</summary>
    public string Root { get; }

    public string Id { get; }

    public string Path { get; }

    public string SessionsPath => System.IO.Path.Combine(Path, "sessions");

    public string BundlesPath => System.IO.Path.Combine(Path, "bundles");

    /// <summary>
    /// The data root: <paramref name="configured"/> when given, else <see cref="UnitRoot"/> when it can be written,
    /// else <c>&lt;temp&gt;/edgebci</c> for a developer's run without root (as the firmware's own folders do).
    /// </summary>
    public static string ResolveRoot(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return System.IO.Path.GetFullPath(configured);
        }

        try
        {
            Directory.CreateDirectory(UnitRoot);
            var probe = System.IO.Path.Combine(UnitRoot, $".write-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return UnitRoot;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return System.IO.Path.Combine(System.IO.Path.GetTempPath(), "edgebci");
        }
    }

    /// <summary>Opens (creating if new) the folder of wearer <paramref name="id"/> under <paramref name="root"/>.</summary>
    /// <exception cref="ArgumentException">The id is not 1-64 characters of a-z, 0-9, '-' and '_' (named).</exception>
    public static WearerFolder Open(string root, string id)
    {
        ArgumentNullException.ThrowIfNull(root);
        ValidateId(id);
        var folder = new WearerFolder(System.IO.Path.GetFullPath(root), id);
        Directory.CreateDirectory(folder.Root);
        CreatePrivate(System.IO.Path.Combine(folder.Root, "wearers"));
        CreatePrivate(folder.Path);
        CreatePrivate(folder.SessionsPath);
        CreatePrivate(folder.BundlesPath);
        if (!File.Exists(folder.WearerFilePath))
        {
            folder.WriteWearerFile(DateTime.UtcNow, []);
        }

        return folder;
    }

    /// <summary>Throws naming <paramref name="id"/> unless it is 1-64 characters of a-z, 0-9, '-' and '_'.</summary>
    public static void ValidateId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaximumIdLength)
        {
            throw new ArgumentException($"--wearer '{id}': a wearer id is 1 to {MaximumIdLength} characters.");
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
            {
                throw new ArgumentException($"--wearer '{id}': '{c}' is not allowed; use a-z, 0-9, '-' and '_' (it names a folder on the unit).");
            }
        }
    }

    public string WearerFilePath => System.IO.Path.Combine(Path, WearerFileName);

    /// <summary>
    /// Creates the folder of a new session started at <paramref name="startUtc"/> and lists it in wearer.json.
    /// </summary>
    /// <exception cref="IOException">A session of that second already exists; it is left as it is.</exception>
    public string CreateSession(DateTime startUtc)
    {
        var name = startUtc.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var session = System.IO.Path.Combine(SessionsPath, name);
        if (Directory.Exists(session))
        {
            throw new IOException($"{session}: a session of wearer '{Id}' started in that second already exists; it is never overwritten.");
        }

        CreatePrivate(session);
        var (created, sessions) = ReadWearerFile();
        sessions.Add(name);
        WriteWearerFile(created, sessions);
        return session;
    }

    /// <summary>The sessions wearer.json lists, oldest first.</summary>
    public IReadOnlyList<string> Sessions => ReadWearerFile().Sessions;

    private (DateTime Created, List<string> Sessions) ReadWearerFile()
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(WearerFilePath));
            var root = document.RootElement;
            var created = root.GetProperty("created").GetDateTime();
            var sessions = new List<string>();
            foreach (var session in root.GetProperty("sessions").EnumerateArray())
            {
                sessions.Add(session.GetString() ?? throw new FormatException("a session is not a string"));
            }

            return (created, sessions);
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new IOException($"{WearerFilePath}: not a wearer file ({{ \"id\", \"created\", \"sessions\" }}): {exception.Message}", exception);
        }
    }

    private void WriteWearerFile(DateTime created, IReadOnlyList<string> sessions)
    {
        var temporary = WearerFilePath + ".tmp";
        File.Delete(temporary);
        using (var stream = CreatePrivateFile(temporary))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("id", Id);
            writer.WriteString("created", created.ToUniversalTime());
            writer.WriteStartArray("sessions");
            foreach (var session in sessions)
            {
                writer.WriteStringValue(session);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        // A power cut mid-write leaves the old list, not half a file.
        File.Move(temporary, WearerFilePath, overwrite: true);
    }

    /// <summary>Creates a new file readable by the unit's user alone (0600 from its first byte); an existing file is refused.</summary>
    internal static FileStream CreatePrivateFile(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(path, options);
    }

    private static void CreatePrivate(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, OwnerOnly);
    }
}
