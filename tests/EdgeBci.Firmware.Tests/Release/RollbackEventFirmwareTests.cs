using System.Text.Json;
using EdgeBci.Release.Slots;
using EdgeBci.Tests.Shared;
using EdgeBci.Tests.Shared.Mosquitto;

namespace EdgeBci.Firmware.Tests.Release;

/// <summary>
/// The real firmware on the emulator with a rollback waiting in its state folder: the rollback reaches a dashboard as a
/// schema-valid event of kind release through the uplink, and is marked published. The trial's health rules are tested
/// on the service (a firmware from a build folder runs from no slot, so it watches no trial).
/// </summary>
[NonParallelizable]
public sealed class RollbackEventFirmwareTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    [Test]
    public async Task A_rollback_made_while_the_firmware_was_down_is_published_as_a_release_event()
    {
        using var state = new ScratchFolder("release-state");
        KeyValueFile.WriteAtomically(Path.Combine(state.Path, ReleaseFiles.Rollback),
        [
            new("at", "2026-12-06T16:05:00Z"), new("release", "0.2.0"), new("from", "b"), new("to", "a"),
            new("from_version", "0.2.0"), new("to_version", "0.1.0"), new("reason", "trial 0.2.0 did not become healthy within 3 starts (last: exit 7)"),
        ]);
        using var firmware = new FirmwareProcess("--Mqtt:DeviceId=unit-r", $"--Release:StateFolder={state.Path}");
        await using var dashboard = await EmbeddedBrokerClient.ConnectAsync(firmware, "dashboard", "dashboard");
        await dashboard.SubscribeAsync("edgebci/v1/unit-r/events");

        var published = await dashboard.WaitForAsync(m => Kind(m) == "release", "the rollback's release event", Startup);

        using var document = JsonDocument.Parse(published.Payload);
        var root = document.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(JsonSchemaCheck.Load(RepositoryRoot.File("deploy/schemas/event.schema.json")).Validate(published.Payload), Is.Empty, published.Payload);
            Assert.That(root.GetProperty("severity").GetString(), Is.EqualTo("warning"));
            Assert.That(root.GetProperty("message").GetString(), Is.EqualTo("release 0.2.0 rolled back from slot b to a: trial 0.2.0 did not become healthy within 3 starts (last: exit 7)"));
            Assert.That(root.GetProperty("data").GetProperty("toVersion").GetString(), Is.EqualTo("0.1.0"));
            Assert.That(File.ReadAllText(Path.Combine(state.Path, ReleaseFiles.RollbackPublished)), Is.EqualTo("at=2026-12-06T16:05:00Z\n"));
            Assert.That(firmware.Output, Does.Not.Contain("release: trial of"), "a firmware outside a slot watches no trial");
        });
    }

    private static string? Kind(ReceivedMessage message)
    {
        using var document = JsonDocument.Parse(message.Payload);
        return document.RootElement.TryGetProperty("kind", out var kind) ? kind.GetString() : null;
    }
}
