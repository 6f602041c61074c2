using System.Buffers;
using System.Text.Json;
using EdgeBci.Telemetry;

namespace EdgeBci.Cli.Monitor;

/// <summary>How the monitor last heard of a unit's connection.</summary>
internal enum UnitLink
{
    /// <summary>Telemetry or events came, but no retained status yet.</summary>
    NoStatus,
    Online,
    Offline,
}

/// <summary>One row of the table: what the monitor knows about a unit at a moment.</summary>
internal sealed record UnitView(
    string DeviceId,
    UnitLink Link,
    UnitStatus? Status,
    UnitTelemetry? Telemetry,
    TimeSpan? TelemetryAge,
    bool Stale,
    UnitEvent? LastEvent,
    int BadMessages,
    string? LastError);

/// <summary>
/// Everything the monitor knows about the units, built only from the messages given to it: no clock, no network, so
/// the table is the same for the same messages. Thread-safe: the MQTT client feeds it while the screen reads it.
/// </summary>
internal sealed class MonitorBoard(string? deviceFilter = null)
{
    /// <summary>Telemetry comes every second; three missed in a row means the unit, its uplink or the broker is behind.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(3);

    public const string TopicPrefix = "edgebci/v1/";

    private readonly Lock gate = new();
    private readonly SortedDictionary<string, UnitRecord> units = new(StringComparer.Ordinal);

    /// <summary>Messages on a topic whose device id breaks the contract, so they belong to no unit.</summary>
    public int UnattributedBadMessages { get; private set; }

    public string? LastUnattributedError { get; private set; }

    /// <summary>
    /// Takes one message as it came from the broker. Returns the event when it is a new one (not a redelivery), so
    /// the caller can print it; never throws for a message that breaks the contract, it counts it on the unit.
    /// </summary>
    public UnitEvent? Apply(string topic, ReadOnlySequence<byte> payload, DateTimeOffset receivedAt)
    {
        if (!TrySplitTopic(topic, out var deviceId, out var kind))
        {
            return null;
        }

        if (deviceFilter is not null && !string.Equals(deviceId, deviceFilter, StringComparison.Ordinal))
        {
            return null;
        }

        lock (gate)
        {
            if (!DeviceIds.IsValid(deviceId))
            {
                UnattributedBadMessages++;
                LastUnattributedError = $"{topic}: the device id '{deviceId}' is not [a-z0-9-]{{1,64}}";
                return null;
            }

            if (payload.IsEmpty && kind == "status")
            {
                // An empty retained status is how a unit is taken off the broker for good: it leaves the table.
                units.Remove(deviceId);
                return null;
            }

            if (!units.TryGetValue(deviceId, out var unit))
            {
                unit = new UnitRecord();
                units.Add(deviceId, unit);
            }

            try
            {
                return ApplyTo(unit, deviceId, kind, payload, receivedAt);
            }
            catch (ContractViolationException violation)
            {
                unit.BadMessages++;
                unit.LastError = $"{topic}: {violation.Message}";
                return null;
            }
            catch (JsonException json)
            {
                unit.BadMessages++;
                unit.LastError = $"{topic}: $: not JSON ({json.Message})";
                return null;
            }
        }
    }

    /// <summary>The units sorted by device id, with staleness judged at <paramref name="now"/>.</summary>
    public IReadOnlyList<UnitView> Snapshot(DateTimeOffset now)
    {
        lock (gate)
        {
            var rows = new List<UnitView>(units.Count);
            foreach (var (deviceId, unit) in units)
            {
                TimeSpan? age = unit.TelemetryReceivedAt is { } received ? now - received : null;
                var link = unit.Status is null ? UnitLink.NoStatus : unit.Status.Online ? UnitLink.Online : UnitLink.Offline;
                var stale = link != UnitLink.Offline && (age is null || age.Value > StaleAfter);
                rows.Add(new UnitView(deviceId, link, unit.Status, unit.Telemetry, age, stale, unit.LastEvent, unit.BadMessages, unit.LastError));
            }

            return rows;
        }
    }

    private static UnitEvent? ApplyTo(UnitRecord unit, string deviceId, string kind, ReadOnlySequence<byte> payload, DateTimeOffset receivedAt)
    {
        if (payload.IsEmpty)
        {
            throw new ContractViolationException("$", "empty payload");
        }

        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        switch (kind)
        {
            case "status":
                ReadHeader(root, UnitStatus.Schema, deviceId);
                unit.Status = UnitStatus.Parse(root);
                return null;
            case "telemetry":
                ReadHeader(root, UnitTelemetry.Schema, deviceId);
                unit.Telemetry = UnitTelemetry.Parse(root);
                unit.TelemetryReceivedAt = receivedAt;
                return null;
            default:
                ReadHeader(root, UnitEvent.Schema, deviceId);
                var unitEvent = UnitEvent.Parse(deviceId, root);

                // Events come in order per unit with QoS 1, so a redelivery repeats a sequence number already seen
                // in the same boot; a new boot starts a new sequence.
                if (string.Equals(unit.LastEvent?.BootId, unitEvent.BootId, StringComparison.Ordinal) && unitEvent.Seq <= unit.LastEvent!.Seq)
                {
                    return null;
                }

                unit.LastEvent = unitEvent;
                return unitEvent;
        }
    }

    private static void ReadHeader(JsonElement root, string schema, string topicDeviceId)
    {
        ContractReader.Schema(root, schema);
        var deviceId = ContractReader.String(root, "deviceId", "$");
        if (!string.Equals(deviceId, topicDeviceId, StringComparison.Ordinal))
        {
            throw new ContractViolationException("$.deviceId", $"'{deviceId}' does not match the topic's device id '{topicDeviceId}'");
        }
    }

    /// <summary>edgebci/v1/&lt;deviceId&gt;/(status|telemetry|events); anything else is not the monitor's to read.</summary>
    private static bool TrySplitTopic(string topic, out string deviceId, out string kind)
    {
        deviceId = string.Empty;
        kind = string.Empty;
        if (!topic.StartsWith(TopicPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(TopicPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var leaf = rest[(slash + 1)..];
        if (leaf is not ("status" or "telemetry" or "events"))
        {
            return false;
        }

        deviceId = rest[..slash].ToString();
        kind = leaf.ToString();
        return true;
    }

    private sealed class UnitRecord
    {
        public UnitStatus? Status { get; set; }

        public UnitTelemetry? Telemetry { get; set; }

        public DateTimeOffset? TelemetryReceivedAt { get; set; }

        public UnitEvent? LastEvent { get; set; }

        public int BadMessages { get; set; }

        public string? LastError { get; set; }
    }
}
