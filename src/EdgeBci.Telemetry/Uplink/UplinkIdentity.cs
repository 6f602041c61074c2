using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Uplink;

/// <summary>Who the unit is, for the status document and its will. The model is the only part that changes.</summary>
public sealed class UplinkIdentity
{
    private readonly Lock _gate = new();
    private ModelInfo? _model;

    public UplinkIdentity(string deviceId, string firmwareVersion, string board, DateTimeOffset startedAt, string? modelId = null, string? modelVersion = null)
    {
        if (!DeviceIds.IsValid(deviceId))
        {
            throw new ArgumentException($"device id '{deviceId}' is not 1 to 64 characters of a-z, 0-9 and '-'", nameof(deviceId));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(firmwareVersion);
        ArgumentException.ThrowIfNullOrWhiteSpace(board);
        DeviceId = deviceId;
        FirmwareVersion = firmwareVersion;
        Board = board;
        StartedAt = startedAt;
        SetModel(modelId, modelVersion);
    }

    public string DeviceId { get; }

    public string FirmwareVersion { get; }

    public string Board { get; }

    public DateTimeOffset StartedAt { get; }

    public ModelInfo? Model
    {
        get
        {
            lock (_gate)
            {
                return _model;
            }
        }
    }

    /// <summary>Sets the loaded model; both null = no model. One without the other is a caller error.</summary>
    public void SetModel(string? id, string? version)
    {
        if ((id is null) != (version is null))
        {
            throw new ArgumentException($"model id '{id}' and version '{version}' must both be set or both be null");
        }

        lock (_gate)
        {
            _model = id is null ? null : new ModelInfo(id, version!);
        }
    }
}

/// <summary>A snapshot of the uplink's counters.</summary>
public sealed record UplinkCounters(
    bool Connected,
    long Connects,
    long Reconnects,
    long TelemetrySent,
    long TelemetryDropped,
    long EventsAccepted,
    long EventsDelivered,
    long EventsDropped,
    long EventsQueued,
    long CommandsReceived,
    long CommandsRejected,
    long JournalWriteFailures,
    string? LastError)
{
    /// <summary>Command answers dropped, oldest first, because more than <see cref="MqttOptions.MaxPendingResponses"/> waited.</summary>
    public long ResponsesDropped { get; init; }

    /// <summary>Slow commands answered <c>busy</c>: the queue was full or its rate spent.</summary>
    public long CommandsBusy { get; init; }
}
