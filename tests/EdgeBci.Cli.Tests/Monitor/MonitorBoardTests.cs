using System.Buffers;
using EdgeBci.Cli.Monitor;
using static EdgeBci.Cli.Tests.Monitor.UnitJson;

namespace EdgeBci.Cli.Tests.Monitor;

public class MonitorBoardTests
{
    private static UnitEvent? Feed(MonitorBoard board, string topic, string json, double atSeconds = 0) =>
        board.Apply(topic, Bytes(json), Start.AddSeconds(atSeconds));

    private static UnitView Row(MonitorBoard board, string deviceId, double atSeconds = 0) =>
        board.Snapshot(Start.AddSeconds(atSeconds)).Single(row => row.DeviceId == deviceId);

    [Test]
    public void A_retained_status_makes_a_unit_online_and_its_will_marks_it_offline_but_keeps_it_listed()
    {
        var board = new MonitorBoard();
        Feed(board, "edgebci/v1/unit-1/status", Status("unit-1", online: true));
        var online = Row(board, "unit-1");
        Assert.That(online.Link, Is.EqualTo(UnitLink.Online));
        Assert.That(online.Status!.FirmwareVersion, Is.EqualTo("0.1.0"));
        Assert.That(online.Status.Board, Is.EqualTo("emulator"));
        Assert.That(online.Status.ModelId, Is.EqualTo("s001-left-vs-right"));

        Feed(board, "edgebci/v1/unit-1/telemetry", TelemetryDocument("unit-1"), atSeconds: 1);
        Feed(board, "edgebci/v1/unit-1/status", Status("unit-1", online: false), atSeconds: 2);
        var offline = Row(board, "unit-1", atSeconds: 10);
        Assert.That(offline.Link, Is.EqualTo(UnitLink.Offline));
        Assert.That(offline.Stale, Is.False, "an offline unit is offline, not stale");
        Assert.That(MonitorTable.LinkText(offline), Is.EqualTo("offline"));
        Assert.That(offline.Telemetry!.SupervisorState, Is.EqualTo("Active"), "the last figures stay readable");
    }

    [Test]
    public void A_unit_without_a_model_shows_none()
    {
        var board = new MonitorBoard();
        Feed(board, "edgebci/v1/unit-1/status", Status("unit-1", online: true, modelId: null));
        Assert.That(Row(board, "unit-1").Status!.ModelId, Is.Null);
        Assert.That(MonitorTable.PlainLines(board.Snapshot(Start)).Last(), Does.Contain(" none "));
    }

    [Test]
    public void Telemetry_goes_stale_three_seconds_after_it_was_received()
    {
        var board = new MonitorBoard();
        Feed(board, "edgebci/v1/unit-1/status", Status("unit-1", online: true));
        Feed(board, "edgebci/v1/unit-1/telemetry", TelemetryDocument("unit-1"), atSeconds: 10);
        Assert.That(Row(board, "unit-1", atSeconds: 12.9).Stale, Is.False);
        var stale = Row(board, "unit-1", atSeconds: 14.5);
        Assert.That(stale.Stale, Is.True);
        Assert.That(MonitorTable.LinkText(stale), Is.EqualTo("stale 4s"));
        Assert.That(MonitorTable.PlainLines(board.Snapshot(Start.AddSeconds(14.5))).Last(), Does.Match(@"^unit-1 +stale 4s +4\.5s +Active"));

        Feed(board, "edgebci/v1/unit-1/telemetry", TelemetryDocument("unit-1"), atSeconds: 15);
        Assert.That(Row(board, "unit-1", atSeconds: 15.5).Stale, Is.False);
    }

    [Test]
    public void Quality_reads_all_good_as_a_count_and_otherwise_names_the_channels_that_are_not()
    {
        var board = new MonitorBoard();
        Feed(board, "edgebci/v1/unit-1/telemetry", TelemetryDocument("unit-1"));
        Feed(board, "edgebci/v1/unit-2/telemetry", TelemetryDocument("unit-2", qualities: ["FC3=good", "C3=lead-off", "C4=railed", "Cz=good"]));
        var good = Row(board, "unit-1").Telemetry!;
        Assert.That(good.QualitySummary, Is.EqualTo("8/8 good"));
        Assert.That(good.AllChannelsGood, Is.True);
        Assert.That(good.RmsRange, Is.EqualTo("10.5-17.5"));
        var bad = Row(board, "unit-2").Telemetry!;
        Assert.That(bad.QualitySummary, Is.EqualTo("C3 lead-off, C4 railed"));
        Assert.That(bad.AllChannelsGood, Is.False);
    }

