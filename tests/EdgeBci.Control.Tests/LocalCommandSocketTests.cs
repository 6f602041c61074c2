using System.Net.Sockets;
using System.Text;
using EdgeBci.Control.Local;

namespace EdgeBci.Control.Tests;

/// <summary>The unit's local command socket: private to its user, one line in and one reply out, nothing else reaches the handler.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class LocalCommandSocketTests
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
    public async Task A_line_reaches_the_handler_and_its_reply_reaches_the_client()
    {
        var received = new List<string>();
        using var server = LocalCommandServer.Start(_path, (line, _) =>
        {
            lock (received)
            {
                received.Add(line);
            }

            return Task.FromResult(line == "arm" ? LocalReply.Refused("cannot arm: no decision yet (DecisionTimeout)") : LocalReply.Ok("supervisor Disarmed"));
        });

        var arm = await LocalCommandSocket.SendAsync(_path, "arm", TimeSpan.FromSeconds(5));
        var state = await LocalCommandSocket.SendAsync(_path, "state", TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(arm, Is.EqualTo(LocalReply.Refused("cannot arm: no decision yet (DecisionTimeout)")));
            Assert.That(state, Is.EqualTo(LocalReply.Ok("supervisor Disarmed")));
            Assert.That(received, Is.EqualTo(new[] { "arm", "state" }));

            // The server counts a connection once its reply is written, which the client may read first.
            Assert.That(() => server.Answered, Is.EqualTo(2).After(5000, 10));
        });
    }

    [Test]
    public void The_socket_and_its_folder_admit_only_the_firmware_s_user()
    {
        using var server = LocalCommandServer.Start(_path, (_, _) => Task.FromResult(LocalReply.Ok("")));

        Assert.Multiple(() =>
        {
            Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.GetUnixFileMode(_folder), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        });
    }

    [Test]
    public async Task A_line_too_long_is_answered_with_an_error_and_never_reaches_the_handler()
    {
        var called = 0;
        using var server = LocalCommandServer.Start(_path, (_, _) =>
        {
            Interlocked.Increment(ref called);
            return Task.FromResult(LocalReply.Ok(""));
        });

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(_path));
        await socket.SendAsync(Encoding.UTF8.GetBytes(new string('a', 10_000) + "\n"), SocketFlags.None);
        var reply = await LocalCommandSocket.ReadLineAsync(socket, 4096, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(reply, Is.EqualTo($"error: line longer than {LocalCommandSocket.MaxLineBytes} bytes"));
            Assert.That(called, Is.Zero);
            Assert.That(() => LocalCommandSocket.SendAsync(_path, new string('a', 300), TimeSpan.FromSeconds(1)), Throws.ArgumentException.With.Message.Contains("one line shorter than 256 bytes"));
        });
    }

    [Test]
    public async Task A_handler_that_throws_is_an_error_reply_and_the_server_keeps_answering()
    {
        using var server = LocalCommandServer.Start(_path, (line, _) => line == "boom"
            ? throw new InvalidOperationException("the supervisor is gone")
            : Task.FromResult(LocalReply.Ok("still here")));

        var boom = await LocalCommandSocket.SendAsync(_path, "boom", TimeSpan.FromSeconds(5));
        var next = await LocalCommandSocket.SendAsync(_path, "state", TimeSpan.FromSeconds(5));

        Assert.Multiple(() =>
        {
            Assert.That(boom, Is.EqualTo(LocalReply.Error("InvalidOperationException: the supervisor is gone")));
            Assert.That(next, Is.EqualTo(LocalReply.Ok("still here")));
        });
    }

    [Test]
    public void A_second_server_on_a_live_socket_is_refused_naming_the_path_and_a_stale_socket_is_replaced()
    {
        using (var first = LocalCommandServer.Start(_path, (_, _) => Task.FromResult(LocalReply.Ok("first"))))
        {
            Assert.That(() => LocalCommandServer.Start(_path, (_, _) => Task.FromResult(LocalReply.Ok("second"))),
                Throws.InstanceOf<IOException>().With.Message.Contains($"another process is listening on the command socket {_path}"));
        }

        // What a firmware killed with SIGKILL leaves: a file at the path with no listener (.NET unlinks on dispose, so it is made by hand).
        File.WriteAllText(_path, string.Empty);
        using var server = LocalCommandServer.Start(_path, (_, _) => Task.FromResult(LocalReply.Ok("fresh")));
        Assert.That(LocalCommandSocket.SendAsync(_path, "state", TimeSpan.FromSeconds(5)).Result, Is.EqualTo(LocalReply.Ok("fresh")));
    }

    [Test]
    public void No_firmware_is_an_io_error_naming_the_path()
    {
        Assert.That(() => LocalCommandSocket.SendAsync(_path, "arm", TimeSpan.FromSeconds(1)),
            Throws.InstanceOf<IOException>().With.Message.Contains($"no firmware command socket at {_path}"));
    }

    [Test]
    public void Disposing_removes_the_socket_file()
    {
        var server = LocalCommandServer.Start(_path, (_, _) => Task.FromResult(LocalReply.Ok("")));
        server.Dispose();
        Assert.That(File.Exists(_path), Is.False);
    }

    [TestCase("ok: armed", LocalReplyKind.Ok, "armed")]
    [TestCase("refused: cannot arm: lead-off on C3", LocalReplyKind.Refused, "cannot arm: lead-off on C3")]
    [TestCase("error: 'x' is not a command", LocalReplyKind.Error, "'x' is not a command")]
    [TestCase("hello", LocalReplyKind.Error, "the firmware answered 'hello', which is not a reply line (ok:, refused: or error:)")]
    public void Reply_lines_round_trip_and_anything_else_is_an_error(string line, LocalReplyKind kind, string text) =>
        Assert.That(LocalReply.Parse(line), Is.EqualTo(new LocalReply(kind, text)));

    [Test]
    public void Off_means_no_socket_and_a_path_is_taken_as_given()
    {
        Assert.Multiple(() =>
        {
            Assert.That(LocalCommandSocket.Resolve("off"), Is.Null);
            Assert.That(LocalCommandSocket.Resolve(" OFF "), Is.Null);
            Assert.That(LocalCommandSocket.Resolve(_path), Is.EqualTo(_path));
            Assert.That(LocalCommandSocket.Resolve(""), Is.EqualTo(LocalCommandSocket.UnitPath).Or.EqualTo(LocalCommandSocket.UserPath()));
        });
    }
}
