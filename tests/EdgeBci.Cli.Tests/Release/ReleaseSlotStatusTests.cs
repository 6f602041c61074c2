using System.CommandLine;
using System.Text.Json;
using EdgeBci.Cli.Release;
using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared;
using Spectre.Console;

namespace EdgeBci.Cli.Tests.Release;

public sealed class ReleaseSlotStatusTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [Test]
    public void Nothing_installed_says_so_and_exits_1_with_or_without_wait()
    {
        using var scratch = new ScratchFolder("release-status");

        var (code, output) = ReleaseSlotCli.Run("release", "status", "--state-folder", scratch.Path);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output, Does.Contain($"no release installed (no state file in {scratch.Path})"));

        Assert.That(ReleaseSlotCli.Run("release", "status", "--state-folder", scratch.Path, "--wait", "5").ExitCode, Is.EqualTo(1));
    }

    [Test]
    public void A_trial_shows_slot_version_starts_previous_health_and_last_rollback()
    {
        using var scratch = new ScratchFolder("release-status");
        State(scratch.Path, "trial", "b", "0.2.0", starts: 2);
        new HealthRecord(new DateTimeOffset(2026, 12, 6, 16, 1, 0, TimeSpan.Zero), false, "uplink: not connected to the broker").Write(scratch.Path);
        Rollback(scratch.Path, "an older rollback", release: "0.1.5", from: "b", to: "a");

        var (code, output) = ReleaseSlotCli.Run("release", "status", "--state-folder", scratch.Path);

        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("trial: 0.2.0 in slot b, start 2 of 3"));
        Assert.That(output, Does.Contain("slot:          b"));
        Assert.That(output, Does.Contain("version:       0.2.0"));
        Assert.That(output, Does.Contain("state:         trial, start 2 of 3, since 2026-12-06T16:00:00Z"));
        Assert.That(output, Does.Contain("previous:      0.1.0 in slot a"));
        Assert.That(output, Does.Contain("last health:   unhealthy at 2026-12-06T16:01:00Z: uplink: not connected to the broker"));
        Assert.That(output, Does.Contain("last rollback: 2026-12-06T16:05:00Z: release 0.1.5 rolled back from slot b to a: an older rollback"));
    }

    [Test]
    public void Json_carries_the_condition_and_the_files_fields()
    {
        using var scratch = new ScratchFolder("release-status");
        State(scratch.Path, "committed", "a", "0.1.0");
        Rollback(scratch.Path, "self-test failed [channels]");

        var (code, output) = ReleaseSlotCli.Run("release", "status", "--state-folder", scratch.Path, "--json");

        Assert.That(code, Is.Zero);
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement;
        Assert.That(root.GetProperty("condition").GetString(), Is.EqualTo("rolled-back"));
        Assert.That((root.GetProperty("slot").GetString(), root.GetProperty("version").GetString()), Is.EqualTo(("a", "0.1.0")));
        Assert.That(root.GetProperty("lastRollback").GetProperty("reason").GetString(), Is.EqualTo("self-test failed [channels]"));
        Assert.That(root.GetProperty("health").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public void A_broken_state_file_is_an_error_naming_file_line_and_key()
    {
        using var scratch = new ScratchFolder("release-status");
        State(scratch.Path, "trial", "q", "0.2.0");

        var (code, output) = ReleaseSlotCli.Run("release", "status", "--state-folder", scratch.Path);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(output, Does.Contain($"error: {Path.Combine(scratch.Path, "state")} line 2: slot=q is not a slot"));
    }

    [Test]
    public void Wait_on_a_committed_release_exits_0_at_once_and_on_a_rolled_back_one_5()
    {
        using var scratch = new ScratchFolder("release-status");
        State(scratch.Path, "committed", "b", "0.2.0");
        Assert.That(ReleaseSlotCli.Run("release", "status", "--state-folder", scratch.Path, "--wait", "30").ExitCode, Is.Zero);

        State(scratch.Path, "committed", "a", "0.1.0");
        Rollback(scratch.Path, "trial 0.2.0 did not become healthy within 3 starts");
        Assert.That(ReleaseSlotCli.Run("release", "status", "--state-folder", scratch.Path, "--wait", "30").ExitCode, Is.EqualTo(5));
    }

    [Test]
    public void Wait_ends_with_4_when_the_trial_is_still_running()
    {
        using var scratch = new ScratchFolder("release-status");
        State(scratch.Path, "trial", "b", "0.2.0");

        var (code, output) = ReleaseSlotCli.Run("release", "status", "--state-folder", scratch.Path, "--wait", "1");

        Assert.That(code, Is.EqualTo(4));
        Assert.That(output, Does.Contain("still in trial after 1 s: trial: 0.2.0 in slot b, start 1 of 3"));
    }

    [Test]
    public async Task A_good_mark_written_during_the_wait_ends_it_with_0()
    {
        using var scratch = new ScratchFolder("release-status");
        State(scratch.Path, "trial", "b", "0.2.0");
        var running = ReleaseSlotCli.Start("release", "status", "--state-folder", scratch.Path, "--wait", "120");
        Assert.That(await running.WaitForOutputAsync("waiting up to 120 s", Generous), Is.True, running.Output);

        new GoodMark("b", "0.2.0", DateTimeOffset.UtcNow).Write(scratch.Path);

        Assert.That(await running.Exit.WaitAsync(Generous), Is.Zero, running.Output);
        Assert.That(running.Output, Does.Contain("committed: 0.2.0 in slot b"));
    }

    [Test]
    public async Task A_rollback_during_the_wait_ends_it_with_5_and_its_reason()
    {
        using var scratch = new ScratchFolder("release-status");
        State(scratch.Path, "trial", "b", "0.2.0");
        var running = ReleaseSlotCli.Start("release", "status", "--state-folder", scratch.Path, "--wait", "120");
        Assert.That(await running.WaitForOutputAsync("waiting up to 120 s", Generous), Is.True, running.Output);

        // The guard's order: the rollback record, then the committed state of the previous slot.
        Rollback(scratch.Path, "trial 0.2.0 did not become healthy within 3 starts (last: exit 7)");
        State(scratch.Path, "committed", "a", "0.1.0");

        Assert.That(await running.Exit.WaitAsync(Generous), Is.EqualTo(5), running.Output);
        Assert.That(running.Output, Does.Contain("rolled back: trial 0.2.0 did not become healthy within 3 starts (last: exit 7)"));
    }

    internal static void State(string folder, string state, string slot, string version, int starts = 1) =>
        KeyValueFile.WriteAtomically(Path.Combine(folder, ReleaseFiles.State),
        [
            new("state", state), new("slot", slot), new("version", version), new("previous_slot", slot == "a" ? "b" : "a"),
            new("previous_version", slot == "a" ? "0.2.0" : "0.1.0"), new("starts", $"{starts}"), new("max_starts", "3"),
            new("trial_since", "2026-12-06T16:00:00Z"), new("a_version", "0.1.0"), new("b_version", "0.2.0"),
        ]);

    private static void Rollback(string folder, string reason, string release = "0.2.0", string from = "b", string to = "a") =>
        KeyValueFile.WriteAtomically(Path.Combine(folder, ReleaseFiles.Rollback),
        [
            new("at", "2026-12-06T16:05:00Z"), new("release", release), new("from", from), new("to", to),
            new("from_version", release), new("to_version", "0.1.0"), new("reason", reason),
        ]);
}

/// <summary>
/// Runs the slot commands in-process under a bare <c>release</c> group (the group itself is another command's), with a
/// plain-text console as <see cref="CliRunner"/> does.
/// </summary>
internal static class ReleaseSlotCli
{
    public static (int ExitCode, string Output) Run(params string[] args) => RunAs(isRoot: true, args);

    public static (int ExitCode, string Output) RunAs(bool isRoot, params string[] args)
    {
        var writer = new StringWriter();
        return (Invoke(writer, isRoot, args), writer.ToString());
    }

    public static CliRunner.Running Start(params string[] args)
    {
        var output = new StringWriter();
        var writer = TextWriter.Synchronized(output);
        var exit = Task.Run(() => Invoke(writer, true, args));
        return new CliRunner.Running(exit, () =>
        {
            lock (writer)
            {
                return output.ToString();
            }
        });
    }

    private static int Invoke(TextWriter writer, bool isRoot, string[] args)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        var release = new Command("release");
        ReleaseSlotCommands.Add(release, console, () => isRoot);
        var root = new RootCommand { release };
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = writer, Error = writer });
    }
}