    [Test]
    public void Supervisor_decision_focus_decoder_system_and_uplink_figures_are_read()
    {
        var board = new MonitorBoard();
        Feed(board, "edgebci/v1/unit-1/telemetry", TelemetryDocument("unit-1", state: "SafeStop", intent: null));
        var telemetry = Row(board, "unit-1").Telemetry!;
        Assert.That(telemetry.SupervisorState, Is.EqualTo("SafeStop"));
        Assert.That(telemetry.Intent, Is.Null);
        Assert.That(telemetry.DecisionClass, Is.EqualTo("left"));
        Assert.That(telemetry.DecisionConfidence, Is.EqualTo(0.71));
        Assert.That(telemetry.Focus, Is.EqualTo(0.31));
        Assert.That(telemetry.LatencyP99Ms, Is.EqualTo(4.9));
        Assert.That(telemetry.CpuTemperatureC, Is.EqualTo(48.2));
        Assert.That(telemetry.MemoryBytes, Is.EqualTo(112_000_000));
        Assert.That(telemetry.EventsDropped, Is.EqualTo(2));
        Assert.That(Row(board, "unit-1").Link, Is.EqualTo(UnitLink.NoStatus));
    }

    [Test]
    public void Extra_fields_anywhere_are_ignored()
    {
        var board = new MonitorBoard();
        Feed(board, "edgebci/v1/unit-1/telemetry", TelemetryDocument("unit-1", extra: "\"battery\":{\"percent\":80},\"future\":[1,2],"));
        Assert.That(Row(board, "unit-1").BadMessages, Is.Zero);
    }

    [TestCase("\"rmsMicrovolts\":11.5", "\"rmsMicrovolts\":\"11.5\"", "$.channels[1].rmsMicrovolts: expected a number, got a string")]
    [TestCase("\"cpuLoad\":0.23,", "", "$.system.cpuLoad: missing")]
    [TestCase("\"schema\":\"edgebci.telemetry/1\"", "\"schema\":\"edgebci.telemetry/2\"", "$.schema: 'edgebci.telemetry/2' is not the supported 'edgebci.telemetry/1'")]
    [TestCase("\"deviceId\":\"unit-1\"", "\"deviceId\":\"unit-9\"", "$.deviceId: 'unit-9' does not match the topic's device id 'unit-1'")]
    [TestCase("\"decision\":{\"class\":\"left\",", "\"decision\":{\"class\":7,", "$.decision.class: expected a string, got a number")]
    [TestCase("\"uptimeSeconds\":12.3,", "\"uptimeSeconds\":12.3,,", "edgebci/v1/unit-1/telemetry: $: not JSON")]
    public void A_message_that_breaks_the_contract_is_counted_on_its_unit_and_named_by_topic_and_json_path(string original, string broken, string expected)
    {
        var board = new MonitorBoard();
        var good = TelemetryDocument("unit-1");
        Assert.That(good, Does.Contain(original), "the test edits the document it means to");
        Feed(board, "edgebci/v1/unit-1/telemetry", good);
        Feed(board, "edgebci/v1/unit-1/telemetry", good.Replace(original, broken, StringComparison.Ordinal), atSeconds: 1);
        var row = Row(board, "unit-1", atSeconds: 1);
        Assert.That(row.BadMessages, Is.EqualTo(1));
        Assert.That(row.LastError, Does.StartWith("edgebci/v1/unit-1/telemetry: ").And.Contain(expected));
        Assert.That(row.Telemetry, Is.Not.Null, "the last good figures stay");
        Assert.That(MonitorTable.PlainLines(board.Snapshot(Start)).Last(), Does.Contain(expected));
    }

