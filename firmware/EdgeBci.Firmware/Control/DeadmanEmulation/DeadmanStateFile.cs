using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeBci.Control.Deadman;

namespace EdgeBci.Firmware;

/// <summary>The actuator's output as the firmware mirrored it with a deadman level: its command, and what the emulated devices drove.</summary>
internal readonly record struct MirroredOutput(double LinearSpeed, double TurnRate, string? Grip, string Device)
{
    public static MirroredOutput Neutral => new(0, 0, null, string.Empty);

    public bool IsNeutral => LinearSpeed == 0 && TurnRate == 0 && Grip is null;

    public static bool TryParse(string linear, string turn, string grip, string device, out MirroredOutput output)
    {
        if (double.TryParse(linear, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            && double.TryParse(turn, NumberStyles.Float, CultureInfo.InvariantCulture, out var w) && double.IsFinite(w))
        {
            output = new MirroredOutput(v, w, grip == "-" ? null : grip, device);
            return true;
        }

        output = Neutral;
        return false;
    }
}

/// <summary>
/// The emulated deadman circuit's state file, replaced atomically (written beside it, then renamed): the enable, why it
/// is what it is, the effective output (the mirror while the enable is on, neutral while it is off), the mirror, and the
/// last drop with its times. Timestamps are <see cref="Stopwatch"/> ticks (CLOCK_MONOTONIC on Linux);
/// <c>lastPulseTimestamp</c> is when the firmware wrote the rising edge, <c>droppedTimestamp</c> when the modelled
/// circuit dropped the enable, <c>noticedTimestamp</c> when this process set its effective output neutral.
/// </summary>
internal sealed class DeadmanStateFile(string path, int timeoutMs, bool clearWired, string actuator)
{
    private readonly string _temporary = path + ".tmp";

    public string Reason { get; set; } = "waiting for the first pulse";

    public MirroredOutput Mirror { get; set; } = MirroredOutput.Neutral;

    /// <summary>The mirror when the enable last dropped.</summary>
    public MirroredOutput? HeldAtDrop { get; set; }

    public long NoticedTimestamp { get; set; }

    public long LastPulseReceivedTimestamp { get; set; }

    /// <summary>Deadman levels received.</summary>
    public long Levels { get; set; }

    public long BadLines { get; set; }

    public bool LinkClosed { get; set; }

    public void Write(DeadmanCircuit model, long now)
    {
        var enabled = model.Enabled;
        using (var stream = File.Create(_temporary))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("enable", enabled ? "on" : "off");
            json.WriteString("reason", Reason);
            json.WriteString("state", enabled && !Mirror.IsNeutral ? "moving" : "neutral");
            WriteOutput(json, "effective", enabled ? Mirror : MirroredOutput.Neutral);
            WriteOutput(json, "mirrored", Mirror);
            json.WriteNumber("pulses", model.Triggers);
            json.WriteNumber("levels", Levels);
            json.WriteNumber("lateEdges", model.LateEdges);
            json.WriteNumber("badLines", BadLines);
            json.WriteNumber("lastPulseTimestamp", Timestamp(model.LastTrigger));
            json.WriteNumber("lastPulseReceivedTimestamp", LastPulseReceivedTimestamp);
            json.WriteNumber("enabledUntilTimestamp", Timestamp(model.EnabledUntil));
            if (model.LastDrop is { } drop)
            {
                json.WriteStartObject("lastDrop");
                json.WriteString("reason", drop.Reason == DeadmanDropReason.Timeout ? "timeout" : "cleared");
                json.WriteNumber("droppedTimestamp", Timestamp(drop.At));
                json.WriteNumber("lastPulseTimestamp", Timestamp(drop.LastTrigger));
                json.WriteNumber("noticedTimestamp", NoticedTimestamp);
                if (drop.LastTrigger is { } last)
                {
                    json.WriteNumber("droppedAfterLastPulseMs", (drop.At - last).TotalMilliseconds);
                    json.WriteNumber("noticedAfterLastPulseMs", (NoticedTimestamp - Timestamp(last)) * 1000.0 / Stopwatch.Frequency);
                }

                WriteOutput(json, "held", HeldAtDrop ?? MirroredOutput.Neutral);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("lastDrop");
            }

            json.WriteNumber("timeoutMs", timeoutMs);
            json.WriteBoolean("clearWired", clearWired);
            json.WriteString("actuator", actuator);
            json.WriteBoolean("linkClosed", LinkClosed);
            json.WriteNumber("timestampFrequency", Stopwatch.Frequency);
            json.WriteNumber("writtenTimestamp", now);
            json.WriteNumber("pid", Environment.ProcessId);
            json.WriteEndObject();
        }

        File.Move(_temporary, path, overwrite: true);
    }

    private static long Timestamp(TimeSpan? time) => time is { } value ? BoardWatchdogProcess.ToTimestamp(value) : 0;

    private static void WriteOutput(Utf8JsonWriter json, string name, MirroredOutput output)
    {
        json.WriteStartObject(name);
        json.WriteString("state", output.IsNeutral ? "neutral" : "moving");
        json.WriteNumber("linearSpeed", output.LinearSpeed);
        json.WriteNumber("turnRate", output.TurnRate);
        json.WriteString("grip", output.Grip);
        json.WriteString("device", output.Device);
        json.WriteEndObject();
    }
}
