using EdgeBci.Tests.Shared;

namespace EdgeBci.Cli.Tests.Release;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ReleaseSlotToolTests
{
    [Test]
    public void Commit_runs_the_slot_guard_shows_its_output_and_returns_its_exit_code()
    {
        using var scratch = new ScratchFolder("slots-tool");
        var tool = Tool(scratch.Path, "echo \"guard: $1 ($#)\"; echo \"guard warns\" >&2; exit 3");

        var (code, output) = ReleaseSlotCli.Run("release", "commit", "--slots-tool", tool);

        Assert.That(code, Is.EqualTo(3));
        Assert.That(output, Does.Contain("guard: commit (1)"));
        Assert.That(output, Does.Contain("guard warns"));
    }

    [Test]
    public void Rollback_passes_its_reason_as_one_argument()
    {
        using var scratch = new ScratchFolder("slots-tool");
        var tool = Tool(scratch.Path, "printf 'guard: %s|%s|%s\\n' \"$1\" \"$2\" \"$#\"");

        var (code, output) = ReleaseSlotCli.Run("release", "rollback", "--reason", "wearer reports lag; left turns late", "--slots-tool", tool);

        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("guard: rollback|wearer reports lag; left turns late|2"));
        Assert.That(ReleaseSlotCli.Run("release", "rollback", "--slots-tool", tool).Output, Does.Contain("guard: rollback||1"));
    }

    [Test]
    public void Without_root_the_guard_is_not_run_and_the_user_is_told_so()
    {
        using var scratch = new ScratchFolder("slots-tool");
        var marker = Path.Combine(scratch.Path, "ran");
        var tool = Tool(scratch.Path, $"touch {marker}");

        var (code, output) = ReleaseSlotCli.RunAs(false, "release", "rollback", "--slots-tool", tool);

        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain($"edgebci release rollback must run as root: it runs {tool} rollback"));
        Assert.That(File.Exists(marker), Is.False);
    }

    [Test]
    public void A_missing_guard_says_no_release_was_installed()
    {
        using var scratch = new ScratchFolder("slots-tool");
        var (code, output) = ReleaseSlotCli.Run("release", "commit", "--slots-tool", Path.Combine(scratch.Path, "edgebci-slots"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain("edgebci-slots is not there: no release was installed by install.sh"));
    }

    private static string Tool(string folder, string body)
    {
        var path = Path.Combine(folder, "edgebci-slots");
        File.WriteAllText(path, "#!/bin/bash\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
