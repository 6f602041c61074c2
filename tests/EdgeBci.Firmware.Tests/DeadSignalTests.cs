using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeBci.Tests.Shared;
using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// The field trial's dead signal, on the emulator with the real firmware: C3 (a channel the model needs) railed from
/// switch-on, then switched off (exactly zero counts). The unit never arms while the channel is dead or within its
/// quality hold-off; the decoder's decisions say why they are rejected, in the log and in schema-valid telemetry; once
/// the channel is good again the emulator's auto-arm arms only after Signal:QualityHoldOffSeconds. At switch-on a clean
/// recording arms no earlier than the hold-off after streaming started.
/// </summary>
[NonParallelizable]
public sealed partial class DeadSignalTests
{
    private const string Unit = "unit-dead";
    private const double HoldOffMilliseconds = 5000;
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_dead_required_channel_rejects_every_decision_and_arming_waits_for_the_hold_off_after_it_recovers()
    {
        using var firmware = new FirmwareProcess($"--Mqtt:DeviceId={Unit}",
            "--Emulator:Faults:0:Fault=railed=3", "--Emulator:Faults:0:AfterSeconds=0",
            "--Emulator:Faults:1:Fault=constant=3", "--Emulator:Faults:1:AfterSeconds=6");
        Assert.That(firmware.WaitUntil(o => EmbeddedBrokerLine().IsMatch(o), Startup), Is.True, firmware.Output);
        var port = int.Parse(EmbeddedBrokerLine().Match(firmware.Output).Groups["port"].Value, CultureInfo.InvariantCulture);
        await using var dashboard = await EmbeddedBrokerClient.ConnectAsync(firmware, "dashboard", "dead-dashboard");
        await dashboard.SubscribeAsync($"edgebci/v1/{Unit}/telemetry");

        // Switched off after 6 s: the decoder names the new reason; the automatic arm does not even ask, and an arm
        // typed on the console is refused naming the channel.
        Assert.That(firmware.WaitUntil(o => o.Contains("rejected: C3 constant", StringComparison.Ordinal), Startup), Is.True, firmware.Output);
        var deadTelemetry = await dashboard.WaitForAsync(m => Json(m).GetProperty("decision") is { ValueKind: JsonValueKind.Object } d
            && d.GetProperty("class").GetString() == "rejected: C3 constant", "telemetry with the rejected decision", TimeSpan.FromSeconds(20));
        var refusedSoFar = ArmRefusals(firmware.Output).Count;
        firmware.Send("arm");
        Assert.That(firmware.WaitUntil(o => ArmRefusals(o).Count > refusedSoFar, TimeSpan.FromSeconds(20)), Is.True, firmware.Output);

        var dead = firmware.Output;
        Assert.Multiple(() =>
        {
            Assert.That(dead, Does.Contain("emulator fault injected: constant=3 (Emulator:Faults:1, after 6 s)"));
            Assert.That(dead, Does.Contain("rejected: C3 railed"), "the railed stretch is named too");
            Assert.That(dead, Does.Not.Contain("auto-arm (Control:AutoArmOnEmulator): preconditions hold"), "no automatic arm request on a dead channel");
            Assert.That(Events(dead).Select(e => e.To), Has.None.EqualTo("Armed").And.None.EqualTo("Active"), "never armed on a dead channel");
            Assert.That(ArmRefusals(dead), Is.Not.Empty.And.All.Contains("C3"), "every refusal names the dead channel");
            Assert.That(Validate(deadTelemetry), Is.Empty, deadTelemetry.Payload);
            Assert.That(Json(deadTelemetry).GetProperty("decision").GetProperty("confidence").GetDouble(), Is.Zero);
            Assert.That(Json(deadTelemetry).GetProperty("channels")[2].GetProperty("quality").GetString(), Is.EqualTo("bad"));
        });

        // The channel comes back: while it settles an arm is refused saying so; once it has been good for the hold-off
        // the same request arms.
        firmware.Send("clear");
        Assert.That(firmware.WaitUntil(o => ClearedAt().IsMatch(o) && QualityAfterClear(o).Contains(", C3 settling", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), Is.True, firmware.Output);
        refusedSoFar = ArmRefusals(firmware.Output).Count;
        firmware.Send("arm");
        Assert.That(firmware.WaitUntil(o => ArmRefusals(o).Count > refusedSoFar, TimeSpan.FromSeconds(20)), Is.True, firmware.Output);
        var settlingRefusal = ArmRefusals(firmware.Output)[refusedSoFar];
        Assert.That(firmware.WaitUntil(o => QualityAfterClear(o).Contains(", C3 good", StringComparison.Ordinal), TimeSpan.FromSeconds(40)), Is.True, firmware.Output);
        firmware.Send("arm");
        Assert.That(firmware.WaitUntil(o => Events(o).Any(e => e.To == "Armed"), TimeSpan.FromSeconds(20)), Is.True, firmware.Output);

        var output = firmware.Output;
        var cleared = double.Parse(ClearedAt().Match(output).Groups["at"].Value, CultureInfo.InvariantCulture);
        var armed = Events(output).First(e => e.To == "Armed").Time;
        TestContext.Out.WriteLine($"cleared at {cleared:0.0} ms, armed at {armed:0.0} ms ({armed - cleared:0} ms later); while C3 settled: {settlingRefusal}");
        Assert.Multiple(() =>
        {
            Assert.That(settlingRefusal, Does.Contain("C3 has not been good for the quality hold-off yet"), "refused while C3 settled");
            Assert.That(armed - cleared, Is.GreaterThanOrEqualTo(HoldOffMilliseconds), "not before the channel has been good for the hold-off");
            Assert.That(Events(output).Where(e => e.To == "SafeStop"), Is.Empty, "never armed on a bad channel, so nothing to stop");
        });
    }

    /// <summary>The quality lines logged after the faults were cleared.</summary>
    private static string QualityAfterClear(string output)
    {
        var cleared = ClearedAt().Match(output);
        return cleared.Success ? string.Join('\n', QualityLine().Matches(output[cleared.Index..]).Select(m => m.Value)) : string.Empty;
    }

    [Test]
    public void At_switch_on_on_the_clean_demo_recording_auto_arm_waits_for_the_hold_off_after_streaming_started()
    {
        using var firmware = new FirmwareProcess($"--Mqtt:DeviceId={Unit}-clean");
        Assert.That(firmware.WaitUntil(o => Events(o).Any(e => e.To == "Armed"), TimeSpan.FromSeconds(40)), Is.True, firmware.Output);

        var output = firmware.Output;
        var streaming = double.Parse(StreamingAt().Match(output).Groups["at"].Value, CultureInfo.InvariantCulture);
        var armed = Events(output).First(e => e.To == "Armed").Time;
        var refusals = ArmRefusals(output);
        TestContext.Out.WriteLine($"streaming at {streaming:0.0} ms, armed at {armed:0.0} ms ({armed - streaming:0} ms later); "
            + $"{refusals.Count} refusals before, first: {refusals.FirstOrDefault()}");
        Assert.Multiple(() =>
        {
            Assert.That(StreamingAt().IsMatch(output), Is.True, "the firmware logs when streaming started");
            // A lower bound only: when the unit arms after that depends on the machine's load.
            Assert.That(armed - streaming, Is.GreaterThanOrEqualTo(HoldOffMilliseconds), "no arming before every channel has been good for the hold-off");
            Assert.That(output, Does.Match(@"rejected: \w+ settling \(since switch-on\)"), "the first windows are rejected, and say why");
            Assert.That(output, Does.Contain("settling (since switch-on)"));
            Assert.That(Events(output).Where(e => e.To == "SafeStop"), Is.Empty);
        });
    }

    private static List<string> ArmRefusals(string output) => [.. ArmRefused().Matches(output).Select(m => m.Groups["message"].Value)];

    private static IEnumerable<(string To, double Time)> Events(string output) =>
        SupervisorEvent().Matches(output).Select(m => (m.Groups["to"].Value, double.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture)));