    [Test]
    public void Bad_status_and_event_documents_are_counted_too()
    {
        var board = new MonitorBoard();
        Feed(board, "edgebci/v1/unit-1/status", Status("unit-1", online: true).Replace("\"online\":true", "\"online\":\"yes\"", StringComparison.Ordinal));
        Feed(board, "edgebci/v1/unit-1/events", Event("unit-1", 1, "x").Replace("\"seq\":1", "\"seq\":1.5", StringComparison.Ordinal));
        board.Apply("edgebci/v1/unit-1/events", ReadOnlySequence<byte>.Empty, Start);
        var row = Row(board, "unit-1");
        Assert.That(row.BadMessages, Is.EqualTo(3));
        Assert.That(row.LastError, Is.EqualTo("edgebci/v1/unit-1/events: $: empty payload"));
        Assert.That(row.Link, Is.EqualTo(UnitLink.NoStatus));
    }

    [Test]
    public void A_topic_with_a_device_id_outside_the_contract_is_counted_apart_from_the_units()
    {
        var board = new MonitorBoard();
        Feed(board, "edgebci/v1/Unit_1/telemetry", TelemetryDocument("Unit_1"));
        Assert.That(board.Snapshot(Start), Is.Empty);
        Assert.That(board.UnattributedBadMessages, Is.EqualTo(1));
        Assert.That(board.LastUnattributedError, Does.Contain("edgebci/v1/Unit_1/telemetry").And.Contain("'Unit_1'"));
    }

    [Test]
    public void The_device_filter_keeps_only_that_unit()
    {
        var board = new MonitorBoard("unit-2");
        Feed(board, "edgebci/v1/unit-1/status", Status("unit-1", online: true));
        Feed(board, "edgebci/v1/unit-2/status", Status("unit-2", online: true));
        Feed(board, "edgebci/v1/unit-1/telemetry", TelemetryDocument("unit-1"));
        Assert.That(board.Snapshot(Start).Select(row => row.DeviceId), Is.EqualTo(new[] { "unit-2" }));
    }

    [Test]
    public void Units_are_sorted_by_device_id_and_an_empty_retained_status_removes_one()
    {
        var board = new MonitorBoard();
        foreach (var id in new[] { "unit-b", "unit-10", "unit-a", "unit-1" })
        {
            Feed(board, $"edgebci/v1/{id}/status", Status(id, online: true));
        }

        Assert.That(board.Snapshot(Start).Select(row => row.DeviceId), Is.EqualTo(new[] { "unit-1", "unit-10", "unit-a", "unit-b" }));
        board.Apply("edgebci/v1/unit-a/status", ReadOnlySequence<byte>.Empty, Start);
        Assert.That(board.Snapshot(Start).Select(row => row.DeviceId), Is.EqualTo(new[] { "unit-1", "unit-10", "unit-b" }));
    }

    [Test]
    public void Events_keep_the_last_one_and_a_redelivered_one_is_not_reported_twice()
    {
        var board = new MonitorBoard();
        Assert.That(Feed(board, "edgebci/v1/unit-1/events", Event("unit-1", 1, "Idle -> Armed")), Is.Not.Null);
        var second = Feed(board, "edgebci/v1/unit-1/events", Event("unit-1", 2, "Armed -> SafeStop FrameTimeout: no frame for 20 ms"));
        Assert.That(second!.ToLine(), Is.EqualTo("01:00:04Z unit-1 supervisor warning: Armed -> SafeStop FrameTimeout: no frame for 20 ms"));
        Assert.That(Feed(board, "edgebci/v1/unit-1/events", Event("unit-1", 2, "Armed -> SafeStop FrameTimeout: no frame for 20 ms")), Is.Null);
        Assert.That(Feed(board, "edgebci/v1/unit-1/events", Event("unit-1", 1, "after a reboot", bootId: "ffffffffffffffffffffffffffffffff")), Is.Not.Null);
        Assert.That(Row(board, "unit-1").LastEvent!.Message, Is.EqualTo("after a reboot"));
    }

    [Test]
    public void Messages_on_other_topics_are_not_read()
    {
        var board = new MonitorBoard();
        Feed(board, "edgebci/v1/unit-1/cmd/stop", "{}");
        Feed(board, "homeassistant/sensor/edgebci_unit-1/focus/config", "{}");
        Assert.That(board.Snapshot(Start), Is.Empty);
        Assert.That(board.UnattributedBadMessages, Is.Zero);
    }
}
