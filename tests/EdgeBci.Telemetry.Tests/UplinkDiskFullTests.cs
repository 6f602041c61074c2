using System.Buffers;
using EdgeBci.Telemetry.Broker;
using EdgeBci.Telemetry.Payloads;
using EdgeBci.Telemetry.Uplink;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Telemetry.Tests;

/// <summary>The field-trial failure: the unit restarted with its event journal on a full file system.</summary>
[NonParallelizable]
public class UplinkDiskFullTests
{
    private const string Device = "unit-1";
    private readonly BrokerCredentials _credentials = TestBrokerCredentials.Create();

    [Test]
    public async Task A_unit_started_on_a_full_disk_still_delivers_every_event_live_and_reports_the_journal()
    {
        using var disk = SmallDisk.Mount();
        if (!disk.IsReal)
        {
            Assert.Ignore("needs a real tmpfs (mount was refused); the journal tests cover the injected failure");
        }

        await using var broker = TestBrokerCredentials.Broker(_credentials);
        await broker.StartAsync();
        var folder = Path.Combine(disk.Root, "events");
        Directory.CreateDirectory(folder);
        disk.Fill();

        var options = UplinkTests.OptionsFor(broker.Port, _credentials);
        await using var uplink = new MqttUplink(options, new UplinkIdentity(Device, "0.1.0", "emulator", DateTimeOffset.UnixEpoch), null, folder,
            TimeProvider.System, NullLogger<MqttUplink>.Instance);
        await uplink.StartAsync(CancellationToken.None);
        await using var probe = await Probe.ConnectAsync(broker.Port, _credentials, "probe", MqttTopics.Events(Device));
        for (var i = 1; i <= 30; i++)
        {
            uplink.PublishEvent(EventKinds.Supervisor, EventSeverities.Critical, $"STOP {i}");
        }

        await probe.WaitUntilAsync(r => Stops(r).Count == 30, "all 30 STOP events, live from a full disk");
        Assert.That(Stops(probe.Received), Is.EqualTo(Enumerable.Range(1, 30).Select(i => $"STOP {i}")));
        await probe.WaitForAsync(m => TelemetryJson.DeserializeEvent(m.Payload.ToArray()).Message.StartsWith("event journal cannot write", StringComparison.Ordinal),
            "the uplink event saying the journal cannot write");
        var counters = uplink.Counters;
        Assert.Multiple(() =>
        {
            Assert.That(counters.JournalWriteFailures, Is.GreaterThan(0));
            Assert.That(counters.LastError, Does.StartWith("event journal: "));
            Assert.That(counters.EventsDropped, Is.Zero);
        });

        disk.Free();
        uplink.PublishEvent(EventKinds.Supervisor, EventSeverities.Critical, "STOP after space returned");
        await probe.WaitForAsync(m => TelemetryJson.DeserializeEvent(m.Payload.ToArray()).Message.StartsWith("event journal writes again", StringComparison.Ordinal),
            "the uplink event saying the journal writes again", timeoutMs: 20000);
        await probe.WaitUntilAsync(r => Stops(r).Contains("STOP after space returned"), "the event after space returned");
        await uplink.StopAsync(CancellationToken.None);
        Assert.That(Directory.GetFiles(folder, "seg-*.log"), Is.Not.Empty, "the journal writes to disk again");
    }

    private static List<string> Stops(IReadOnlyList<MQTTnet.MqttApplicationMessage> received) =>
        received.Select(m => TelemetryJson.DeserializeEvent(m.Payload.ToArray()).Message).Where(m => m.StartsWith("STOP", StringComparison.Ordinal)).ToList();
}
