namespace EdgeBci.Release.Slots;

/// <summary>Whether the release in <c>current</c> is still being tried or is the unit's release.</summary>
public enum TrialState
{
    Trial,
    Committed,
}

/// <summary>
/// The <c>state</c> file, written only by the slot guard (<c>edgebci-slots</c>): which slot runs, which release it holds,
/// whether it is on trial and how many starts the trial has used.
/// </summary>
public sealed record SlotState(
    TrialState State,
    string Slot,
    string Version,
    string? PreviousSlot,
    string? PreviousVersion,
    int Starts,
    int MaxStarts,
    DateTimeOffset? TrialSince,
    IReadOnlyDictionary<string, string> SlotVersions)
{
    /// <summary>The state in <paramref name="folder"/>, or null when none is installed.</summary>
    /// <exception cref="FormatException">A line or a value is unusable; the message names file, line and key.</exception>
    public static SlotState? ReadIfPresent(string folder)
    {
        var path = Path.Combine(folder, ReleaseFiles.State);
        var values = KeyValueFile.ReadIfPresent(path);
        return values is null ? null : Parse(path, values);
    }

    private static SlotState Parse(string path, IReadOnlyDictionary<string, string> values)
    {
        var state = ReleaseFiles.Required(path, values, "state") switch
        {
            "trial" => TrialState.Trial,
            "committed" => TrialState.Committed,
            _ => throw ReleaseFiles.Bad(path, "state", "is not trial or committed"),
        };

        var previousSlot = ReleaseFiles.Optional(values, "previous_slot");
        if (previousSlot.Length > 0 && !ReleaseFiles.IsSlot(previousSlot))
        {
            throw ReleaseFiles.Bad(path, "previous_slot", $"is not a slot ({string.Join(" or ", ReleaseFiles.Slots)}) or empty");
        }

        var starts = ReleaseFiles.Count(path, values, "starts");
        var maxStarts = ReleaseFiles.Count(path, values, "max_starts");
        if (maxStarts < 1)
        {
            throw ReleaseFiles.Bad(path, "max_starts", "must be at least 1");
        }

        var since = ReleaseFiles.Optional(values, "trial_since");
        DateTimeOffset? trialSince = since.Length > 0 || state == TrialState.Trial ? ReleaseFiles.Time(path, values, "trial_since") : null;

        var slotVersions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var slot in ReleaseFiles.Slots)
        {
            if (values.TryGetValue(slot + "_version", out var version) && version.Length > 0)
            {
                slotVersions[slot] = version;
            }
        }

        var previousVersion = ReleaseFiles.Optional(values, "previous_version");
        return new SlotState(state, ReleaseFiles.Slot(path, values, "slot"), ReleaseFiles.Required(path, values, "version"),
            previousSlot.Length > 0 ? previousSlot : null, previousVersion.Length > 0 ? previousVersion : null,
            starts, maxStarts, trialSince, slotVersions);
    }
}
