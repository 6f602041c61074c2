using System.Net.Sockets;
using System.Text;

namespace EdgeBci.Control.Local;

/// <summary>
/// Answers one local command line (see <see cref="LocalCommandSocket"/>) from <paramref name="caller"/>, the process the
/// kernel says connected (null where the OS cannot tell: not Linux).
/// </summary>
public delegate Task<LocalReply> LocalCommandHandler(string line, LocalCaller? caller, CancellationToken cancellationToken);

/// <summary>Answers one local command line without asking who sent it (the caller check still applies).</summary>
public delegate Task<LocalReply> LocalLineHandler(string line, CancellationToken cancellationToken);

/// <summary>
/// The firmware's side of <see cref="LocalCommandSocket"/>: listens on a Unix domain socket in a 0700 folder, file mode
/// 0600, and answers each connection's one line through the handler. A client that sends nothing, too much or hangs is
/// dropped after <see cref="ClientTimeout"/>; nothing a client does reaches the handler except a whole line. Each
/// connection's peer is read from the kernel (SO_PEERCRED) and passed to the handler; a peer that is neither root nor the
/// firmware's own user is refused even if it reached the socket (the file modes are the first fence, this the second).
/// </summary>
public sealed class LocalCommandServer : IDisposable
{
    /// <summary>How long one client may take to send its line and wait for its reply.</summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(5);

    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly Socket _listener;
    private readonly LocalCommandHandler _handler;
    private readonly uint? _firmwareUserId;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private int _disposed;
    private long _answered;
    private long _dropped;
    private long _refused;

    private LocalCommandServer(string path, Socket listener, LocalCommandHandler handler, uint? firmwareUserId)
    {
        Path = path;
        _listener = listener;
        _handler = handler;
        _firmwareUserId = firmwareUserId;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The socket file.</summary>
    public string Path { get; }

    /// <summary>Connections answered (a reply line written).</summary>
    public long Answered => Interlocked.Read(ref _answered);

    /// <summary>Connections dropped: no line in time, a line too long, a client gone before its reply.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Connections refused for who the caller is (or because the kernel would not say).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// Raised on a pool thread with each caller refused and the line it sent, for the firmware's log. Handlers must not
    /// throw.
    /// </summary>
    public event Action<LocalCaller, string>? CallerRefused;

    /// <summary>Binds the socket for a handler that does not need to know the caller; see <see cref="Start(string, LocalCommandHandler)"/>.</summary>
    public static LocalCommandServer Start(string path, LocalLineHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Start(path, (line, _, cancellationToken) => handler(line, cancellationToken));
    }

    /// <summary>
    /// Binds the socket. Throws <see cref="IOException"/> naming the path when another process is listening there (a
    /// second firmware) or the folder cannot be made private, and when this process's own user id cannot be read
    /// (/proc/self/status); a stale socket file of a process that died is replaced.
    /// </summary>
    public static LocalCommandServer Start(string path, LocalCommandHandler handler)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(handler);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the local command socket relies on Unix file modes for who may arm");
        }

        // Where SO_PEERCRED answers, so does /proc: the caller check needs both, and the file modes stand alone elsewhere.
        uint? firmwareUserId = OperatingSystem.IsLinux() ? UnixUsers.EffectiveUserId() : null;

        var folder = System.IO.Path.GetDirectoryName(path) ?? throw new IOException($"the command socket path {path} has no folder");
        try
        {
            Directory.CreateDirectory(folder, FolderMode);
            if (!folder.Equals("/run", StringComparison.Ordinal) && !folder.Equals(System.IO.Path.GetTempPath().TrimEnd('/'), StringComparison.Ordinal))
            {
                // A folder made earlier with wider rights is narrowed; one this user does not own cannot be, and is refused.
                File.SetUnixFileMode(folder, FolderMode);
            }
        }
        catch (UnauthorizedAccessException exception)
        {
            throw new IOException($"the command socket folder {folder} cannot be made private to this user: {exception.Message}", exception);
        }

        if (File.Exists(path))
        {
            if (IsListening(path))
            {
                throw new IOException($"another process is listening on the command socket {path} (a second firmware?); set Control:CommandSocket to another path or \"off\"");
            }

            File.Delete(path);
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, SocketMode);
            listener.Listen(4);
        }
        catch (Exception exception) when (exception is SocketException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new IOException($"cannot listen on the command socket {path}: {exception.Message}", exception);
        }

        return new LocalCommandServer(path, listener, handler, firmwareUserId);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Dispose();
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        try
        {
            File.Delete(Path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // A leftover file is replaced at the next start (it has no listener).
        }

        _stopping.Dispose();
    }

    private static bool IsListening(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(Socket client)
    {
        using (client)
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
        {
            timeout.CancelAfter(ClientTimeout);
            try
            {
                var line = await LocalCommandSocket.ReadLineAsync(client, LocalCommandSocket.MaxLineBytes, timeout.Token).ConfigureAwait(false);
                if (line is null)
                {
                    Interlocked.Increment(ref _dropped);
                    return;
                }

                // After the line, so that a refused client has finished sending and reads its answer.
                if (!Admit(client, line, out var caller, out var refusal))
                {
                    await TrySendAsync(client, refusal).ConfigureAwait(false);
                    return;
                }

                LocalReply reply;
                try
                {
                    reply = await _handler(line.Trim(), caller, timeout.Token).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // The handler's failure is the client's answer; the listener keeps serving.
                catch (Exception exception) when (exception is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    reply = LocalReply.Error($"{exception.GetType().Name}: {exception.Message}");
                }

                await client.SendAsync(Encoding.UTF8.GetBytes(reply + "\n"), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _answered);
            }
            catch (InvalidDataException exception)
            {
                Interlocked.Increment(ref _dropped);
                await TrySendAsync(client, LocalReply.Error(exception.Message)).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    /// <summary>Who connected, and whether that user may command the unit; a caller the kernel will not name is refused.</summary>
    private bool Admit(Socket client, string line, out LocalCaller? caller, out LocalReply refusal)
    {
        refusal = default;
        try
        {
            caller = LocalCaller.Of(client);
        }
        catch (SocketException exception)
        {
            caller = null;
            Interlocked.Increment(ref _refused);
            refusal = LocalReply.Error($"the firmware cannot tell who is calling (SO_PEERCRED: {exception.Message}); nothing done");
            return false;
        }

        if (caller is null || _firmwareUserId is not { } firmwareUserId || caller.MayCommand(firmwareUserId))
        {
            return true;
        }

        Interlocked.Increment(ref _refused);
        refusal = LocalReply.Refused($"{caller} may not command this unit: only root (sudo edgebci ...) and the firmware's own user (uid {firmwareUserId}) may");
        CallerRefused?.Invoke(caller, line);
        return false;
    }

    private static async Task TrySendAsync(Socket client, LocalReply reply)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.SendAsync(Encoding.UTF8.GetBytes(reply + "\n"), SocketFlags.None, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