    private static JsonElement Json(ReceivedMessage message)
    {
        using var document = JsonDocument.Parse(message.Payload);
        return document.RootElement.Clone();
    }

    private static IReadOnlyList<string> Validate(ReceivedMessage message) =>
        JsonSchemaCheck.Load(RepositoryRoot.File("deploy/schemas/telemetry.schema.json")).Validate(message.Payload);

    [GeneratedRegex(@"supervisor: (?<from>\w+) -> (?<to>\w+) (?<reason>\w+): .* \(at (?<time>\d+\.\d) ms\)")]
    private static partial Regex SupervisorEvent();

    [GeneratedRegex(@"supervisor: \w+ -> \w+ ArmRefused: (?<message>.*) \(at \d+\.\d ms\)")]
    private static partial Regex ArmRefused();

    [GeneratedRegex(@"signal: streaming, first frame at (?<at>\d+\.\d) ms on the control clock")]
    private static partial Regex StreamingAt();

    [GeneratedRegex(@"emulator faults cleared at (?<at>\d+\.\d) ms")]
    private static partial Regex ClearedAt();

    [GeneratedRegex(@"SignalService\[\d+\] quality: .*")]
    private static partial Regex QualityLine();

    [GeneratedRegex(@"mqtt: embedded broker listening on 127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex EmbeddedBrokerLine();
}
