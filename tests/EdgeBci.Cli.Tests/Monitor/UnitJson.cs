using System.Buffers;
using System.Globalization;
using System.Text;

namespace EdgeBci.Cli.Tests.Monitor;

/// <summary>Contract documents as a unit publishes them, with the parts a test varies as parameters.</summary>
internal static class UnitJson
{
    public static readonly DateTimeOffset Start = new(2026, 11, 26, 1, 0, 0, TimeSpan.Zero);

    public static string Status(string deviceId, bool online, string? modelId = "s001-left-vs-right") => $$"""
        {"schema":"edgebci.status/1","deviceId":"{{deviceId}}","online":{{(online ? "true" : "false")}},"firmwareVersion":"0.1.0","board":"emulator",
         "model":{{(modelId is null ? "null" : $$"""{"id":"{{modelId}}","version":"1.0.0"}""")}},"startedAt":"2026-11-26T01:00:00.000Z","time":"2026-11-26T01:00:05.000Z"}
        """;

    /// <summary>A telemetry document; <paramref name="qualities"/> gives one quality per channel C1..Cn unless named as "C3=lead-off".</summary>
    public static string TelemetryDocument(string deviceId, string state = "Active", string? intent = "turn-left", string[]? qualities = null, string extra = "", string decisionClass = "left")
    {
        var channels = new StringBuilder();
        var list = qualities ?? ["good", "good", "good", "good", "good", "good", "good", "good"];
        for (var i = 0; i < list.Length; i++)
        {
            var parts = list[i].Split('=');
            var (name, quality) = parts.Length == 2 ? (parts[0], parts[1]) : ($"C{i + 1}", parts[0]);
            channels.Append(i == 0 ? string.Empty : ",")
                .Append(CultureInfo.InvariantCulture, $$"""{"name":"{{name}}","quality":"{{quality}}","rmsMicrovolts":{{10 + i}}.5}""");
        }

        return $$$"""
            {"schema":"edgebci.telemetry/1","deviceId":"{{{deviceId}}}","time":"2026-11-26T01:00:05.000Z","uptimeSeconds":12.3,{{{extra}}}
             "acquisition":{"sampleRateHz":250,"frames":3075,"gaps":0,"badFrames":0,"missedFrames":0},
             "channels":[{{{channels}}}],
             "decoder":{"modelId":"s001-left-vs-right","modelVersion":"1.0.0","healthy":true,"windows":40,"latencyP50Ms":1.4,"latencyP99Ms":4.9},
             "decision":{"class":"{{{decisionClass}}}","confidence":0.71,"evidence":0.83},
             "focus":0.31,
             "supervisor":{"state":"{{{state}}}","intent":{{{(intent is null ? "null" : $"\"{intent}\"")}}}},
             "actuator":{"kind":"simulated-wheelchair","output":"speed 0.00 turn 0.40","neutral":false},
             "system":{"cpuLoad":0.23,"cpuTemperatureC":48.2,"memoryBytes":112000000},
             "uplink":{"telemetryDropped":0,"eventsDropped":2,"eventsQueued":0,"reconnects":0}}
            """;
    }

    public static string Event(string deviceId, long seq, string message, string bootId = "0123456789abcdef0123456789abcdef") => $$$"""
        {"schema":"edgebci.event/1","id":"{{{bootId}}}-{{{seq}}}","seq":{{{seq}}},"bootId":"{{{bootId}}}","deviceId":"{{{deviceId}}}","time":"2026-11-26T01:00:04.000Z",
         "kind":"supervisor","severity":"warning","message":"{{{message}}}","data":{"from":"Armed"}}
        """;

    public static ReadOnlySequence<byte> Bytes(string json) => new(Encoding.UTF8.GetBytes(json));
}
