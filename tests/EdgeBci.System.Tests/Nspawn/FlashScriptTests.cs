using EdgeBci.Signing;
using EdgeBci.SystemTests.Fixtures;
using EdgeBci.Tests.Shared;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.SystemTests.Nspawn;

/// <summary>
/// deploy/flash.sh against a fake unit: `ssh` and `scp` earlier in PATH answer as a unit would (install.sh's exit
/// code, `edgebci release status --wait`'s exit code and the guard's status), so the script's own decisions are tested
/// without a network: the unsigned bundle it refuses before connecting, and the outcome line and exit code it prints.
/// </summary>
[Category("System")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FlashScriptTests
{
    private const string FakeSsh = """
        #!/bin/bash
        # The remote command is the last argument; "-O exit" and the connection test end at once.
        command=${*: -1}
        printf '%s\n' "$command" >>"$FAKE_UNIT/ssh.log"
        case $command in
            *install.sh*) exit "$(cat "$FAKE_UNIT/install-exit")" ;;
            *HealthHoldSeconds*) echo 2 ;;
            *"release status --wait"*)
                printf 'state=committed\r\nslot=b\r\nversion=0.2.0\r\ncurrent=b\r\ncommitted=yes\r\n'
                printf 'last_rollback_reason=trial 0.2.0 did not become healthy within 3 starts (last: exited with status 1 (exit-code))\r\n'
                exit "$(cat "$FAKE_UNIT/status-exit")"
                ;;
        esac
        exit 0
        """;

    private const string FakeScp = """
        #!/bin/bash
        printf '%s\n' "$*" >>"$FAKE_UNIT/scp.log"
        """;

    [TestCase(0, 0, 0, "committed: 0.2.0 in slot b")]
    [TestCase(0, 5, 5, "rolled back: trial 0.2.0 did not become healthy within 3 starts (last: exited with status 1 (exit-code))")]
    [TestCase(0, 4, 4, "still in trial after 92 s")]
    [TestCase(5, 0, 5, "rolled back: the self-test failed during install (its output is above)")]
    public void Flash_prints_the_trials_outcome_and_returns_its_exit_code(int installExit, int statusExit, int expectedExit, string expectedLine)
    {
        using var unit = new FakeUnit(installExit, statusExit);
        var bundle = unit.Bundle(signed: true);

        var result = unit.Flash(bundle);

        Assert.That(result.ExitCode, Is.EqualTo(expectedExit), result.ToString());
        Assert.That(result.Stdout, Does.Contain(expectedLine + "\n"), result.ToString());
        Assert.That(File.ReadAllText(unit.Log("scp")), Does.Contain(Path.GetFileName(bundle)).And.Contain("install.sh").And.Contain("verify-bundle.sh"));
    }

    [Test]
    public void A_refusal_by_the_unit_is_returned_as_exit_3()
    {
        using var unit = new FakeUnit(installExit: 3, statusExit: 0);

        var result = unit.Flash(unit.Bundle(signed: true));

        Assert.That(result.ExitCode, Is.EqualTo(3), result.ToString());
        Assert.That(File.ReadAllText(unit.Log("ssh")), Does.Not.Contain("release status"), "no wait after a refusal");
    }

    [Test]
    public void An_unsigned_bundle_is_refused_before_anything_is_copied()
    {
        using var unit = new FakeUnit(installExit: 0, statusExit: 0);

        var result = unit.Flash(unit.Bundle(signed: false));

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.Contain("has no manifest.sig: the unit refuses unsigned bundles"), result.ToString());
        Assert.That(File.Exists(unit.Log("ssh")) || File.Exists(unit.Log("scp")), Is.False, "nothing was sent to the unit");
    }

    private sealed class FakeUnit : IDisposable
    {
        private readonly ScratchFolder _scratch = new("flash");
        private readonly SigningKey _key;

        public FakeUnit(int installExit, int statusExit)
        {
            var bin = Directory.CreateDirectory(Path.Combine(_scratch.Path, "bin")).FullName;
            WriteExecutable(Path.Combine(bin, "ssh"), FakeSsh);
            WriteExecutable(Path.Combine(bin, "scp"), FakeScp);
            File.WriteAllText(Path.Combine(_scratch.Path, "install-exit"), installExit + "\n");
            File.WriteAllText(Path.Combine(_scratch.Path, "status-exit"), statusExit + "\n");
            _key = SigningKey.Generate(Path.Combine(_scratch.Path, "keys", "release"));
        }

        public string Log(string tool) => Path.Combine(_scratch.Path, tool + ".log");

        public string Bundle(bool signed) => FixtureBundle.Build(_scratch.Path, "0.2.0", signed ? _key : null);

        public CommandResult Flash(string bundle) => HostCommand.Run("/usr/bin/env",
            [$"PATH={Path.Combine(_scratch.Path, "bin")}:{Environment.GetEnvironmentVariable("PATH")}", $"FAKE_UNIT={_scratch.Path}",
                "bash", RepositoryRoot.File("deploy/flash.sh"), "pi@unit.test", "--bundle", bundle],
            TimeSpan.FromMinutes(1));

        public void Dispose()
        {
            _key.Dispose();
            _scratch.Dispose();
        }

        private static void WriteExecutable(string path, string text)
        {
            File.WriteAllText(path, text.Replace("\r", "", StringComparison.Ordinal) + "\n");
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
