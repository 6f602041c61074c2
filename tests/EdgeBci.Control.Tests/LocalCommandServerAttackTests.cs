using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using EdgeBci.Control.Local;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Control.Tests;

/// <summary>
/// The command socket under what a local attacker (or an unlucky burst) does: a flood of connections does not turn
/// <c>edgebci stop</c> away, and a folder someone else could write to is refused instead of silently narrowed.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class LocalCommandServerAttackTests
{
    private string _folder = null!;
    private string _path = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"edgebci-socket-{Guid.NewGuid():N}");
        _path = Path.Combine(_folder, "control.sock");
    }

    [TearDown]
    public void DeleteFolder()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task A_burst_of_200_connections_does_not_turn_away_10_stop_requests()
    {
        using var server = LocalCommandServer.Start(_path, (line, _) => Task.FromResult(LocalReply.Ok($"{line}: done")));

        // Issued back to back, as a flood is: each connect reaches the backlog before the accept loop has run.
        var flood = new List<Task<Socket>>();
        for (var i = 0; i < 200; i++)
        {
            flood.Add(UnixSocketConnections.ConnectAsync(_path));
        }

        var stops = new List<Task<LocalReply>>();
        for (var i = 0; i < 10; i++)
        {
            stops.Add(LocalCommandSocket.SendAsync(_path, "stop", TimeSpan.FromSeconds(30)));
        }

        var failures = new List<string>();
        var held = new List<Socket>();
        foreach (var connect in flood)
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

        var replies = new List<string>();
        foreach (var stop in stops)
        {
            try
            {
                replies.Add((await stop).ToString());
            }
            catch (IOException exception)
            {
                replies.Add(exception.Message);
            }
        }

        foreach (var socket in held)
        {
            socket.Dispose();
        }

        TestContext.Out.WriteLine($"backlog {server.Backlog}: {held.Count} of 200 flood connections accepted, {replies.Count(r => r == "ok: stop: done")} of 10 stops answered");
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, "every flood connection reaches the backlog");
            Assert.That(replies, Is.All.EqualTo("ok: stop: done"));
            Assert.That(server.Backlog, Is.EqualTo(LocalCommandServer.MaxBacklog()).And.GreaterThanOrEqualTo(128));
        });
    }

    [Test]
    public void The_backlog_is_the_kernel_s_maximum_or_4096_where_it_cannot_be_read()
    {
        Directory.CreateDirectory(_folder);
        var file = Path.Combine(_folder, "somaxconn");
        File.WriteAllText(file, "512\n");
        var read = LocalCommandServer.MaxBacklog(file);
        File.WriteAllText(file, "lots\n");
        var garbage = LocalCommandServer.MaxBacklog(file);
        Assert.Multiple(() =>
        {
            Assert.That(read, Is.EqualTo(512));
            Assert.That(garbage, Is.EqualTo(LocalCommandServer.DefaultMaxBacklog));
            Assert.That(LocalCommandServer.MaxBacklog(Path.Combine(_folder, "missing")), Is.EqualTo(LocalCommandServer.DefaultMaxBacklog));
        });
    }

    [TestCase(0b111_101_101)]
    [TestCase(0b111_000_000)]
    [TestCase(0b1_111_111_111, TestName = "A sticky world-writable folder (like /tmp) is used as it is")]
    public void An_existing_folder_nobody_else_can_write_is_used_and_keeps_its_mode(int mode)
    {
        Directory.CreateDirectory(_folder);
        File.SetUnixFileMode(_folder, (UnixFileMode)mode);

        using var server = LocalCommandServer.Start(_path, (_, _) => Task.FromResult(LocalReply.Ok("")));

        Assert.Multiple(() =>
        {
            Assert.That(File.GetUnixFileMode(_folder), Is.EqualTo((UnixFileMode)mode), "a folder the unit did not create is not chmodded");
            Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        });
    }

    [TestCase(0b111_111_111, "0777: writable by everyone without the sticky bit")]
    [TestCase(0b111_111_101, "0775: writable by its group without the sticky bit")]
    [TestCase(0b111_101_111, "0757: writable by everyone without the sticky bit")]
    public void A_folder_others_could_replace_the_socket_in_is_refused_and_left_alone(int mode, string why)
    {
        Directory.CreateDirectory(_folder);
        File.SetUnixFileMode(_folder, (UnixFileMode)mode);

        Assert.That(() => LocalCommandServer.Start(_path, (_, _) => Task.FromResult(LocalReply.Ok(""))),
            Throws.InstanceOf<IOException>().With.Message.EqualTo(
                $"the command socket folder {_folder} has mode {why}; the socket is not opened there (set Control:CommandSocket to a path in a folder only this user can write)"));
        Assert.Multiple(() =>
        {
            Assert.That(File.GetUnixFileMode(_folder), Is.EqualTo((UnixFileMode)mode));
            Assert.That(File.Exists(_path), Is.False);
        });
    }

    [Test]
    public void A_folder_owned_by_another_user_is_refused()
    {
        Directory.CreateDirectory(_folder);
        File.SetUnixFileMode(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var self = UnixUsers.EffectiveUserId();
        if (self == LocalCaller.RootUserId)
        {
            // Root may own nothing it does not want to: hand the folder to another uid, as an attacker's folder would be.
            Chown(_folder, 4242);
            Assert.That(() => LocalCommandServer.Start(_path, (_, _) => Task.FromResult(LocalReply.Ok(""))),
                Throws.InstanceOf<IOException>().With.Message.StartsWith(
                    $"the command socket folder {_folder} belongs to uid 4242 (").And.Message.Contains("neither this user (uid 0) nor root"));
        }
        else
        {
            // This user's folder seen by a firmware running as another (non-root) user.
            Assert.That(SocketFolder.Problem(_folder, self + 1), Does.StartWith($"belongs to uid {self} ("));
        }

        Assert.That(SocketFolder.Problem(_folder, self == LocalCaller.RootUserId ? 4242u : self), Is.Null, "its owner may use it");
    }

    private static void Chown(string path, int userId)
    {
        var start = new ProcessStartInfo("chown") { UseShellExecute = false };
        start.ArgumentList.Add(userId.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(path);
        using var chown = Process.Start(start) ?? throw new InvalidOperationException("chown did not start");
        chown.WaitForExit();
        Assert.That(chown.ExitCode, Is.Zero, $"chown {userId} {path}");
    }
}
