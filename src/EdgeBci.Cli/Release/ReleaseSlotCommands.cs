using System.CommandLine;
using System.Diagnostics;
using EdgeBci.Release.Slots;
using Spectre.Console;

namespace EdgeBci.Cli.Release;

/// <summary>
/// <c>edgebci release status | commit | rollback</c>: the unit's A/B slots as the slot guard and the firmware leave them
/// in the state folder. Status reads the files (and waits on a trial with <c>--wait</c>); commit and rollback are the
/// guard's own commands (<c>/usr/lib/edgebci/edgebci-slots</c>, root), run as a child with its output shown.
/// </summary>
internal static class ReleaseSlotCommands
{
    /// <summary>Where install.sh puts the slot guard.</summary>
    public const string DefaultSlotsTool = "/usr/lib/edgebci/edgebci-slots";

    /// <summary>Overrides <see cref="DefaultSlotsTool"/> (tests, a unit laid out differently); <c>--slots-tool</c> wins over it.</summary>
    public const string SlotsToolVariable = "EDGEBCI_SLOTS_TOOL";

    public static void Add(Command releaseGroup, IAnsiConsole output) => Add(releaseGroup, output, () => Environment.IsPrivilegedProcess);

    /// <summary><paramref name="isRoot"/> lets tests that run as root see the refusal a user without root gets.</summary>
    internal static void Add(Command releaseGroup, IAnsiConsole output, Func<bool> isRoot)
    {
        ArgumentNullException.ThrowIfNull(releaseGroup);
        ArgumentNullException.ThrowIfNull(output);
        releaseGroup.Subcommands.Add(Status(output));
        releaseGroup.Subcommands.Add(Commit(output, isRoot));
        releaseGroup.Subcommands.Add(Rollback(output, isRoot));
    }

    private static Command Status(IAnsiConsole output)
    {
        var folder = StateFolderOption();
        var wait = new Option<int?>("--wait")
        {
            Description = "Blocks up to SECONDS until the trial that is running is committed (exit 0) or rolled back (exit 5); 4 when it is still on trial then, 1 when no release is installed.",
        };
        var json = new Option<bool>("--json") { Description = "Prints the status as one JSON document instead of lines." };
        var command = new Command("status", "Shows the installed release: slot, version, trial (start N of M) or committed, previous release, last health verdict and last rollback.");
        command.Options.Add(folder);
        command.Options.Add(wait);
        command.Options.Add(json);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var seconds = parse.GetValue(wait);
            if (seconds is < 0 or > 86_400)
            {
                throw new ArgumentException($"--wait {seconds}: use 0 to 86400 seconds.");
            }

            return new ReleaseStatusCommand(output, parse.GetValue(folder)!, parse.GetValue(json)).Run(seconds);
        }));
        return command;
    }

    private static Command Commit(IAnsiConsole output, Func<bool> isRoot)
    {
        var tool = SlotsToolOption();
        var command = new Command("commit", $"Commits the release on trial now, without waiting for its health check (runs {DefaultSlotsTool} commit; root).");
        command.Options.Add(tool);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () => RunSlotsTool(output, isRoot, parse.GetValue(tool)!, "commit", [])));
        return command;
    }

    private static Command Rollback(IAnsiConsole output, Func<bool> isRoot)
    {
        var tool = SlotsToolOption();
        var reason = new Option<string?>("--reason") { Description = "Why, in one line: kept in the rollback record and the rollback event." };
        var command = new Command("rollback", $"Switches back to the release in the other slot and restarts the firmware (runs {DefaultSlotsTool} rollback; root).");
        command.Options.Add(tool);
        command.Options.Add(reason);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
        {
            var text = parse.GetValue(reason);
            if (text is not null && (text.Length == 0 || text.Contains('\n', StringComparison.Ordinal) || text.Contains('\r', StringComparison.Ordinal)))
            {
                throw new ArgumentException("--reason must be one non-empty line.");
            }

            return RunSlotsTool(output, isRoot, parse.GetValue(tool)!, "rollback", text is null ? [] : [text]);
        }));
        return command;
    }

    private static Option<string> StateFolderOption() => new("--state-folder")
    {
        Description = $"The slot guard's state folder. Default {ReleaseFiles.DefaultStateFolder}.",
        DefaultValueFactory = _ => ReleaseFiles.DefaultStateFolder,
    };

    private static Option<string> SlotsToolOption() => new("--slots-tool")
    {
        Description = $"The slot guard to run. Default ${SlotsToolVariable}, else {DefaultSlotsTool}.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(SlotsToolVariable) is { Length: > 0 } path ? path : DefaultSlotsTool,
        Hidden = true,
    };

    /// <summary>Runs the guard with its output streamed line by line as it comes; its exit code is the command's.</summary>
    private static int RunSlotsTool(IAnsiConsole output, Func<bool> isRoot, string tool, string verb, IReadOnlyList<string> arguments)
    {
        if (!isRoot())
        {
            EdgeBciCommand.Error(output, $"edgebci release {verb} must run as root: it runs {tool} {verb}, which switches the unit's slots (use sudo).");
            return EdgeBciCommand.Failed;
        }

        if (!File.Exists(tool))
        {
            EdgeBciCommand.Error(output, $"{tool} is not there: no release was installed by install.sh on this machine.");
            return EdgeBciCommand.Failed;
        }

        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(verb);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var child = new Process { StartInfo = start };
        var gate = new object();
        void Show(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                output.Profile.Out.Writer.WriteLine(line);
            }
        }

        child.OutputDataReceived += (_, e) => Show(e.Data);
        child.ErrorDataReceived += (_, e) => Show(e.Data);
        try
        {
            child.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            EdgeBciCommand.Error(output, $"{tool} cannot be run: {exception.Message}");
            return EdgeBciCommand.Failed;
        }

        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        child.WaitForExit();
        return child.ExitCode;
    }
}
