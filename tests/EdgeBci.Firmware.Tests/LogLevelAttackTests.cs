using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeBci.Control.Local;
using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;
using MQTTnet.Protocol;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// set-log-level attacked over the embedded broker as a dashboard, on one firmware: Default=None does not silence the
/// safety log (a local STOP still reaches the firmware's log), a safety category cannot be turned off, and 6,000 made-up
/// categories are refused without growing the process (they took it from 123 to 272 MB and slowed every command).
/// </summary>
[NonParallelizable]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LogLevelAttackTests
{
    private const string Unit = "unit-logs";
    private const string Identity = "dashboard";
    private const int Flood = 6000;
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(30);

    private FirmwareProcess _firmware = null!;
    private MqttTestClient _dashboard = null!;

    [OneTimeSetUp]
    public async Task StartFirmware()
    {
        // The unit's own bounds are under test here: the broker's per-client command limit (BrokerAttackTests) is lifted.
        _firmware = new FirmwareProcess($"--Mqtt:DeviceId={Unit}", "--Mqtt:EmbeddedCommandsPerClientPerSecond=100000",
            "--Mqtt:MaxPendingResponses=20000"); // every answer of the flood is counted here; the bound on waiting answers has its own tests
        _dashboard = await EmbeddedBrokerClient.ConnectAsync(_firmware, Identity);
        await _dashboard.SubscribeAsync($"edgebci/v1/replies/{Identity}/#");

        // The unit subscribes to its commands after announcing itself and before its first telemetry.
        await _dashboard.SubscribeAsync($"edgebci/v1/{Unit}/telemetry");
        await _dashboard.WaitForTopicAsync($"edgebci/v1/{Unit}/telemetry", Startup);
        Assert.That(_firmware.WaitUntil(o => o.Contains($"control: local commands on {_firmware.CommandSocket}", StringComparison.Ordinal)
            && o.Contains("supervisor: Boot -> Disarmed SwitchOn", StringComparison.Ordinal), Startup), Is.True, _firmware.Output);
    }

    [OneTimeTearDown]
    public async Task StopFirmware()
    {
        if (_dashboard is not null)
        {
            await _dashboard.DisposeAsync();
        }

        _firmware?.Dispose();
    }

    [Test]
    public async Task Default_None_does_not_silence_a_local_stop_and_a_safety_category_cannot_be_turned_off()
    {
        var silenced = await CommandAsync("set-log-level", """{"args":{"level":"None","category":"Default"}}""");
        try
        {
            var from = _firmware.Output.Length;
            var stop = await StopFromArmedAsync();
            var supervisorOff = await CommandAsync("set-log-level", """{"args":{"level":"None","category":"EdgeBci.Firmware.SupervisorService"}}""");

            Assert.Multiple(() =>
            {
                Assert.That(silenced.GetProperty("ok").GetBoolean(), Is.True, silenced.GetRawText());
                Assert.That(stop.ToString(), Does.Contain("-> SafeStop: stop requested on the unit"));
                Assert.That(_firmware.WaitUntil(o => o[from..].Contains("SafeStop LocalStop: stop requested on the unit", StringComparison.Ordinal), Answer), Is.True,
                    "the STOP reached the firmware's log with Default=None:\n" + _firmware.Output[from..]);
                Assert.That(supervisorOff.GetProperty("ok").GetBoolean(), Is.False, supervisorOff.GetRawText());
                Assert.That(ErrorMessage(supervisorOff), Does.Contain("is part of the safety log (STOPs, arming, disarming, faults), which always reaches the local log at Information"));
            });
        }
        finally
        {
            await CommandAsync("set-log-level", """{"args":{"level":"Information","category":"Default"}}""");
        }
    }

    [Test]
    public async Task Six_thousand_made_up_categories_are_refused_and_the_firmware_does_not_grow()
    {
        var before = ProcessMemory.ResidentBytes(_firmware.Id) / 1024;
        var from = _firmware.Output.Length;
        var answers = new List<JsonElement>();
        var allAnswered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var topic = $"edgebci/v1/replies/{Identity}/attack";
        Task Count(MqttApplicationMessageReceivedEventArgs args)
        {
            if (args.ApplicationMessage.Topic == topic)
            {
                using var document = JsonDocument.Parse(Encoding.UTF8.GetString(args.ApplicationMessage.Payload));
                lock (answers)
                {
                    answers.Add(document.RootElement.Clone());
                    if (answers.Count == Flood)
                    {
                        allAnswered.TrySetResult();
                    }
                }
            }

            return Task.CompletedTask;
        }

        _dashboard.Client.ApplicationMessageReceivedAsync += Count;
        var clock = Stopwatch.StartNew();
        try
        {
            for (var batch = 0; batch < Flood; batch += 100)
            {
                var published = new List<Task<MqttClientPublishResult>>();
                for (var i = batch; i < batch + 100; i++)
                {
                    published.Add(_dashboard.Client.PublishAsync(Command("set-log-level",
                        $$$"""{"args":{"level":"Debug","category":"EdgeBci.Firmware.Attack{{{i.ToString(CultureInfo.InvariantCulture)}}}"}}""", "attack")));
                }

                await Task.WhenAll(published);
            }

            await allAnswered.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            _dashboard.Client.ApplicationMessageReceivedAsync -= Count;
        }

        var flooded = clock.Elapsed;
        var after = ProcessMemory.ResidentBytes(_firmware.Id) / 1024;
        var real = await CommandAsync("set-log-level", """{"args":{"level":"Information","category":"EdgeBci.Firmware.DecodingService"}}""");
        var refusedByName = answers.Count(a => ErrorMessage(a)?.Contains("is not one this firmware logs under", StringComparison.Ordinal) == true);
        var stops = _firmware.Output[from..].Split('\n').Where(line => line.Contains("-> SafeStop ", StringComparison.Ordinal)).ToList();
        TestContext.Out.WriteLine(FormattableString.Invariant(
            $"{Flood} set-log-level with made-up categories answered in {flooded.TotalSeconds:0.0} s ({refusedByName} refused for the category); RSS {before / 1024.0:0} MB before, {after / 1024.0:0} MB after ({(after - before) / 1024.0:+0;-0} MB)"));
        TestContext.Out.WriteLine($"STOPs during the flood (a loaded machine's stalls show here too): {(stops.Count == 0 ? "none" : string.Join("\n", stops))}");
        Assert.Multiple(() =>
        {
            Assert.That(answers.Where(a => a.GetProperty("ok").GetBoolean()), Is.Empty, "no made-up category is accepted");
            Assert.That(refusedByName, Is.GreaterThan(0), "the category itself is refused, naming why");
            Assert.That(after - before, Is.LessThan(64 * 1024), "kilobytes of growth: 6,000 categories once added 150 MB");
            Assert.That(real.GetProperty("ok").GetBoolean(), Is.True, "a category the firmware logs under is still accepted: " + real.GetRawText());
        });
    }

    /// <summary>A local stop that changes the state (re-armed first if a stall of this machine had already latched one).</summary>
    private async Task<LocalReply> StopFromArmedAsync()
    {
        var socket = _firmware.CommandSocket!;
        var stop = await LocalCommandSocket.SendAsync(socket, "stop", Answer);
        for (var attempt = 0; attempt < 3 && stop.Text.StartsWith("supervisor already", StringComparison.Ordinal); attempt++)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < Startup && (await LocalCommandSocket.SendAsync(socket, "arm", Answer)).Kind != LocalReplyKind.Ok)
            {
                // Arming is refused until its preconditions hold again (decisions flowing after the STOP); ask again.
                await Task.Delay(500);
            }

            stop = await LocalCommandSocket.SendAsync(socket, "stop", Answer);
        }

        return stop;
    }

    /// <summary>Sends one command as the rule for every test command says (MQTT 5, QoS 1, expiry 60 s, response topic, correlation, sender) and waits for its answer.</summary>
    private async Task<JsonElement> CommandAsync(string name, string payload)
    {
        var message = Command(name, payload, name);
        await _dashboard.Client.PublishAsync(message);
        var answer = await _dashboard.WaitForAsync(m => m.CorrelationData is { } data && data.AsSpan().SequenceEqual(message.CorrelationData), $"the answer to {name}", Answer);
        using var document = JsonDocument.Parse(answer.Payload);
        return document.RootElement.Clone();
    }

    private static MqttApplicationMessage Command(string name, string payload, string replyTo) =>
        new MqttApplicationMessageBuilder()
            .WithTopic($"edgebci/v1/{Unit}/cmd/{name}")
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithMessageExpiryInterval(60)
            .WithResponseTopic($"edgebci/v1/replies/{Identity}/{replyTo}")
            .WithCorrelationData(Guid.NewGuid().ToByteArray())
            .WithUserProperty("sender", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(Identity)))
            .Build();

    private static string? ErrorMessage(JsonElement answer) =>
        answer.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object ? error.GetProperty("message").GetString() : null;
}
