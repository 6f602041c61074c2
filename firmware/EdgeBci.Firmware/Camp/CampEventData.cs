namespace EdgeBci.Firmware;

/// <summary>The data of a "cue" event (the page's large cue and its progress line).</summary>
/// <param name="Phase">"started", "fixation", "cue", "rest", "break" or "ended".</param>
/// <param name="Cls">The cued class ("left", "right"), null outside a cue.</param>
/// <param name="Label">What the page shows in words ("LEFT", "RIGHT"), null outside a cue.</param>
/// <param name="Seconds">How long the period lasts.</param>
public sealed record CueEventData(string Phase, string? Cls, string? Label, double Seconds, int Trial, int Trials, int Block, int Blocks);

/// <summary>The data of a "progress" event.</summary>
/// <param name="Stage">"recording", "training", "gate" or "installing".</param>
/// <param name="Fraction">0..1 of the whole calibration.</param>
public sealed record ProgressEventData(string Stage, string Text, double Fraction);

/// <summary>The data of a "verdict" event: the acceptance gate's answer in plain words, and where the report is.</summary>
public sealed record VerdictEventData(string CalibrationId, bool Passed, string Text, double? Accuracy, double? Chance, double? ItrBitsPerMinute, string ReportUrl,
    bool Installed);

/// <summary>The data of the "ended" event CampJobs publishes when a run's job did not publish its own.</summary>
public sealed record EndedEventData(string Kind, string State, string? Detail);
