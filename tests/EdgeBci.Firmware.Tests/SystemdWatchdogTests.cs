using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// systemd's watchdog: the real firmware, run with NOTIFY_SOCKET pointing at a datagram socket this test listens on and
/// WATCHDOG_USEC set, sends WATCHDOG=1 while it runs; the service itself pings only while both loops' progress probes
/// move, and stops pinging when either freezes.
/// </summary>
public class SystemdWatchdogTests
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    [Test]
    public async Task The_firmware_pings_the_notify_socket_while_it_runs()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"edgebci-notify-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var notifySocket = Path.Combine(folder, "notify.sock");
            using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(notifySocket));
            using var firmware = FirmwareProcess.WithEnvironment(new Dictionary<string, string>
            {
                ["NOTIFY_SOCKET"] = notifySocket,
                [SystemdWatchdogRequest.TimeoutVariable] = "1000000",
            });

            var arrivals = new List<TimeSpan>();
            var clock = Stopwatch.StartNew();
            var lastArrival = TimeSpan.Zero;
            var buffer = new byte[256];
            while (arrivals.Count < 4)
            {
                // Generous: the first ping comes once the firmware is up, on a loaded 2-core machine. Woken every
                // second to notice a firmware that exited instead.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                int length;
                try
                {
                    length = await listener.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    if (firmware.HasExited || clock.Elapsed - lastArrival > TimeSpan.FromSeconds(90))
                    {
                        Assert.Fail($"{arrivals.Count} pings, then none for {(clock.Elapsed - lastArrival).TotalSeconds:0} s (firmware exited: {firmware.HasExited}). Firmware output:\n{firmware.Output}");
                    }

                    continue;
                }

                if (Encoding.UTF8.GetString(buffer, 0, length) == "WATCHDOG=1")
                {
                    lastArrival = clock.Elapsed;
                    arrivals.Add(lastArrival);
                }
            }

            TestContext.Out.WriteLine("pings at " + string.Join(", ", arrivals.Select(time => $"{time.TotalMilliseconds:0} ms")) + " (period 500 ms)");
            Assert.That(firmware.Output, Does.Contain("systemd watchdog: WATCHDOG=1 every 500 ms while the supervisor and acquisition loops make progress (WatchdogSec 1000 ms)"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void Pings_go_out_only_while_both_loops_progress()
    {
        var unit = new Unit();

        Assert.Multiple(() =>
        {
            Assert.That(unit.Step(supervisor: true, acquisition: true), Is.True);
            Assert.That(unit.Step(supervisor: true, acquisition: true), Is.True);
            Assert.That(unit.Step(supervisor: false, acquisition: true), Is.False, "the supervisor loop hung");
            Assert.That(unit.Step(supervisor: false, acquisition: true), Is.False);
            Assert.That(unit.Step(supervisor: true, acquisition: false), Is.False, "the acquisition loop hung");
            Assert.That(unit.Step(supervisor: false, acquisition: false), Is.False);
            Assert.That(unit.Step(supervisor: true, acquisition: true), Is.True, "both move again");
            Assert.That(unit.Notifier.States, Is.EqualTo(Enumerable.Repeat("WATCHDOG=1", 3)));
            Assert.That(unit.Watchdog.Pings, Is.EqualTo(3));
            Assert.That(unit.Logger.Lines, Is.EqualTo(new[]
            {
                "Critical systemd watchdog: not pinging: the supervisor loop made no progress in the last 500 ms; systemd stops and restarts the firmware if this lasts its WatchdogSec",
                "Warning systemd watchdog: both loops progress again; pinging",
            }));
        });
    }

    [Test]
    public void A_probe_that_throws_is_no_progress()
    {
        var unit = new Unit { ThrowFromSupervisorProbe = true };

        Assert.Multiple(() =>
        {
            Assert.That(unit.Step(supervisor: true, acquisition: true), Is.False);
            Assert.That(unit.Notifier.States, Is.Empty);
            Assert.That(unit.Logger.Lines.Single(), Does.Contain("not pinging: a progress probe threw InvalidOperationException: the loop is gone"));
        });
    }

    [TestCase(null, null, null, "WATCHDOG_USEC is not set (no WatchdogSec= in the unit, or not run by systemd)", null)]
    [TestCase("2000000", null, 2000.0, "WatchdogSec 2000 ms", null)]
    [TestCase("2000000", "4242", 2000.0, "WatchdogSec 2000 ms", null)]
    [TestCase("2000000", "1", null, "WATCHDOG_PID = 1 is another process (this is 4242): the watchdog is not this process's", null)]
    [TestCase("2s", null, null, "not pinging", "WATCHDOG_USEC = '2s' is not a positive whole number of microseconds")]
    [TestCase("0", null, null, "not pinging", "WATCHDOG_USEC = '0' is not a positive whole number of microseconds")]
    [TestCase("2000000", "init", null, "not pinging", "WATCHDOG_PID = 'init' is not a process id")]
    public void The_request_comes_from_watchdog_usec_for_this_process_and_a_bad_value_is_named(string? microseconds, string? pid, double? timeoutMs, string description, string? problem)
    {
        var request = SystemdWatchdogRequest.FromEnvironment(
            name => name switch { "WATCHDOG_USEC" => microseconds, "WATCHDOG_PID" => pid, _ => null }, processId: 4242);

        Assert.That(request, Is.EqualTo(new SystemdWatchdogRequest(timeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, description, problem)));
    }

    [Test]
    public void No_acquisition_loop_yet_is_no_progress() => Assert.That(SystemdWatchdog.AcquisitionPasses(null), Is.Zero);

    /// <summary>The watchdog with probes the test moves, a notifier that records and a logger that keeps lines.</summary>
    private sealed class Unit
    {
        private long _supervisor;
        private long _acquisition;

        public Unit()
        {
            Watchdog = new SystemdWatchdog(Notifier, new SystemdWatchdogRequest(2 * Period, "test"),
                () => ThrowFromSupervisorProbe ? throw new InvalidOperationException("the loop is gone") : _supervisor,
                () => _acquisition, TimeProvider.System, Logger);
        }

        public RecordingNotifier Notifier { get; } = new();

        public LineLogger Logger { get; } = new();

        public SystemdWatchdog Watchdog { get; }

        public bool ThrowFromSupervisorProbe { get; init; }

        /// <summary>One ping period in which each loop did or did not make progress.</summary>
        public bool Step(bool supervisor, bool acquisition)
        {
            _supervisor += supervisor ? 100 : 0;
            _acquisition += acquisition ? 250 : 0;
            return Watchdog.Check(Period);
        }
    }

    private sealed class RecordingNotifier : ISystemdNotifier
    {
        public List<string> States { get; } = [];

        public bool IsEnabled => true;

        public void Notify(ServiceState state) => States.Add(state.ToString());
    }

    private sealed class LineLogger : ILogger<SystemdWatchdog>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => NullLogger.Instance.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel} {formatter(state, exception)}");
    }
}
