using System.Globalization;
using EdgeBci.Acquisition.Streaming;
using Microsoft.Extensions.Hosting.Systemd;

namespace EdgeBci.Firmware;

/// <summary>
/// What systemd asks of this process's watchdog: <c>WatchdogSec=</c> in the unit reaches the process as
/// <c>WATCHDOG_USEC</c> (and <c>WATCHDOG_PID</c>, the process it is meant for; absent means this one). No timeout means
/// no watchdog; <see cref="Problem"/> says why a value could not be used.
/// </summary>
internal readonly record struct SystemdWatchdogRequest(TimeSpan? Timeout, string Description, string? Problem = null)
{
    public const string TimeoutVariable = "WATCHDOG_USEC";
    public const string ProcessVariable = "WATCHDOG_PID";

    public static SystemdWatchdogRequest FromEnvironment(Func<string, string?> variable, int processId)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var microseconds = variable(TimeoutVariable);
        if (string.IsNullOrEmpty(microseconds))
        {
            return new(null, $"{TimeoutVariable} is not set (no WatchdogSec= in the unit, or not run by systemd)");
        }

        var pid = variable(ProcessVariable);
        if (!string.IsNullOrEmpty(pid))
        {
            if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var target))
            {
                return new(null, "not pinging", $"{ProcessVariable} = '{pid}' is not a process id");
            }

            if (target != processId)
            {
                return new(null, $"{ProcessVariable} = {target} is another process (this is {processId}): the watchdog is not this process's");
            }
        }

        if (!long.TryParse(microseconds, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0 || value > TimeSpan.MaxValue.Ticks / 10)
        {
            return new(null, "not pinging", $"{TimeoutVariable} = '{microseconds}' is not a positive whole number of microseconds");
        }

        var timeout = TimeSpan.FromMicroseconds(value);
        return new(timeout, FormattableString.Invariant($"WatchdogSec {timeout.TotalMilliseconds:0} ms"));
    }
}

/// <summary>
/// Pings systemd's watchdog (<c>WATCHDOG=1</c>) at half the interval systemd gives, and only while the supervisor loop
/// and the acquisition loop both made progress since the previous ping. A firmware that is alive but hung (a deadlocked
/// or stalled loop, a starved thread pool) therefore stops pinging, and systemd aborts it, runs ExecStopPost (neutral,
/// deadman dropped) and restarts it into Disarmed. The wearer's stop does not wait for this: the driver's heartbeat
/// watchdog and the deadman act within a tenth of a second; this is what brings a hung unit back.
/// </summary>
internal sealed partial class SystemdWatchdog : BackgroundService
{
    private static readonly ServiceState Ping = new("WATCHDOG=1");

    private readonly ISystemdNotifier _notifier;
    private readonly SystemdWatchdogRequest _request;
    private readonly Func<long> _supervisorProgress;
    private readonly Func<long> _acquisitionProgress;
    private readonly TimeProvider _time;
    private readonly ILogger<SystemdWatchdog> _logger;
    private long _lastSupervisor;
    private long _lastAcquisition;
    private bool _stalled;
    private long _pings;

    /// <param name="notifier">Where <c>WATCHDOG=1</c> goes (NOTIFY_SOCKET).</param>
    /// <param name="request">The watchdog systemd asked for.</param>
    /// <param name="supervisorProgress">A value that changes at every supervisor tick.</param>
    /// <param name="acquisitionProgress">A value that changes at every pass of the acquisition loop, a DRDY timeout included.</param>
    /// <param name="time">The clock of the ping period.</param>
    /// <param name="logger">Says when the watchdog is on or off, and when pings stop and resume.</param>
    public SystemdWatchdog(ISystemdNotifier notifier, SystemdWatchdogRequest request, Func<long> supervisorProgress, Func<long> acquisitionProgress,
        TimeProvider time, ILogger<SystemdWatchdog> logger)
    {
        ArgumentNullException.ThrowIfNull(notifier);
        ArgumentNullException.ThrowIfNull(supervisorProgress);
        ArgumentNullException.ThrowIfNull(acquisitionProgress);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _notifier = notifier;
        _request = request;
        _supervisorProgress = supervisorProgress;
        _acquisitionProgress = acquisitionProgress;
        _time = time;
        _logger = logger;
    }

    /// <summary>Pings sent so far.</summary>
    public long Pings => Interlocked.Read(ref _pings);

