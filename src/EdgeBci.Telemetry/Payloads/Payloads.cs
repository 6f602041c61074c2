using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace EdgeBci.Telemetry.Payloads;

/// <summary>Schema names of the shared contract; a consumer switches on them.</summary>
public static class SchemaNames
{
    public const string Status = "edgebci.status/1";
    public const string Telemetry = "edgebci.telemetry/1";
    public const string Event = "edgebci.event/1";
    public const string CommandResult = "edgebci.command-result/1";
}

public sealed record ModelInfo(string Id, string Version);

/// <summary><c>.../status</c>, retained; the will is the same document with <c>online:false</c>.</summary>
public sealed record StatusMessage
{
    public string Schema { get; init; } = SchemaNames.Status;
    public required string DeviceId { get; init; }
    public required bool Online { get; init; }
    public required string FirmwareVersion { get; init; }
    public required string Board { get; init; }
    public required ModelInfo? Model { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset Time { get; init; }
}

public sealed record AcquisitionTelemetry(double SampleRateHz, long Frames, long Gaps, long BadFrames, long MissedFrames);

public sealed record ChannelTelemetry(string Name, string Quality, double RmsMicrovolts);

/// <summary>The decoder; the latency percentiles are null in an interval without a decision.</summary>
public sealed record DecoderTelemetry(string? ModelId, string? ModelVersion, bool Healthy, long Windows, double? LatencyP50Ms, double? LatencyP99Ms);

public sealed record DecisionTelemetry(
    [property: JsonPropertyName("class")] string Class,
    double Confidence,
    double Evidence);

/// <param name="ArmedModel">The model (id and version) the supervisor was last armed with; null before the first arm.</param>
/// <param name="Ramping">A controlled stop is ramping the command down.</param>
public sealed record SupervisorTelemetry(string State, string? Intent, string? ArmedModel, bool Ramping);

public sealed record ActuatorTelemetry(string Kind, string Output, bool Neutral);

public sealed record SystemTelemetry(double CpuLoad, double? CpuTemperatureC, long MemoryBytes);

/// <summary>The uplink's own counters; <see cref="Uplink.MqttUplink"/> fills them in when it sends.</summary>
public sealed record UplinkTelemetry(long TelemetryDropped, long EventsQueued, long EventsDropped, long Reconnects);

/// <summary><c>.../telemetry</c>, QoS 0, one snapshot of every stage.</summary>
public sealed record TelemetryMessage
{
    public string Schema { get; init; } = SchemaNames.Telemetry;
    public required string DeviceId { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required double UptimeSeconds { get; init; }
    public required AcquisitionTelemetry Acquisition { get; init; }
    public required IReadOnlyList<ChannelTelemetry> Channels { get; init; }
    public required DecoderTelemetry Decoder { get; init; }
    public required DecisionTelemetry? Decision { get; init; }
    public required double? Focus { get; init; }
    public required SupervisorTelemetry Supervisor { get; init; }
    public required ActuatorTelemetry Actuator { get; init; }
    public required SystemTelemetry System { get; init; }
    public UplinkTelemetry Uplink { get; init; } = new(0, 0, 0, 0);
}

/// <summary>Event kinds of the contract.</summary>
public static class EventKinds
{
    public const string Supervisor = "supervisor";
    public const string Fault = "fault";
    public const string Model = "model";
    public const string Recording = "recording";
    public const string SelfTest = "selftest";
    public const string Command = "command";
    public const string Uplink = "uplink";

    /// <summary>A trial release committed, or a rollback to the previous release (the slot guard's, published by the firmware).</summary>
    public const string Release = "release";

    public static IReadOnlyList<string> All { get; } = [Supervisor, Fault, Model, Recording, SelfTest, Command, Uplink, Release];
}

public static class EventSeverities
{
    public const string Info = "info";
    public const string Warning = "warning";
    public const string Critical = "critical";

    public static IReadOnlyList<string> All { get; } = [Info, Warning, Critical];
}

/// <summary><c>.../events</c>, QoS 1, in order; <see cref="Id"/> (<c>bootId-seq</c>) is the dedupe id.</summary>
public sealed record EventMessage
{
    public string Schema { get; init; } = SchemaNames.Event;
    public required string Id { get; init; }
    public required long Seq { get; init; }
    public required string BootId { get; init; }
    public required string DeviceId { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string Kind { get; init; }
    public required string Severity { get; init; }
    public required string Message { get; init; }
    public IReadOnlyDictionary<string, string> Data { get; init; } = EmptyData;

    internal static readonly IReadOnlyDictionary<string, string> EmptyData = new Dictionary<string, string>(0);
}

/// <summary>Error codes of a command result.</summary>
public static class CommandErrorCodes
{
    public const string UnknownCommand = "unknown-command";
    public const string TooLarge = "too-large";
    public const string BadJson = "bad-json";
    public const string BadArguments = "bad-arguments";
    public const string NotAuthorised = "not-authorised";
    public const string Disabled = "disabled";
    public const string Failed = "failed";

    /// <summary>The slow-command queue is full or its rate is spent: try again later (the message says how many wait).</summary>
    public const string Busy = "busy";

    /// <summary>The request carries no MQTT message expiry, a longer one than allowed, or it expired before it could run.</summary>
    public const string Stale = "stale";

    /// <summary>The request is a retained message: a command is never replayed from the broker's store.</summary>
    public const string Retained = "retained";

    /// <summary>The command answers only its requester and came without a usable response topic: not run.</summary>
    public const string NoResponseTopic = "no-response-topic";

    public static IReadOnlyList<string> All { get; } =
        [UnknownCommand, TooLarge, BadJson, BadArguments, NotAuthorised, Disabled, Failed, Busy, Stale, Retained, NoResponseTopic];
}

public sealed record CommandError(string Code, string Message);

/// <summary>The answer to a command, published to the request's ResponseTopic and logged as a <c>command</c> event.</summary>
public sealed record CommandResult
{
    public string Schema { get; init; } = SchemaNames.CommandResult;
    public required string Command { get; init; }
    public required bool Ok { get; init; }
    public required JsonNode? Result { get; init; }
    public required CommandError? Error { get; init; }
    public required DateTimeOffset Time { get; init; }
}
