using System.Globalization;

namespace EdgeBci.Release.Slots;

/// <summary>Where the unit's release stands, as the firmware and <c>edgebci release status</c> both see it.</summary>
public enum ReleaseCondition
{
    /// <summary>No <c>state</c>: nothing was installed by install.sh.</summary>
    NotInstalled,

    /// <summary>The release in <c>current</c> is on trial and not yet marked good.</summary>
    Trial,

    /// <summary>The release in <c>current</c> is the unit's release.</summary>
    Committed,

    /// <summary>The unit runs the previous release because the guard (or an engineer) switched back to it.</summary>
    RolledBack,
}

/// <summary>
/// The derived view of the state folder: the guard's <c>state</c> with the firmware's <c>good</c> folded in (as the guard
/// folds it at the next start), plus the last health verdict, exit and rollback for the reader.
/// </summary>
public sealed record ReleaseStatus(
    ReleaseCondition Condition,
    string Folder,
    SlotState? State,
    GoodMark? Good,
    HealthRecord? Health,
    LastExit? LastExit,
    RollbackRecord? LastRollback)
{
    /// <exception cref="FormatException">A file is unusable; the message names file, line and key.</exception>
    public static ReleaseStatus Read(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var state = SlotState.ReadIfPresent(folder);
        var good = GoodMark.ReadIfPresent(folder);
        var rollback = RollbackRecord.ReadIfPresent(folder);
        return new ReleaseStatus(ConditionOf(state, good, rollback), folder, state, good, HealthRecord.ReadIfPresent(folder),
            LastExit.ReadIfPresent(folder), rollback);
    }

    private static ReleaseCondition ConditionOf(SlotState? state, GoodMark? good, RollbackRecord? rollback)
    {
        if (state is null)
        {
            return ReleaseCondition.NotInstalled;
        }

        if (state.State == TrialState.Trial)
        {
            return good is not null && good.Commits(state) ? ReleaseCondition.Committed : ReleaseCondition.Trial;
        }

        // The guard writes a committed state for the slot it switched back to: running what the last rollback went to
        // means running the previous release, not a release that passed its trial.
        return rollback is not null && rollback.To == state.Slot && rollback.ToVersion == state.Version
            ? ReleaseCondition.RolledBack
            : ReleaseCondition.Committed;
    }

    /// <summary>
    /// How the trial of <paramref name="trial"/> has ended as far as this status shows: committed only when the same
    /// slot and version are committed; rolled back when the unit runs another slot committed; otherwise still on trial.
    /// </summary>
    public ReleaseCondition OutcomeOf(SlotState trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        if (State is not { } state)
        {
            return ReleaseCondition.NotInstalled;
        }

        var sameRelease = state.Slot == trial.Slot && state.Version == trial.Version;
        return Condition switch
        {
            ReleaseCondition.Committed when sameRelease => ReleaseCondition.Committed,
            ReleaseCondition.Committed or ReleaseCondition.RolledBack => ReleaseCondition.RolledBack,
            _ => ReleaseCondition.Trial,
        };
    }

    /// <summary>Why the trial of <paramref name="trial"/> is no longer running: the guard's rollback reason when it names that trial.</summary>
    public string RollbackReasonFor(SlotState trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        return LastRollback is { } rollback && rollback.From == trial.Slot && rollback.Release == trial.Version
            ? rollback.Reason
            : $"slot {trial.Slot} ({trial.Version}) is no longer the running release: the unit runs {State?.Version ?? "nothing"} in slot {State?.Slot ?? "-"}";
    }

    /// <summary>One line: what runs and how it stands.</summary>
    public string Summary => (Condition, State) switch
    {
        (ReleaseCondition.NotInstalled, _) or (_, null) => $"no release installed (no {ReleaseFiles.State} file in {Folder})",
        (ReleaseCondition.Trial, { } s) => string.Create(CultureInfo.InvariantCulture,
            $"trial: {s.Version} in slot {s.Slot}, start {s.Starts} of {s.MaxStarts}"),
        (ReleaseCondition.RolledBack, { } s) => $"rolled back: running {s.Version} in slot {s.Slot}; {LastRollback!.Describe()}",
        (_, { } s) => $"committed: {s.Version} in slot {s.Slot}",
    };
}
