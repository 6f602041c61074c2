namespace EdgeBci.Training.Camp;

/// <summary>A block as recorded: samples [Start, End) of the recording, and the recording it replayed (emulator), if any.</summary>
public readonly record struct RecordedBlock(int Index, long Start, long End, string? Source);

/// <summary>
/// What a calibration session recorded, for the steps after it (align, fine-tune, gate, install): the BDF+ recording
/// with the cue annotations, the schedule actually run, the blocks as sample ranges (the gate tests on the last) and
/// the cued trials per class.
/// </summary>
public sealed record SessionResult(
    string RecordingPath,
    string SchedulePath,
    IReadOnlyList<RecordedBlock> Blocks,
    IReadOnlyDictionary<string, int> TrialsPerClass,
    WearerFolder Wearer,
    int SampleRate);
