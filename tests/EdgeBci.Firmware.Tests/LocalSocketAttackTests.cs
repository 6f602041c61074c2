using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using EdgeBci.Control.Local;

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
        _firmware = new FirmwareProcess("--Control:AutoArmOnEmulator=false");
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
            flood.Add(ConnectAsync(_socket));
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
            Assert.That(_firmware.Output, Does.Contain("SafeStop LocalStop: stop requested on the unit"));
        });
    }

    [Test]
    public async Task After_running_out_of_file_descriptors_the_socket_accepts_again_and_a_stop_is_answered()
    {
        var pid = _firmware.Id;
        var (soft, hard) = OpenFilesLimit(pid);
        var from = _firmware.Output.Length;
        var held = new List<Socket>();
        LocalReply reply;
        try
        {
            // A few descriptors above what it holds now: the socket's accepts use them up, then fail with EMFILE.
            SetOpenFilesLimit(pid, $"{Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length + 6}:");
            for (var i = 0; i < 40; i++)
            {
                held.Add(await ConnectAsync(_socket));
            }

            Assert.That(_firmware.WaitUntil(o => o[from..].Contains($"control: command socket {_socket} cannot accept connections", StringComparison.Ordinal), Answer), Is.True,
                "the firmware ran out of descriptors and said so:\n" + _firmware.Output[from..]);
            Release(held);

            // Still at the lowered limit: what frees descriptors is the attacker going away, not a restart.
            reply = await LocalCommandSocket.SendAsync(_socket, "stop", Answer);
        }
        finally
        {
            Release(held);
            SetOpenFilesLimit(pid, $"{soft}:{hard}");
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

    private static async Task<Socket> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
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
    private static void SetOpenFilesLimit(int pid, string limits)
    {
        var start = new ProcessStartInfo("prlimit") { UseShellExecute = false, RedirectStandardError = true };
        start.ArgumentList.Add("--pid");
        start.ArgumentList.Add(pid.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add($"--nofile={limits}");
        using var prlimit = Process.Start(start) ?? throw new InvalidOperationException("prlimit (util-linux) did not start");
        var error = prlimit.StandardError.ReadToEnd();
        prlimit.WaitForExit();
        Assert.That(prlimit.ExitCode, Is.Zero, $"prlimit --pid {pid} --nofile={limits}: {error}");
    }
}
