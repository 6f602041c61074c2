using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeBci.Recording;
using EdgeBci.Tests.Shared;
using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;
using MQTTnet.Protocol;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// The real firmware recording onto a 2 MB tmpfs that fills: at the free-space reserve the recording stops cleanly with
/// an event and start-recording is refused with the reason; with the reserve off, the full disk fails that recording
/// only; the oldest finished recordings beyond Recording:MaxFiles are deleted. The unit keeps running throughout.
/// </summary>
[NonParallelizable]
public sealed partial class RecordingLimitsTests
{
    private const string Unit = "unit-rec";
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    [Test]
    public async Task At_the_free_space_reserve_a_recording_stops_with_an_event_and_the_next_start_is_refused()
    {
        using var disk = MountedOrIgnored();
        string[] old = ["20200101-000000.bdf", "20200102-000000.bdf", "20200103-000000.bdf"];
        for (var i = 0; i < old.Length; i++)
        {
            var file = Path.Combine(disk.Path, old[i]);
            File.WriteAllText(file, "an old recording");
            File.SetLastWriteTimeUtc(file, new DateTime(2020, 1, 1 + i, 0, 0, 0, DateTimeKind.Utc));
        }

        disk.FillLeaving(1024 + 48);
        using var firmware = new FirmwareProcess($"--Mqtt:DeviceId={Unit}", $"--Recording:Folder={disk.Path}", "--Recording:MinFreeMegabytes=1", "--Recording:MaxFiles=2");
        await using var dashboard = await Dashboard(firmware);

        var started = await Command(dashboard, "start-recording", """{"args":{"seconds":600}}""");
        Assert.That(started.GetProperty("ok").GetBoolean(), Is.True, started.GetRawText());
        var stopped = await dashboard.WaitForAsync(m => IsEvent(m, "recording stopped"), "the recording's stop at the reserve", TimeSpan.FromSeconds(90));
        var refused = await Command(dashboard, "start-recording", """{"args":{"seconds":10}}""");
        var path = started.GetProperty("result").GetProperty("path").GetString()!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Message(stopped), Does.Contain("below the 1 MB reserve (Recording:MinFreeMegabytes)"));
            Assert.That(Severity(stopped), Is.EqualTo("warning"), "a recording cut short at the reserve is a warning, not routine");
            Assert.That(refused.GetProperty("ok").GetBoolean(), Is.False, refused.GetRawText());
            Assert.That(refused.GetProperty("error").GetProperty("message").GetString(), Does.Contain("not recording").And.Contain("reserve"));
            Assert.That(EdfReader.Read(path).RecordCount, Is.GreaterThan(0), "the stopped recording is a whole file");
            Assert.That(old.Select(name => File.Exists(Path.Combine(disk.Path, name))), Is.EqualTo(new[] { false, false, true }),
                "MaxFiles = 2: the two oldest finished recordings made room for the new one");
            Assert.That(firmware.HasExited, Is.False, firmware.Output);
        }
    }

    [Test]
    public async Task With_the_reserve_off_a_full_disk_fails_the_recording_not_the_unit()
    {
        using var disk = MountedOrIgnored();
        disk.FillLeaving(40);
        using var firmware = new FirmwareProcess($"--Mqtt:DeviceId={Unit}", $"--Recording:Folder={disk.Path}", "--Recording:MinFreeMegabytes=0");
        await using var dashboard = await Dashboard(firmware);

        var started = await Command(dashboard, "start-recording", """{"args":{"seconds":600}}""", firmware);
        Assert.That(started.GetProperty("ok").GetBoolean(), Is.True, started.GetRawText());
        var failed = await dashboard.WaitForAsync(m => IsEvent(m, "recording failed"), "the recording's failure on the full disk", TimeSpan.FromSeconds(90));

        // The unit goes on: it still answers, and its status stays online.
        var stop = await Command(dashboard, "stop-recording", "{}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Message(failed), Does.Contain("No space left on device").Or.Contain("space"), Message(failed));
            Assert.That(stop.GetProperty("ok").GetBoolean(), Is.False, "nothing left to stop");
            Assert.That(firmware.HasExited, Is.False, firmware.Output);
            Assert.That(firmware.Output, Does.Not.Contain("PipelineException").And.Not.Contain("Unhandled exception"));
            Assert.That(EdfReader.Read(started.GetProperty("result").GetProperty("path").GetString()!).Header.DataRecordCount, Is.GreaterThanOrEqualTo(0),
                "the failed recording is closed at its last whole second");
        }
    }

    [TestCase("--Recording:MinFreeMegabytes=-1", "Recording:MinFreeMegabytes = -1: use 0 to 1048576")]
    [TestCase("--Recording:QuotaMegabytes=0", "Recording:QuotaMegabytes = 0: use 1 to 16777216")]
    [TestCase("--Recording:MaxFiles=0", "Recording:MaxFiles = 0: use 1 to 100000")]
    [TestCase("--Recording:Format=wav", "Recording:Format = 'wav' is not allowed; allowed: bdf | edf")]
    public void A_bad_recording_limit_stops_start_up_naming_the_key(string argument, string expected)
    {
        using var firmware = new FirmwareProcess(argument);

        Assert.That(firmware.WaitForExit(Startup), Is.EqualTo(2), firmware.Output);
        Assert.That(firmware.Output, Does.Contain(expected));
    }

    private static SmallFileSystem MountedOrIgnored()
    {
        var disk = new SmallFileSystem("unit-disk", 2048);
        TestContext.Out.WriteLine($"file system: {disk.Mode}");
        if (!disk.Mounted)
        {
            disk.Dispose();
            Assert.Ignore($"the firmware process needs a real small file system; {disk.Mode} (the recorder's own tests cover the injected error)");
        }

        return disk;
    }

    private static async Task<MqttTestClient> Dashboard(FirmwareProcess firmware)
    {
        // Commands are taken once the unit runs its pipeline (the make-run defaults arm it then).
        Assert.That(firmware.WaitUntil(o => EmbeddedBrokerLine().IsMatch(o) && o.Contains("Disarmed -> Armed Armed", StringComparison.Ordinal), Startup), Is.True, firmware.Output);
        var port = int.Parse(EmbeddedBrokerLine().Match(firmware.Output).Groups["port"].Value, CultureInfo.InvariantCulture);
        var dashboard = await EmbeddedBrokerClient.ConnectAsync(firmware, "dashboard", "dashboard");
        await dashboard.SubscribeAsync($"edgebci/v1/{Unit}/events");
        await dashboard.SubscribeAsync("edgebci/v1/replies/dashboard/#");
        return dashboard;
    }

    private static async Task<JsonElement> Command(MqttTestClient dashboard, string name, string payload, FirmwareProcess? firmware = null)
    {
        var correlation = Guid.NewGuid().ToByteArray();
        await dashboard.Client.PublishAsync(RemoteCommandClient.Request(Unit, name, payload, "dashboard", correlation));
        ReceivedMessage answer;
        try
        {
            answer = await dashboard.WaitForAsync(m => m.Topic.StartsWith("edgebci/v1/replies/", StringComparison.Ordinal) && m.CorrelationData is { } data && data.AsSpan().SequenceEqual(correlation),
                $"the answer to {name}", TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException) when (firmware is not null)
        {
            TestContext.Out.WriteLine(firmware.Output);
            throw;
        }

        using var document = JsonDocument.Parse(answer.Payload);
        return document.RootElement.Clone();
    }

    private static bool IsEvent(ReceivedMessage message, string start) =>
        message.Topic.EndsWith("/events", StringComparison.Ordinal) && Message(message).StartsWith(start, StringComparison.Ordinal);

    private static string Severity(ReceivedMessage message)
    {
        using var document = JsonDocument.Parse(message.Payload);
        return document.RootElement.GetProperty("severity").GetString() ?? string.Empty;
    }

    private static string Message(ReceivedMessage message)
    {
        using var document = JsonDocument.Parse(message.Payload);
        return document.RootElement.GetProperty("message").GetString() ?? string.Empty;
    }

    [GeneratedRegex(@"mqtt: embedded broker listening on 127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex EmbeddedBrokerLine();
}
