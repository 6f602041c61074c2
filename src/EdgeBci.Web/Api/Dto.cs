using EdgeBci.Web.Seams;
using EdgeBci.Web.Store;

namespace EdgeBci.Web.Api;

// Requests: every field nullable so a missing one is answered with its name, not a binder's default.
public sealed record PairRequest(string? Code);

public sealed record WearerCreateRequest(string? Id, string? DisplayName);

public sealed record CalibrationStartRequest(string? WearerId);

public sealed record NeurofeedbackStartRequest(string? WearerId, double? BaselineSeconds, double? SessionSeconds, bool? Tone);

// Answers.
public sealed record ErrorAnswer(string Error);

public sealed record RateLimitedAnswer(string Error, int RetryAfterSeconds);

public sealed record PairedAnswer(DateTimeOffset Expires);

public sealed record UnitAnswer(string DeviceId, IReadOnlyList<string> Channels, int SampleRate, int DisplayRate, UnitStatus Status);

public sealed record HistoryAnswer(WearerRecord Wearer, IReadOnlyList<CalibrationRecord> Calibrations, IReadOnlyList<FocusSessionRecord> Focus);

/// <summary>The live stream's once-a-second <c>status</c> event.</summary>
public sealed record StatusEvent(UnitStatus Status, ElectrodeSnapshot Electrodes, long Dropped);
