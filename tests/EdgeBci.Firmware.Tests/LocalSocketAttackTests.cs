using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using EdgeBci.Control.Local;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// The unit's command socket attacked from the same machine, on one firmware: a flood of connections does not turn
/// <c>edgebci stop</c> away (Listen(4) failed 7 of 10), and after the firmware ran out of file descriptors the accept
/// loop is still there to answer the next stop (it used to end silently at the first failed accept).
/// </summary>
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalSocketAttackTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(30);

    private FirmwareProcess _firmware = null!;
    private string _socket = null!;

    [OneTimeSetUp]
    public void StartFirmware()
    {
        // No MQTT: at the descriptor limit its event journal and reconnects fail too; this is about the socket.
        _firmware = new FirmwareProcess("--Control:AutoArmOnEmulator=false", "--Mqtt:Enabled=false");
        _socket = _firmware.CommandSocket!;
        Assert.That(_firmware.WaitUntil(o => o.Contains($"control: local commands on {_socket}", StringComparison.Ordinal)
            && o.Contains("supervisor: Boot -> Disarmed SwitchOn", StringComparison.Ordinal), Startup), Is.True, _firmware.Output);
    }

    [OneTimeTearDown]
    public void StopFirmware() => _firmware?.Dispose();

    [Test]
    public async Task A_flood_of_500_connections_does_not_turn_away_10_concurrent_stops()
    {
        var flood = new List<Task<Socket>>();
        for (var i = 0; i < 500; i++)
        {
            flood.Add(UnixSocketConnections.ConnectAsync(_socket));
        }

        var stops = new List<Task<LocalReply>>();
        for (var i = 0; i < 10; i++)
        {
            stops.Add(LocalCommandSocket.SendAsync(_socket, "stop", Answer));
        }

        var (held, failures) = await SettleAsync(flood);
        var replies = new List<string>();
        foreach (var stop in stops)
        {
            try
            {
                replies.Add((await stop).ToString());
            }
            catch (IOException exception)
            {
                replies.Add("io error: " + exception.Message);
            }
        }

        var reached = held.Count;
        Release(held);
        TestContext.Out.WriteLine($"{reached} of 500 flood connections reached the firmware; stops answered:\n{string.Join("\n", replies)}");
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, "no connection is turned away");
            Assert.That(replies, Has.All.StartWith("ok: "), "every 'edgebci stop' reaches the supervisor and is answered");
            Assert.That(_firmware.WaitUntil(o => o.Contains("SafeStop LocalStop: stop requested on the unit", StringComparison.Ordinal), Answer), Is.True, "the STOP is in the log");
        });
    }

    [Test]
    public async Task After_running_out_of_file_descriptors_the_socket_accepts_again_and_a_stop_is_answered()
    {
        // Past start-up, and the paths a stop takes run once: a firmware still loading assemblies (each one a file) when
        // it reaches the limit is ended by the .NET runtime, which is not what this attack is about.
        Assert.That(_firmware.WaitUntil(o => o.Contains("quality: FC3 good", StringComparison.Ordinal), Startup), Is.True, _firmware.Output);
        Assert.That((await SendOrExplainAsync("stop")).Kind, Is.EqualTo(LocalReplyKind.Ok));

        // Idle thread-pool workers to answer with: at the limit .NET cannot start a thread (that needs a descriptor too).
        var warm = Enumerable.Range(0, 32).Select(_ => LocalCommandSocket.SendAsync(_socket, "state", Answer)).ToList();
        Assert.That(await Task.WhenAll(warm), Has.All.Property(nameof(LocalReply.Kind)).EqualTo(LocalReplyKind.Ok));
        var pid = _firmware.Id;
        var (soft, hard) = OpenFilesLimit(pid);
        var from = _firmware.Output.Length;
        var held = new List<Socket>();
        var lowered = false;
        LocalReply reply;
        try
        {
            // A few descriptors above what it holds now: the socket's accepts use them up, then fail with EMFILE. What it
            // holds may include connections of an earlier flood it is still closing, so connect until it says so.
            SetOpenFilesLimit(pid, $"{Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length + 6}:");
            lowered = true;
            var failing = $"control: command socket {_socket} cannot accept connections";
            var saidSo = false;
            for (var batch = 0; batch < 40 && !saidSo; batch++)
            {
                for (var i = 0; i < 50; i++)
                {
                    held.Add(await UnixSocketConnections.ConnectAsync(_socket));
                }

                saidSo = _firmware.WaitUntil(o => o[from..].Contains(failing, StringComparison.Ordinal), TimeSpan.FromSeconds(1));
            }

            // Back at once: at the limit everything else in the process fails too (the .NET runtime ends it with "Out
            // of memory." when it cannot get a descriptor it needs), and the accept loop is what is under test.
            SetOpenFilesLimit(pid, $"{soft}:{hard}");
            lowered = false;
            Assert.That(saidSo, Is.True, $"the firmware ran out of descriptors after {held.Count} connections and said so:\n" + _firmware.Output[from..]);
            TestContext.Out.WriteLine($"accepts failed after {held.Count} connections were held");
            Release(held);
            reply = await SendOrExplainAsync("stop");
        }
        finally
        {
            Release(held);
            if (lowered)
            {
                SetOpenFilesLimit(pid, $"{soft}:{hard}");
            }
        }

        var log = _firmware.Output[from..];
        TestContext.Out.WriteLine(string.Join("\n", log.Split('\n').Where(line => line.Contains("command socket", StringComparison.Ordinal))));
        Assert.Multiple(() =>
        {
            Assert.That(reply.Kind, Is.EqualTo(LocalReplyKind.Ok), reply.ToString());
            Assert.That(log.Split('\n').Count(line => line.Contains("cannot accept connections", StringComparison.Ordinal)), Is.EqualTo(1), "said once per burst, not per retry");
            Assert.That(log.Split('\n').Count(line => line.Contains($"control: command socket {_socket} accepts connections again after", StringComparison.Ordinal)), Is.EqualTo(1));
            Assert.That(_firmware.HasExited, Is.False);
        });
    }

    private async Task<LocalReply> SendOrExplainAsync(string line)
    {
        try
        {
            return await LocalCommandSocket.SendAsync(_socket, line, Answer);
        }
        catch (IOException exception)
        {
            InconclusiveIfTheRuntimeEndedIt();
            Assert.Fail($"'{line}' was not answered: {exception.Message}; the firmware {(_firmware.HasExited ? $"exited with {_firmware.ExitCode}" : "runs")}:\n{_firmware.Output[^Math.Min(_firmware.Output.Length, 6000)..]}");
            throw;
        }
    }

    /// <summary>
    /// At the descriptor limit the .NET runtime itself cannot start a thread (OutOfMemoryException) and ends the process
    /// with "Out of memory." when its thread pool needs one: the limit ended the firmware, not the accept loop under test.
    /// </summary>
    private void InconclusiveIfTheRuntimeEndedIt()
    {
        if (_firmware.HasExited && _firmware.Output.Contains("Out of memory.", StringComparison.Ordinal))
        {
            Assert.Inconclusive("the .NET runtime ended the firmware at the descriptor limit (\"Out of memory.\": a new thread needs a descriptor); the accept loop was not reached");
        }
    }

    private static async Task<(List<Socket> Held, List<string> Failures)> SettleAsync(List<Task<Socket>> connects)
    {
        var held = new List<Socket>();
        var failures = new List<string>();
        foreach (var connect in connects)
        {
            try
            {
                held.Add(await connect);
            }
            catch (SocketException exception)
            {
                failures.Add(exception.Message);
            }
        }

        return (held, failures);
    }

    private static void Release(List<Socket> sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Dispose();
        }

        sockets.Clear();
    }

    /// <summary>The "Max open files" soft and hard limits from /proc/&lt;pid&gt;/limits.</summary>
    private static (string Soft, string Hard) OpenFilesLimit(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (fields[0], fields[1]);
    }

    /// <summary>prlimit(1) on the firmware: "soft:" changes only the soft limit, which the firmware's user may raise back.</summary>
    private void SetOpenFilesLimit(int pid, string limits)
    {
        var start = new ProcessStartInfo("prlimit") { UseShellExecute = false, RedirectStandardError = true };
        start.ArgumentList.Add("--pid");
        start.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add($"--nofile={limits}");
        using var prlimit = Process.Start(start) ?? throw new InvalidOperationException("prlimit (util-linux) did not start");
        var error = prlimit.StandardError.ReadToEnd();
        prlimit.WaitForExit();
        if (prlimit.ExitCode != 0)
        {
            _firmware.WaitUntil(o => o.Contains("Out of memory.", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
            InconclusiveIfTheRuntimeEndedIt();
        }

        Assert.That(prlimit.ExitCode, Is.Zero, $"prlimit --pid {pid} --nofile={limits}: {error}");
    }
}
