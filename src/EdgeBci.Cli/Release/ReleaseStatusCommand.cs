using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeBci.Release.Slots;
using Spectre.Console;

namespace EdgeBci.Cli.Release;

/// <summary>
/// <c>edgebci release status</c>: prints the derived release status of a state folder and, with <c>--wait</c>, polls
/// the files each second until the trial running at the start is committed or rolled back. The last line is the one
/// flash.sh shows: <c>committed: V in slot X</c>, <c>rolled back: reason</c> or <c>still in trial after N s</c>.
/// </summary>
internal sealed class ReleaseStatusCommand(IAnsiConsole output, string folder, bool json)
{
    public const int Committed = 0;
    public const int NotInstalled = 1;
    public const int StillInTrial = 4;
    public const int RolledBack = 5;

    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public int Run(int? waitSeconds)
    {
        if (!TryRead(out var status))
        {
            return EdgeBciCommand.BadInput;
        }

        if (waitSeconds is not { } seconds || status.Condition != ReleaseCondition.Trial)
        {
            Show(status);
            return waitSeconds is null
                ? status.Condition == ReleaseCondition.NotInstalled ? NotInstalled : EdgeBciCommand.Success
                : ExitCodeOf(status.Condition);
        }

        var trial = status.State!;
        if (!json)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"waiting up to {seconds} s for the trial of {trial.Version} in slot {trial.Slot} (start {trial.Starts} of {trial.MaxStarts})"));
        }

        var waited = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(seconds);
        for (var remaining = limit; remaining > TimeSpan.Zero; remaining = limit - waited.Elapsed)
        {
            Thread.Sleep(remaining < PollInterval ? remaining : PollInterval);
            if (!TryRead(out status))
            {
                return EdgeBciCommand.BadInput;
            }

            var outcome = status.OutcomeOf(trial);
            if (outcome == ReleaseCondition.Trial)
            {
                continue;
            }

            Finish(status, outcome switch
            {
                ReleaseCondition.Committed => $"committed: {trial.Version} in slot {trial.Slot}",
                ReleaseCondition.RolledBack => $"rolled back: {status.RollbackReasonFor(trial)}",
                _ => status.Summary,
            });
            return ExitCodeOf(outcome);
        }

        Finish(status, string.Create(CultureInfo.InvariantCulture, $"still in trial after {seconds} s: {status.Summary}"));
        return StillInTrial;
    }

    private static int ExitCodeOf(ReleaseCondition condition) => condition switch
    {
        ReleaseCondition.Committed => Committed,
        ReleaseCondition.RolledBack => RolledBack,
        ReleaseCondition.Trial => StillInTrial,
        _ => NotInstalled,
    };

    private bool TryRead(out ReleaseStatus status)
    {
        try
        {
            status = ReleaseStatus.Read(folder);
            return true;
        }
        catch (FormatException exception)
        {
            EdgeBciCommand.Error(output, exception.Message);
            status = null!;
            return false;
        }
    }

    private void Finish(ReleaseStatus status, string verdict)
    {
        if (json)
        {
            Show(status);
            return;
        }

        output.WriteLine(verdict);
    }

    private void Show(ReleaseStatus status)
    {
        if (json)
        {
            // Written past the console's line wrapping: a long reason must not split a JSON string.
            output.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(ReleaseStatusDocument.Of(status), JsonOptions));
            return;
        }

        output.WriteLine(status.Summary);
        if (status.State is not { } state)
        {
            return;
        }

        Line("slot", state.Slot);
        Line("version", state.Version);
        Line("state", StateText(status));
        Line("previous", state.PreviousSlot is null ? "none" : $"{state.PreviousVersion} in slot {state.PreviousSlot}");
        Line("last health", status.Health is { } health
            ? $"{(health.Healthy ? "healthy" : "unhealthy")} at {ReleaseFiles.FormatTime(health.At)}: {health.Reason}"
            : "none written");
        if (status.LastExit is { } exit)
        {
            Line("last exit", exit.Describe());
        }

        Line("last rollback", status.LastRollback is { } rollback ? $"{ReleaseFiles.FormatTime(rollback.At)}: {rollback.Describe()}" : "none");
        Line("state folder", status.Folder);
    }

    private void Line(string label, string value) => output.WriteLine($"  {label + ":",-15}{value}");

    private static string StateText(ReleaseStatus status)
    {
        var state = status.State!;
        var since = state.TrialSince is { } time ? $", since {ReleaseFiles.FormatTime(time)}" : string.Empty;
        return status.Condition switch
        {
            ReleaseCondition.Trial => string.Create(CultureInfo.InvariantCulture, $"trial, start {state.Starts} of {state.MaxStarts}{since}"),
            ReleaseCondition.RolledBack => "rolled back (committed to the previous release)",
            _ when state.State == TrialState.Trial => string.Create(CultureInfo.InvariantCulture, $"committed (marked good at {ReleaseFiles.FormatTime(status.Good!.At)}; the guard records it at the next start)"),
            _ => "committed",
        };
    }
}