    /// <summary>
    /// The firmware's watchdog: systemd's request from this process's environment, the notifier of
    /// Microsoft.Extensions.Hosting.Systemd (one of its own when the host is not run by systemd but NOTIFY_SOCKET is set),
    /// the supervisor's last tick time and the acquisition loop's passes as the progress probes.
    /// </summary>
    public static SystemdWatchdog ForFirmware(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var supervisor = services.GetRequiredService<SupervisorService>();
        var acquisition = services.GetRequiredService<AcquisitionService>();
        return new SystemdWatchdog(
            services.GetService<ISystemdNotifier>() ?? new SystemdNotifier(),
            SystemdWatchdogRequest.FromEnvironment(Environment.GetEnvironmentVariable, Environment.ProcessId),
            () => supervisor.Ticks,
            () => AcquisitionPasses(acquisition.Loop),
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILogger<SystemdWatchdog>>());
    }

    /// <summary>Every pass of the acquisition loop ends in exactly one of these counters: a frame, a bad frame or a DRDY timeout.</summary>
    public static long AcquisitionPasses(AcquisitionLoop? loop)
    {
        if (loop is null)
        {
            return 0;
        }

        var counters = loop.Counters;
        return counters.Frames + counters.BadFrames + counters.DataReadyTimeouts;
    }

    /// <summary>
    /// One period: reads both probes and sends <c>WATCHDOG=1</c> when both changed since the previous check; true when it
    /// pinged. Logs once when pings stop, naming the loop that stalled, and once when they resume.
    /// </summary>
    internal bool Check(TimeSpan period)
    {
        long supervisor, acquisition;
        try
        {
            supervisor = _supervisorProgress();
            acquisition = _acquisitionProgress();
        }
#pragma warning disable CA1031 // A probe that fails is no proof of progress: no ping, and systemd acts.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Stall($"a progress probe threw {exception.GetType().Name}: {exception.Message}");
            return false;
        }

        var supervisorMoved = supervisor != _lastSupervisor;
        var acquisitionMoved = acquisition != _lastAcquisition;
        _lastSupervisor = supervisor;
        _lastAcquisition = acquisition;
        if (!supervisorMoved || !acquisitionMoved)
        {
            var stalled = supervisorMoved ? "the acquisition loop" : acquisitionMoved ? "the supervisor loop" : "the supervisor and acquisition loops";
            Stall(FormattableString.Invariant($"{stalled} made no progress in the last {period.TotalMilliseconds:0} ms"));
            return false;
        }

        _notifier.Notify(Ping);
        Interlocked.Increment(ref _pings);
        if (_stalled)
        {
            _stalled = false;
            LogResumed();
        }

        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_request.Problem is { } problem)
        {
            LogBadRequest(problem);
            return;
        }

        if (_request.Timeout is not { } timeout)
        {
            LogOff(_request.Description);
            return;
        }

        if (!_notifier.IsEnabled)
        {
            LogNoSocket(_request.Description);
            return;
        }

        var period = timeout / 2;
        LogOn(period.TotalMilliseconds, _request.Description);
        _lastSupervisor = _supervisorProgress();
        _lastAcquisition = _acquisitionProgress();
        using var timer = new PeriodicTimer(period, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            Check(period);
        }
    }

    private void Stall(string why)
    {
        if (!_stalled)
        {
            _stalled = true;
            LogStalled(why);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "systemd watchdog: WATCHDOG=1 every {Period:0} ms while the supervisor and acquisition loops make progress ({Request})")]
    private partial void LogOn(double period, string request);

    [LoggerMessage(Level = LogLevel.Information, Message = "systemd watchdog: off; {Why}")]
    private partial void LogOff(string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "systemd watchdog: {Problem}; no WATCHDOG=1 is sent, so systemd will stop this firmware if it runs a watchdog")]
    private partial void LogBadRequest(string problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "systemd watchdog: {Request} asked for, but NOTIFY_SOCKET is not set: WATCHDOG=1 has nowhere to go")]
    private partial void LogNoSocket(string request);

    [LoggerMessage(Level = LogLevel.Critical, Message = "systemd watchdog: not pinging: {Why}; systemd stops and restarts the firmware if this lasts its WatchdogSec")]
    private partial void LogStalled(string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "systemd watchdog: both loops progress again; pinging")]
    private partial void LogResumed();
}
