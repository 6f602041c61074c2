using System.Diagnostics;
using System.Globalization;
using EdgeBci.Control.Local;

namespace EdgeBci.Control.Tests;

/// <summary>
/// Who sent a local command: the kernel's SO_PEERCRED answer on a real socket reaches the handler, and a user who is
/// neither root nor the firmware's own is refused before the handler, even with the socket's file modes opened wide.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class LocalCallerTests
{
    private const uint Nobody = 65534;
    private string _folder = null!;
    private string _path = null!;

    [SetUp]
    public void CreateFolder()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Ignore("SO_PEERCRED and /proc/self/status are Linux's");
        }

        _folder = Path.Combine(Path.GetTempPath(), $"edgebci-caller-{Guid.NewGuid():N}");
        _path = Path.Combine(_folder, "control.sock");
    }

    [TearDown]
    public void DeleteFolder()
    {
        if (_folder is not null && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Test]
    public async Task The_handler_is_told_the_process_user_and_group_the_kernel_reports()
    {
        LocalCaller? seen = null;
        using var server = LocalCommandServer.Start(_path, (line, caller, _) =>
        {
            seen = caller;
            return Task.FromResult(LocalReply.Ok($"{line} from {caller}"));
        });

        var reply = await LocalCommandSocket.SendAsync(_path, "state", TimeSpan.FromSeconds(5));

        var expected = new LocalCaller(Environment.ProcessId, uint.Parse(Id("-u"), CultureInfo.InvariantCulture), uint.Parse(Id("-g"), CultureInfo.InvariantCulture), Id("-un"));
        Assert.Multiple(() =>
        {
            Assert.That(seen, Is.EqualTo(expected));
            Assert.That(reply, Is.EqualTo(LocalReply.Ok($"state from uid {expected.UserId} ({expected.UserName}), pid {Environment.ProcessId}")));
            Assert.That(server.Refused, Is.Zero);
        });
    }

    [Test]
    public void Another_user_who_reaches_the_socket_is_refused_by_uid_and_never_reaches_the_handler()
    {
        if (Id("-u") != "0")
        {
            Assert.Ignore("only root can connect as another user (setpriv)");
        }

        var called = 0;
        var refused = new List<(LocalCaller Caller, string Line)>();
        using var server = LocalCommandServer.Start(_path, (_, _, _) =>
        {
            Interlocked.Increment(ref called);
            return Task.FromResult(LocalReply.Ok("armed"));
        });
        server.CallerRefused += (caller, line) =>
        {
            lock (refused)
            {
                refused.Add((caller, line));
            }
        };

        // What a mistake in the unit's set-up could do: folder and socket open to everyone. The uid check still holds.
        File.SetUnixFileMode(_folder, (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(_path, (UnixFileMode)0b110_110_110);
        var reply = RunAsNobody(_path, "arm");

        Assert.Multiple(() =>
        {
            Assert.That(reply, Does.StartWith($"refused: uid {Nobody} (nobody), pid ").And.EndWith(": only root (sudo edgebci ...) and the firmware's own user (uid 0) may"));
            Assert.That(called, Is.Zero);
            Assert.That(server.Refused, Is.EqualTo(1));
            Assert.That(refused.Select(entry => (entry.Caller.UserId, entry.Line)), Is.EqualTo(new[] { (Nobody, "arm") }));
        });
    }

    [TestCase(0u, 998u, true)]
    [TestCase(998u, 998u, true)]
    [TestCase(1000u, 998u, false)]
    [TestCase(1000u, 1000u, true)]
    public void Root_and_the_firmware_s_own_user_may_command_and_nobody_else(uint caller, uint firmware, bool may) =>
        Assert.That(new LocalCaller(1, caller, caller, null).MayCommand(firmware), Is.EqualTo(may));

    [Test]
    public void A_caller_is_named_by_uid_name_and_pid()
    {
        Assert.Multiple(() =>
        {
            Assert.That(new LocalCaller(4242, 0, 0, "root").ToString(), Is.EqualTo("uid 0 (root), pid 4242"));
            Assert.That(new LocalCaller(17, 1234, 1234, null).ToString(), Is.EqualTo("uid 1234, pid 17"));
        });
    }

    [Test]
    public void A_user_name_comes_from_passwd_lines_and_lines_that_are_not_entries_are_skipped()
    {
        string[] passwd =
        [
            "# local users",
            "",
            "+::::::",
            "broken",
            "bad:x:notanumber:1::/:/bin/sh",
            ":x:998:998::/:/bin/sh",
            "edgebci:x:998:998:EdgeBci firmware:/var/lib/edgebci:/usr/sbin/nologin",
            "again:x:998:998::/:/bin/sh",
        ];

        Assert.Multiple(() =>
        {
            Assert.That(UnixUsers.FindName(passwd, 998), Is.EqualTo("edgebci"));
            Assert.That(UnixUsers.FindName(passwd, 1), Is.Null);
            Assert.That(UnixUsers.Name(0, Path.Combine(_folder, "no-such-passwd")), Is.Null, "an unreadable file is no name, not an error");
            Assert.That(UnixUsers.Name(0), Is.EqualTo("root"), "this machine's /etc/passwd");
        });
    }

    [Test]
    public void The_effective_user_id_is_the_second_uid_field_and_a_status_without_one_is_an_error_naming_the_file()
    {
        Directory.CreateDirectory(_folder);
        var good = Path.Combine(_folder, "good");
        var missing = Path.Combine(_folder, "missing");
        var malformed = Path.Combine(_folder, "malformed");
        File.WriteAllLines(good, ["Name:\tEdgeBci.Firmware", "Uid:\t1000\t998\t998\t998", "Gid:\t998\t998\t998\t998"]);
        File.WriteAllLines(missing, ["Name:\tEdgeBci.Firmware"]);
        File.WriteAllLines(malformed, ["Name:\tEdgeBci.Firmware", "Uid:\tmany"]);

        Assert.Multiple(() =>
        {
            Assert.That(UnixUsers.EffectiveUserId(good), Is.EqualTo(998));
            Assert.That(UnixUsers.EffectiveUserId(), Is.EqualTo(uint.Parse(Id("-u"), CultureInfo.InvariantCulture)), "this process");
            Assert.That(() => UnixUsers.EffectiveUserId(missing), Throws.InstanceOf<IOException>().With.Message.EqualTo($"{missing} has no 'Uid:' line; this process's user id is unknown"));
            Assert.That(() => UnixUsers.EffectiveUserId(malformed), Throws.InstanceOf<IOException>().With.Message.StartsWith($"{malformed} line 2: 'Uid:\tmany'"));
        });
    }

    /// <summary>What coreutils' id says about this process: the reference the kernel's answer is checked against.</summary>
    private static string Id(string option) => Run("id", [option]);

    /// <summary>A client of another user: perl (perl-base, on every Debian) connected as nobody through setpriv.</summary>
    private static string RunAsNobody(string path, string line) => Run("setpriv",
    [
        $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups", "perl", "-MIO::Socket::UNIX", "-e",
        "my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die \"connect: $!\\n\"; print $s \"$ARGV[1]\\n\"; my $r = <$s>; print $r;",
        path, line,
    ]);

    private static string Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            Assert.Fail($"{program} did not finish within 30 s");
        }

        Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)}: {error.Result}");
        return output.Result.TrimEnd('\n');
    }
}
