using System.Net.Sockets;
using System.Text;

namespace EdgeBci.Control.Local;

/// <summary>How a local command was answered: the first word of the reply line.</summary>
public enum LocalReplyKind
{
    /// <summary>Done (or nothing to do); the text says what the supervisor did.</summary>
    Ok,

    /// <summary>Understood but refused, e.g. an arm while a precondition is false; the text names the reason.</summary>
    Refused,

    /// <summary>Not understood (unknown verb, line too long, no answer from the supervisor in time).</summary>
    Error,
}

/// <summary>One reply line: <c>ok: ...</c>, <c>refused: ...</c> or <c>error: ...</c>.</summary>
public readonly record struct LocalReply(LocalReplyKind Kind, string Text)
{
    public static LocalReply Ok(string text) => new(LocalReplyKind.Ok, text);

    public static LocalReply Refused(string text) => new(LocalReplyKind.Refused, text);

    public static LocalReply Error(string text) => new(LocalReplyKind.Error, text);

    public override string ToString() => Kind switch
    {
        LocalReplyKind.Ok => "ok: ",
        LocalReplyKind.Refused => "refused: ",
        _ => "error: ",
    } + Text;

    /// <summary>Reads a reply line written by <see cref="ToString"/>; anything else is an error naming the line.</summary>
    public static LocalReply Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        foreach (var kind in (ReadOnlySpan<LocalReplyKind>)[LocalReplyKind.Ok, LocalReplyKind.Refused, LocalReplyKind.Error])
        {
            var prefix = new LocalReply(kind, string.Empty).ToString();
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return new LocalReply(kind, line[prefix.Length..]);
            }
        }

        return Error($"the firmware answered '{line}', which is not a reply line (ok:, refused: or error:)");
    }
}

/// <summary>
/// The unit's local command channel: a Unix domain socket, one request line and one reply line per connection. A Unix
/// socket cannot be reached from the network, and its folder (0700) and file (0600) admit only the firmware's own user
/// (and root), so a command that arrives here was typed on the unit: that is what makes <c>edgebci arm</c> a local
/// action, the same as the arm button (ISO 7176-14's "no movement without a deliberate local action").
/// </summary>
public static class LocalCommandSocket
{
    /// <summary>Where the firmware listens on a unit (systemd's RuntimeDirectory=edgebci).</summary>
    public const string UnitPath = "/run/edgebci/control.sock";

    /// <summary>A request line longer than this is refused unread: the verbs are short.</summary>
    public const int MaxLineBytes = 256;

    /// <summary>
    /// The socket path for a configured value: empty means <see cref="UnitPath"/> when the firmware may create
    /// <c>/run/edgebci</c> (root, or the folder exists and is writable), otherwise <see cref="UserPath"/>; "off"
    /// means no socket (null).
    /// </summary>
    public static string? Resolve(string? configured)
    {
        var value = configured?.Trim() ?? string.Empty;
        if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (value.Length > 0)
        {
            return Path.GetFullPath(value);
        }

        return CanUseRunFolder() ? UnitPath : UserPath();
    }

    /// <summary>The default for a firmware that is not root (a developer's <c>make run</c>): the user's runtime folder.</summary>
    public static string UserPath()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var folder = !string.IsNullOrWhiteSpace(runtime) && Directory.Exists(runtime)
            ? Path.Combine(runtime, "edgebci")
            : Path.Combine(Path.GetTempPath(), "edgebci-" + Environment.UserName);
        return Path.Combine(folder, "control.sock");
    }

    /// <summary>
    /// Sends one command line to the firmware at <paramref name="path"/> and reads its reply. A firmware that is not
    /// running is an <see cref="IOException"/> naming the path.
    /// </summary>
    public static async Task<LocalReply> SendAsync(string path, string line, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(line);
        if (line.Contains('\n', StringComparison.Ordinal) || Encoding.UTF8.GetByteCount(line) >= MaxLineBytes)
        {
            throw new ArgumentException($"a local command is one line shorter than {MaxLineBytes} bytes", nameof(line));
        }

        if (!File.Exists(path))
        {
            throw new IOException($"no firmware command socket at {path}: is edgebci-firmware running on this unit (and Control:CommandSocket set to this path)?");
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), timeoutSource.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.UTF8.GetBytes(line + "\n"), SocketFlags.None, timeoutSource.Token).ConfigureAwait(false);
            var reply = await ReadLineAsync(socket, 4096, timeoutSource.Token).ConfigureAwait(false);
            return reply is null
                ? LocalReply.Error($"the firmware at {path} closed the connection without a reply")
                : LocalReply.Parse(reply);
        }
        catch (SocketException exception)
        {
            throw new IOException($"cannot reach the firmware at {path}: {exception.Message} (is edgebci-firmware running?)", exception);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"the firmware at {path} did not answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Reads up to a newline; a line longer than <paramref name="maxBytes"/> is an error, not a partial read.</summary>
    internal static async Task<string?> ReadLineAsync(Socket socket, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = new byte[maxBytes + 1];
        var length = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return length == 0 ? null : Encoding.UTF8.GetString(buffer, 0, length).TrimEnd('\r');
            }

            var newline = Array.IndexOf(buffer, (byte)'\n', length, read);
            length += read;
            if (newline >= 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, newline).TrimEnd('\r');
            }

            if (length > maxBytes)
            {
                throw new InvalidDataException($"line longer than {maxBytes} bytes");
            }
        }
    }

    private static bool CanUseRunFolder()
    {
        var folder = Path.GetDirectoryName(UnitPath)!;
        if (Directory.Exists(folder))
        {
            return IsWritable(folder);
        }

        return Directory.Exists("/run") && IsWritable("/run");
    }

    private static bool IsWritable(string folder)
    {
        // access(2) would answer directly; the probe file is what the firmware will do next anyway.
        var probe = Path.Combine(folder, $".edgebci-probe-{Environment.ProcessId}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return true;
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
