using EdgeBci.Release.Slots;

namespace EdgeBci.Release.Tests.Slots;

/// <summary>Writes the files the bash guard writes, the way it writes them, for the readers under test.</summary>
internal static class SlotFiles
{
    public static void State(string folder, string state = "trial", string slot = "b", string version = "0.2.0", int starts = 1, int maxStarts = 3) =>
        KeyValueFile.WriteAtomically(Path.Combine(folder, ReleaseFiles.State),
        [
            new("state", state), new("slot", slot), new("version", version),
            new("previous_slot", slot == "b" ? "a" : "b"), new("previous_version", "0.1.0"),
            new("starts", $"{starts}"), new("max_starts", $"{maxStarts}"), new("trial_since", "2026-12-06T16:00:00Z"),
            new("a_version", slot == "a" ? version : "0.1.0"), new("b_version", slot == "b" ? version : "0.1.0"),
        ]);

    public static void Rollback(string folder, string at = "2026-12-06T16:05:00Z", string release = "0.2.0", string from = "b", string to = "a",
        string reason = "trial 0.2.0 did not become healthy within 3 starts (last: acquisition 0 frames/s)") =>
        KeyValueFile.WriteAtomically(Path.Combine(folder, ReleaseFiles.Rollback),
        [
            new("at", at), new("release", release), new("from", from), new("to", to),
            new("from_version", release), new("to_version", "0.1.0"), new("reason", reason),
        ]);
}
