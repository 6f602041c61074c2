using System.Globalization;
using System.Text;
using System.Text.Json;
using static EdgeBci.Cli.Monitor.ContractReader;

namespace EdgeBci.Cli.Monitor;

/// <summary>A unit's retained <c>status</c> document (and its MQTT will, the same document with online false).</summary>
internal sealed record UnitStatus(bool Online, string FirmwareVersion, string Board, string? ModelId, string? ModelVersion, DateTimeOffset StartedAt, DateTimeOffset Time)
{
    public const string Schema = "edgebci.status/1";

    public static UnitStatus Parse(JsonElement root)
    {
        var model = NullableObject(root, "model", "$");
        return new UnitStatus(
            Boolean(root, "online", "$"),
            String(root, "firmwareVersion", "$"),
            String(root, "board", "$"),
            model is { } m ? String(m, "id", "$.model") : null,
            model is { } v ? String(v, "version", "$.model") : null,
            ContractReader.Time(root, "startedAt", "$"),
            ContractReader.Time(root, "time", "$"));
    }
}

/// <summary>The figures of one <c>telemetry</c> message the table shows, summarised once when the message arrives.</summary>
internal sealed record UnitTelemetry(
    string SupervisorState,
    string? Intent,
    string? DecisionClass,
    double? DecisionConfidence,
    double? Focus,
    string QualitySummary,
    bool AllChannelsGood,
    string RmsRange,
    bool DecoderHealthy,
    double LatencyP99Ms,
    double CpuLoad,
    double? CpuTemperatureC,
    long MemoryBytes,
    long TelemetryDropped,
    long EventsDropped)
{
    public const string Schema = "edgebci.telemetry/1";

    public const string GoodQuality = "good";

    public static UnitTelemetry Parse(JsonElement root)
    {
        var channels = ContractReader.Array(root, "channels", "$");
        var (summary, allGood, rmsRange) = SummariseChannels(channels);
        var decoder = Object(root, "decoder", "$");
        var decision = NullableObject(root, "decision", "$");
        var supervisor = Object(root, "supervisor", "$");
        var system = Object(root, "system", "$");
        var uplink = Object(root, "uplink", "$");
        return new UnitTelemetry(
            String(supervisor, "state", "$.supervisor"),
            NullableString(supervisor, "intent", "$.supervisor"),
            decision is { } d ? String(d, "class", "$.decision") : null,
            decision is { } c ? Number(c, "confidence", "$.decision") : null,
            NullableNumber(root, "focus", "$"),
            summary,
            allGood,
            rmsRange,
            ContractReader.Boolean(decoder, "healthy", "$.decoder"),
            Number(decoder, "latencyP99Ms", "$.decoder"),
            Number(system, "cpuLoad", "$.system"),
            NullableNumber(system, "cpuTemperatureC", "$.system"),
            Integer(system, "memoryBytes", "$.system"),
            Integer(uplink, "telemetryDropped", "$.uplink"),
            Integer(uplink, "eventsDropped", "$.uplink"));
    }

    /// <summary>"8/8 good" when every electrode is fine, otherwise the channels that are not, e.g. "C3 lead-off, C4 railed".</summary>
    private static (string Summary, bool AllGood, string RmsRange) SummariseChannels(JsonElement channels)
    {
        var count = 0;
        var good = 0;
        var notGood = new StringBuilder();
        var minimum = double.PositiveInfinity;
        var maximum = double.NegativeInfinity;
        foreach (var channel in channels.EnumerateArray())
        {
            var path = Element("$.channels", count);
            count++;
            if (channel.ValueKind != JsonValueKind.Object)
            {
                throw new ContractViolationException(path, "expected an object");
            }

            var name = String(channel, "name", path);
            var quality = String(channel, "quality", path);
            var rms = Number(channel, "rmsMicrovolts", path);
            minimum = Math.Min(minimum, rms);
            maximum = Math.Max(maximum, rms);
            if (string.Equals(quality, GoodQuality, StringComparison.Ordinal))
            {
                good++;
            }
            else
            {
                // An unknown quality word is shown as the unit sent it rather than guessed into one of the known ones.
                notGood.Append(notGood.Length == 0 ? string.Empty : ", ").Append(name).Append(' ').Append(quality);
            }
        }

        if (count == 0)
        {
            return ("no channels", false, "-");
        }

        var summary = good == count ? string.Create(CultureInfo.InvariantCulture, $"{good}/{count} good") : notGood.ToString();
        return (summary, good == count, string.Create(CultureInfo.InvariantCulture, $"{minimum:0.#}-{maximum:0.#}"));
    }
}

/// <summary>One <c>events</c> message.</summary>
internal sealed record UnitEvent(string DeviceId, string Id, string BootId, long Seq, DateTimeOffset Time, string Kind, string Severity, string Message)
{
    public const string Schema = "edgebci.event/1";

    public static UnitEvent Parse(string deviceId, JsonElement root) => new(
        deviceId,
        String(root, "id", "$"),
        String(root, "bootId", "$"),
        Integer(root, "seq", "$"),
        ContractReader.Time(root, "time", "$"),
        String(root, "kind", "$"),
        String(root, "severity", "$"),
        String(root, "message", "$"));

    public string ToLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Time.UtcDateTime:HH:mm:ss}Z {DeviceId} {Kind} {Severity}: {Message}");
}
