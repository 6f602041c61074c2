using EdgeBci.Control.Local;
using EdgeBci.Control.Supervision;

namespace EdgeBci.Firmware;

/// <summary>
/// The operator at the unit: the firmware's console and the local command socket <c>edgebci arm|disarm|stop|state</c>
/// talks to. Both take the same lines: arm, disarm and stop are requests the supervisor answers on its next tick (the
/// reply says what it did), state reads the last tick, and on the emulator inject and clear drive its faults. Nothing
/// about stopping depends on this: a socket that cannot be opened is said and the unit runs on.
/// </summary>
internal sealed partial class LocalOperator(
    SupervisorService supervisor,
    OperatorRequests requests,
    DecodingService decoding,
    EmulatorFaultService faults,
    ILogger<LocalOperator> logger) : IHostedService
{
    private readonly ILogger<LocalOperator> _logger = logger;
    private LocalCommandServer? _commandSocket;
    private Thread? _console;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var stage = supervisor.Stage;
        StartCommandSocket(stage.Firmware.CommandSocket);
        var local = new List<string>(3);
        if (stage.Options.ArmButtonPin >= 0)
        {
            local.Add($"the arm button (GPIO {stage.Options.ArmButtonPin})");
        }

        if (_commandSocket is { } socket)
        {
            local.Add($"'edgebci arm' on the unit (socket {socket.Path})");
        }

        if (stage.Firmware.ConsoleCommands)
        {
            local.Add("'arm' on the firmware's console");
        }

        LogArming(local.Count == 0
            ? "nothing: no arm button wired, no command socket (Control:CommandSocket) and console commands off (Control:ConsoleCommands); this unit cannot arm"
            : stage.AutoArm
                ? "a local action; Control:AutoArmOnEmulator makes the first one (a LocalCli request once every precondition holds after switch-on); after a STOP: " + string.Join(" or ", local)
                : "a local action: " + string.Join(" or ", local));
        if (stage.Firmware.ConsoleCommands && Terminal.InputIsBackgroundTerminal())
        {
            LogConsoleBackground();
        }
        else if (stage.Firmware.ConsoleCommands)
        {
            _console = new Thread(ReadConsole) { IsBackground = true, Name = "edgebci-console" };
            _console.Start();
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Interlocked.Exchange(ref _commandSocket, null)?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>One line from the console or the socket.</summary>
    private async Task<LocalReply> ExecuteAsync(string line, string channel, LocalCaller? caller, CancellationToken cancellationToken)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? line : line[..space]).ToLowerInvariant();
        var argument = space < 0 ? string.Empty : line[(space + 1)..].Trim();
        var usage = faults.Available
            ? "use arm, disarm, stop, state, inject <fault> (" + EmulatorFaultService.Usage + ") or clear"
            : "use arm, disarm, stop or state";
        switch (verb)
        {
            case "arm":
            case "disarm":
            case "stop":
                var kind = verb switch { "arm" => RequestKind.Arm, "disarm" => RequestKind.Disarm, _ => RequestKind.Stop };
                return await requests.LocalRequestAsync(kind, channel, caller?.ToString(), cancellationToken).ConfigureAwait(false);
            case "state":
                return supervisor.Last is { } last ? LocalReply.Ok(requests.DescribeState(last, decoding.Status.Describe())) : LocalReply.Error("the supervisor has not ticked yet");
            case "inject":
                return faults.TryInject(argument, channel, out var error) ? LocalReply.Ok($"fault '{argument}' injected") : LocalReply.Refused(error);
            case "clear":
                return faults.ClearAll() ? LocalReply.Ok("emulator faults cleared") : LocalReply.Refused("no emulator here, or no fault to clear");
            case "":
                return LocalReply.Error("empty command; " + usage);
            default:
                return LocalReply.Error($"'{line}' is not a command; {usage}");
        }
    }

    /// <summary>
    /// A socket that cannot be opened (a second firmware holds it, a folder others could write to) is said and the
    /// unit runs on: the arm button and the console remain.
    /// </summary>
    private void StartCommandSocket(string configured)
    {
        string? path;
        try
        {
            path = LocalCommandSocket.Resolve(configured);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            LogCommandSocketFailed(configured, $"Control:CommandSocket is not a usable path: {exception.Message}");
            return;
        }

        if (path is null)
        {
            LogCommandSocketOff();
            return;
        }

        try
        {
            _commandSocket = LocalCommandServer.Start(path, (line, caller, token) => ExecuteAsync(line, caller is null ? "socket" : $"socket ({caller})", caller, token));
            _commandSocket.CallerRefused += (caller, line) => LogCallerRefused(caller.ToString(), line);
            _commandSocket.AcceptFailing += exception => LogAcceptFailing(path, exception.SocketErrorCode, exception.Message, LocalCommandServer.AcceptBackoff.TotalMilliseconds);
            _commandSocket.AcceptRecovered += failures => LogAcceptRecovered(path, failures);
            LogCommandSocket(path);
        }
        catch (IOException exception)
        {
            LogCommandSocketFailed(path, exception.Message);
        }
    }

    private void ReadConsole()
    {
        try
        {
            while (Console.In.ReadLine() is { } line)
            {
                var reply = ExecuteAsync(line.Trim(), "console", null, CancellationToken.None).GetAwaiter().GetResult();
                LogLocalReply("console", line.Trim(), reply.ToString());
            }
        }
        catch (IOException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "control: arming needs {How}")]
    private partial void LogArming(string how);

    [LoggerMessage(Level = LogLevel.Warning, Message = "console: not read, the firmware runs in the background of its terminal (reading would stop the process); run it in the foreground to type arm, disarm, stop")]
    private partial void LogConsoleBackground();

    [LoggerMessage(Level = LogLevel.Information, Message = "{Channel}: '{Line}' -> {Reply}")]
    private partial void LogLocalReply(string channel, string line, string reply);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: local commands on {Path} (edgebci arm|disarm|stop|state; this user and root only)")]
    private partial void LogCommandSocket(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "control: command socket refused {Caller}: neither root nor the firmware's user ('{Line}' not executed)")]
    private partial void LogCallerRefused(string caller, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "control: command socket {Path} cannot accept connections: {Error} ({Message}); retrying every {Backoff:0} ms, said once per burst")]
    private partial void LogAcceptFailing(string path, System.Net.Sockets.SocketError error, string message, double backoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: command socket {Path} accepts connections again after {Failures} failed accepts")]
    private partial void LogAcceptRecovered(string path, long failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "control: command socket off (Control:CommandSocket)")]
    private partial void LogCommandSocketOff();

    [LoggerMessage(Level = LogLevel.Warning, Message = "control: no command socket at {Path}: {Reason}; the arm button and the console remain")]
    private partial void LogCommandSocketFailed(string path, string reason);
}
