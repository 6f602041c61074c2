using System.Diagnostics;
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
/// The firmware's side of <see cref="LocalCommandSocket"/>: listens on a Unix domain socket, file mode 0600, in a folder
/// nobody else can write (created 0700 when missing, see <see cref="SocketFolder"/>), and answers each connection's one
/// line through the handler. The listen backlog is the system's maximum, so a burst of connections does not turn
/// <c>edgebci stop</c> away, and an accept that fails (out of file descriptors) is retried after
/// <see cref="AcceptBackoff"/>: only disposal ends the accept loop. A client that sends nothing, too much or hangs is
/// dropped after <see cref="ClientTimeout"/>; nothing a client does reaches the handler except a whole line. Each
/// connection's peer is read from the kernel (SO_PEERCRED) and passed to the handler; a peer that is neither root nor the
/// firmware's own user is refused even if it reached the socket (the file modes are the first fence, this the second).
/// </summary>
public sealed class LocalCommandServer : IDisposable
{
    /// <summary>How long one client may take to send its line and wait for its reply.</summary>
    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long the accept loop waits after a failed accept before it tries again.</summary>
    public static readonly TimeSpan AcceptBackoff = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Failed accepts less than this apart are one burst, said once (<see cref="AcceptFailing"/>, then
    /// <see cref="AcceptRecovered"/>): at the edge of the descriptor limit accepts fail and succeed in turn.
    /// </summary>
    public static readonly TimeSpan AcceptBurstGap = TimeSpan.FromSeconds(10);

    /// <summary>The kernel's cap on a listen backlog, and the backlog used where it cannot be read.</summary>
    public const string MaxBacklogFile = "/proc/sys/net/core/somaxconn";
    public const int DefaultMaxBacklog = 4096;

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
    private long _acceptErrors;

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

    /// <summary>Accepts that failed (each retried after <see cref="AcceptBackoff"/>).</summary>
    public long AcceptErrors => Interlocked.Read(ref _acceptErrors);

    /// <summary>The listen backlog this socket was given (the system's maximum).</summary>
    public int Backlog { get; private init; }

    /// <summary>
    /// Raised on a pool thread with the first failed accept of a burst (e.g. out of file descriptors), for the firmware's
    /// log; the loop keeps retrying. Handlers must not throw.
    /// </summary>
    public event Action<SocketException>? AcceptFailing;

    /// <summary>
    /// Raised at the first accept that succeeds in a burst of failures, with the failures so far; once per burst.
    /// Handlers must not throw.
    /// </summary>
    public event Action<long>? AcceptRecovered;

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
    /// second firmware), when the folder cannot be created or someone else could replace the socket in it (see
    /// <see cref="SocketFolder"/>), and when this process's own user id cannot be read (/proc/self/status); a stale
    /// socket file of a process that died is replaced.
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
        SocketFolder.Prepare(folder, firmwareUserId);

        if (File.Exists(path))
        {
            if (IsListening(path))
            {
                throw new IOException($"another process is listening on the command socket {path} (a second firmware?); set Control:CommandSocket to another path or \"off\"");
            }

            File.Delete(path);
        }

        var backlog = MaxBacklog();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, SocketMode);
            listener.Listen(backlog);
        }
        catch (Exception exception) when (exception is SocketException or UnauthorizedAccessException)
        {
            listener.Dispose();
            throw new IOException($"cannot listen on the command socket {path}: {exception.Message}", exception);
        }

        return new LocalCommandServer(path, listener, handler, firmwareUserId) { Backlog = backlog };
    }

    /// <summary>The kernel's cap (net.core.somaxconn, 4096 on current kernels); <see cref="DefaultMaxBacklog"/> where it cannot be read.</summary>
    public static int MaxBacklog(string file = MaxBacklogFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0
                ? value
                : DefaultMaxBacklog;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return DefaultMaxBacklog;
        }
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
        long failures = 0;
        var lastFailure = 0L;
        var recoveryReported = false;
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException
                || (exception is SocketException && _stopping.IsCancellationRequested))
            {
                return;
            }
            catch (SocketException exception)
            {
                // EMFILE, ENFILE, ENOBUFS: the connection waits in the backlog until a descriptor frees; retrying at
                // once would spin, giving up would leave the unit without its local stop until a restart.
                Interlocked.Increment(ref _acceptErrors);
                if (failures == 0 || Stopwatch.GetElapsedTime(lastFailure) > AcceptBurstGap)
                {
                    failures = 0;
                    recoveryReported = false;
                    AcceptFailing?.Invoke(exception);
                }

                failures++;
                lastFailure = Stopwatch.GetTimestamp();

                if (!await BackOffAsync().ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            if (failures > 0 && !recoveryReported)
            {
                recoveryReported = true;
                AcceptRecovered?.Invoke(failures);
            }

            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    /// <summary>Waits <see cref="AcceptBackoff"/>; false when the server is being disposed.</summary>
    private async Task<bool> BackOffAsync()
    {
        try
        {
            await Task.Delay(AcceptBackoff, _stopping.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
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
