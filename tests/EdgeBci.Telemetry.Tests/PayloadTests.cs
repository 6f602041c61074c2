using System.Text;
using System.Text.Json.Nodes;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Tests;

public class PayloadTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 26, 1, 0, 5, TimeSpan.Zero);

    [Test]
    public void Status_serialises_as_the_contract_shows()
    {
        var status = new StatusMessage
        {
            DeviceId = "unit-1",
            Online = true,
            FirmwareVersion = "0.1.0",
            Board = "emulator",
            Model = null,
            StartedAt = new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.FromHours(1)),
            Time = Time.AddTicks(1234567),
        };
        var json = Encoding.UTF8.GetString(TelemetryJson.SerializeStatus(status));
        Assert.That(json, Is.EqualTo(
            "{\"schema\":\"edgebci.status/1\",\"deviceId\":\"unit-1\",\"online\":true,\"firmwareVersion\":\"0.1.0\",\"board\":\"emulator\"," +
            "\"model\":null,\"startedAt\":\"2026-11-26T01:00:00.000Z\",\"time\":\"2026-11-26T01:00:05.123Z\"}"));
        Assert.That(TelemetryJson.DeserializeStatus(Encoding.UTF8.GetBytes(json)).StartedAt, Is.EqualTo(status.StartedAt));
    }

    [Test]
    public void Telemetry_has_every_contract_member_and_nulls_where_the_contract_shows_them()
    {
        var telemetry = Samples.Telemetry("unit-1", Time) with { Decision = null, Focus = null, System = new(0.23, null, 1) };
        var node = JsonNode.Parse(TelemetryJson.SerializeTelemetry(telemetry))!.AsObject();
        Assert.Multiple(() =>
        {
            Assert.That(node.Select(p => p.Key), Is.EqualTo(new[]
            {
                "schema", "deviceId", "time", "uptimeSeconds", "acquisition", "channels", "decoder", "decision", "focus",
                "supervisor", "actuator", "system", "uplink",
            }));
            Assert.That(node["decision"], Is.Null);
            Assert.That(node.ContainsKey("decision") && node.ContainsKey("focus"), Is.True);
            Assert.That(node["system"]!["cpuTemperatureC"], Is.Null);
            Assert.That(node["acquisition"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "sampleRateHz", "frames", "gaps", "badFrames", "missedFrames" }));
            Assert.That(node["uplink"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "telemetryDropped", "eventsQueued", "eventsDropped", "reconnects" }));
            Assert.That(node["time"]!.GetValue<string>(), Is.EqualTo("2026-11-26T01:00:05.000Z"));
        });

        var withDecision = JsonNode.Parse(TelemetryJson.SerializeTelemetry(Samples.Telemetry("unit-1", Time)))!;
        Assert.That(withDecision["decision"]!["class"]!.GetValue<string>(), Is.EqualTo("left"));
    }

    [Test]
    public void Events_and_command_results_round_trip()
    {
        var message = Samples.Event(17);
        var back = TelemetryJson.DeserializeEvent(TelemetryJson.SerializeEvent(message));
        Assert.That(back.Id, Is.EqualTo(message.Id));
        Assert.That(back.Time, Is.EqualTo(message.Time));
        Assert.That(back.Data, Is.EquivalentTo(message.Data));

        var result = new CommandResult { Command = "stop", Ok = false, Result = null, Error = new CommandError("unknown-command", "x"), Time = Time };
        var json = Encoding.UTF8.GetString(TelemetryJson.SerializeCommandResult(result));
        Assert.That(json, Is.EqualTo("{\"schema\":\"edgebci.command-result/1\",\"command\":\"stop\",\"ok\":false,\"result\":null,\"error\":{\"code\":\"unknown-command\",\"message\":\"x\"},\"time\":\"2026-11-26T01:00:05.000Z\"}"));
    }

    [TestCase("{\"schema\":\"edgebci.telemetry/1\",\"deviceId\":\"u\",\"time\":\"2026-11-26T01:00:05.000Z\",\"uptimeSeconds\":\"x\"}", "$.uptimeSeconds")]
    [TestCase("{\"schema\":\"edgebci.event/1\",\"id\":\"a-1\",\"seq\":1,\"bootId\":\"a\",\"deviceId\":\"u\",\"time\":\"yesterday\",\"kind\":\"uplink\",\"severity\":\"info\",\"message\":\"m\",\"data\":{}}", "$.time")]
    [TestCase("{\"schema\":\"edgebci.event/1\",\"id\":\"a-1\",\"seq\":1,\"bootId\":\"a\",\"deviceId\":\"u\",\"time\":\"2026-11-26T01:00:05.000Z\",\"kind\":\"uplink\",\"severity\":\"info\",\"message\":\"m\",\"data\":{\"k\":5}}", "$.data.k")]
    [TestCase("{\"schema\":\"edgebci.event/2\",\"id\":\"a-1\",\"seq\":1,\"bootId\":\"a\",\"deviceId\":\"u\",\"time\":\"2026-11-26T01:00:05.000Z\",\"kind\":\"uplink\",\"severity\":\"info\",\"message\":\"m\",\"data\":{}}", "$.schema")]
    [TestCase("{\"schema\":\"edgebci.event/1\",\"id\":null,\"seq\":1,\"bootId\":\"a\",\"deviceId\":\"u\",\"time\":\"2026-11-26T01:00:05.000Z\",\"kind\":\"uplink\",\"severity\":\"info\",\"message\":\"m\",\"data\":{}}", "$.id")]
    public void Deserialisation_errors_name_the_json_path(string json, string path)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var error = json.Contains("telemetry", StringComparison.Ordinal)
            ? Assert.Throws<TelemetryFormatException>(() => TelemetryJson.DeserializeTelemetry(bytes))
            : Assert.Throws<TelemetryFormatException>(() => TelemetryJson.DeserializeEvent(bytes));
        Assert.That(error!.Path, Is.EqualTo(path));
        Assert.That(error.Message, Does.Contain(path));
    }

    [Test]
    public void A_missing_required_member_is_named()
    {
        var error = Assert.Throws<TelemetryFormatException>(() => TelemetryJson.DeserializeStatus("{\"schema\":\"edgebci.status/1\",\"deviceId\":\"u\"}"u8));
        Assert.That(error!.Message, Does.Contain("online"));
    }

    [Test]
    public void Telemetry_queue_drops_the_oldest_and_counts_it()
    {
        var queue = new TelemetryQueue(3);
        for (var i = 1; i <= 5; i++)
        {
            Assert.That(queue.Enqueue(Samples.Telemetry("unit-1", Time, frames: i)), Is.EqualTo(i <= 3));
        }

        Assert.That(queue.Dropped, Is.EqualTo(2));
        var frames = new List<long>();
        while (queue.TryDequeue(out var message))
        {
            frames.Add(message.Acquisition.Frames);
        }

        Assert.That(frames, Is.EqualTo(new long[] { 3, 4, 5 }));
        Assert.That(queue.Count, Is.Zero);
    }
}
