using EdgeBci.Release.Slots;

namespace EdgeBci.Cli.Release;

/// <summary>The JSON of <c>edgebci release status --json</c>: the derived condition and every file's fields, null where a file is absent.</summary>
internal sealed record ReleaseStatusDocument(
    string Condition,
    string Summary,
    string StateFolder,
    string? Slot,
    string? Version,
    string? State,
    int? Starts,
    int? MaxStarts,
    string? TrialSince,
    string? PreviousSlot,
    string? PreviousVersion,
    IReadOnlyDictionary<string, string>? SlotVersions,
    ReleaseStatusDocument.GoodPart? Good,
    ReleaseStatusDocument.HealthPart? Health,
    ReleaseStatusDocument.ExitPart? LastExit,
    ReleaseStatusDocument.RollbackPart? LastRollback)
{
    public static ReleaseStatusDocument Of(ReleaseStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var state = status.State;
        return new ReleaseStatusDocument(
            status.Condition switch
            {
                ReleaseCondition.NotInstalled => "not-installed",
                ReleaseCondition.Trial => "trial",
                ReleaseCondition.RolledBack => "rolled-back",
                _ => "committed",
            },
            status.Summary,
            status.Folder,
            state?.Slot,
            state?.Version,
            state is null ? null : state.State == TrialState.Trial ? "trial" : "committed",
            state?.Starts,
            state?.MaxStarts,
            state?.TrialSince is { } since ? ReleaseFiles.FormatTime(since) : null,
            state?.PreviousSlot,
            state?.PreviousVersion,
            state?.SlotVersions,
            status.Good is { } good ? new GoodPart(good.Slot, good.Version, ReleaseFiles.FormatTime(good.At)) : null,
            status.Health is { } health ? new HealthPart(ReleaseFiles.FormatTime(health.At), health.Healthy, health.Reason) : null,
            status.LastExit is { } exit ? new ExitPart(ReleaseFiles.FormatTime(exit.At), exit.Result, exit.Code, exit.Status) : null,
            status.LastRollback is { } rollback
                ? new RollbackPart(ReleaseFiles.FormatTime(rollback.At), rollback.Release, rollback.From, rollback.To, rollback.FromVersion, rollback.ToVersion, rollback.Reason)
                : null);
    }

    internal sealed record GoodPart(string Slot, string Version, string At);

    internal sealed record HealthPart(string At, bool Healthy, string Reason);

    internal sealed record ExitPart(string At, string Result, string Code, string Status);

    internal sealed record RollbackPart(string At, string Release, string From, string To, string FromVersion, string ToVersion, string Reason);
}
