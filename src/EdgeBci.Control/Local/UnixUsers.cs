using System.Globalization;

namespace EdgeBci.Control.Local;

/// <summary>
/// User ids and names of this machine from its files, without a native library: names from /etc/passwd, this process's
/// effective user id from /proc/self/status (Linux).
/// </summary>
internal static class UnixUsers
{
    public const string PasswdFile = "/etc/passwd";
    public const string ProcessStatusFile = "/proc/self/status";

    /// <summary>The name /etc/passwd gives <paramref name="userId"/>; null when it has none or cannot be read (a user from LDAP, a container without the file).</summary>
    public static string? Name(uint userId, string passwdFile = PasswdFile)
    {
        try
        {
            return FindName(File.ReadLines(passwdFile), userId);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The first name with <paramref name="userId"/> in passwd(5) lines (name:password:uid:gid:gecos:home:shell); other lines are skipped.</summary>
    public static string? FindName(IEnumerable<string> lines, uint userId)
    {
        foreach (var line in lines)
        {
            var fields = line.Split(':');
            if (fields.Length >= 3 && fields[0].Length > 0 && !line.StartsWith('#')
                && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id == userId)
            {
                return fields[0];
            }
        }

        return null;
    }

    /// <summary>
    /// This process's effective user id, the second field of the "Uid:" line of /proc/self/status. Throws
    /// <see cref="IOException"/> naming the file when it cannot be read or has no such line.
    /// </summary>
    public static uint EffectiveUserId(string statusFile = ProcessStatusFile)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(statusFile);
        }
        catch (UnauthorizedAccessException exception)
        {
            throw new IOException($"cannot read {statusFile} for this process's user id: {exception.Message}", exception);
        }

        for (var number = 1; number <= lines.Length; number++)
        {
            var line = lines[number - 1];
            if (!line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                continue;
            }

            // Real, effective, saved set and file-system user ids.
            var fields = line["Uid:".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 2 && uint.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var effective))
            {
                return effective;
            }

            throw new IOException($"{statusFile} line {number}: '{line}' does not give an effective user id (Uid: real effective saved file-system)");
        }

        throw new IOException($"{statusFile} has no 'Uid:' line; this process's user id is unknown");
    }
}
