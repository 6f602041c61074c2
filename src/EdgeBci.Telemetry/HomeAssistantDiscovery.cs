using System.Text.Json.Nodes;

namespace EdgeBci.Telemetry;

/// <summary>One retained Home Assistant discovery config.</summary>
public sealed record DiscoveryMessage(string Topic, string Payload);

/// <summary>
/// Home Assistant MQTT discovery: one sensor per object under <c>homeassistant/sensor/edgebci_&lt;deviceId&gt;/&lt;object&gt;/config</c>,
/// each reading the telemetry topic through a value_template, available while the status document says online.
/// </summary>
public static class HomeAssistantDiscovery
{
    public const string Prefix = "homeassistant";

    private static readonly (string Object, string Name, string Template, string? Unit, string? DeviceClass)[] Sensors =
    [
        ("supervisor_state", "Supervisor state", "{{ value_json.supervisor.state }}", null, null),
        ("decision", "Decision", "{{ value_json.decision['class'] if value_json.decision else 'none' }}", null, null),
        ("focus", "Focus", "{{ value_json.focus if value_json.focus is not none else 'unknown' }}", null, null),
        ("signal_quality", "Signal quality", "{{ value_json.channels | selectattr('quality', 'equalto', 'good') | list | count }}/{{ value_json.channels | count }} good", null, null),
        ("cpu_load", "CPU load", "{{ (value_json.system.cpuLoad * 100) | round(1) }}", "%", null),
        ("cpu_temperature", "CPU temperature", "{{ value_json.system.cpuTemperatureC if value_json.system.cpuTemperatureC is not none else 'unknown' }}", "°C", "temperature"),
    ];

    public static IReadOnlyList<string> ObjectIds { get; } = Array.ConvertAll(Sensors, s => s.Object);

    public static string ConfigTopic(string deviceId, string objectId) =>
        $"{Prefix}/sensor/edgebci_{deviceId}/{objectId}/config";

    public static IReadOnlyList<DiscoveryMessage> Build(string deviceId, string firmwareVersion, string board)
    {
        if (!DeviceIds.IsValid(deviceId))
        {
            throw new ArgumentException($"device id '{deviceId}' is not 1 to 64 characters of a-z, 0-9 and '-'", nameof(deviceId));
        }

        var messages = new List<DiscoveryMessage>(Sensors.Length);
        foreach (var (objectId, name, template, unit, deviceClass) in Sensors)
        {
            var config = new JsonObject
            {
                ["name"] = name,
                ["unique_id"] = $"edgebci_{deviceId}_{objectId}",
                ["object_id"] = $"edgebci_{deviceId}_{objectId}",
                ["state_topic"] = MqttTopics.Telemetry(deviceId),
                ["value_template"] = template,
                ["availability_topic"] = MqttTopics.Status(deviceId),
                ["availability_template"] = "{{ 'online' if value_json.online else 'offline' }}",
                ["payload_available"] = "online",
                ["payload_not_available"] = "offline",
                ["device"] = new JsonObject
                {
                    ["identifiers"] = new JsonArray($"edgebci_{deviceId}"),
                    ["name"] = $"EdgeBci {deviceId}",
                    ["manufacturer"] = "EdgeBci",
                    ["model"] = board,
                    ["sw_version"] = firmwareVersion,
                },
            };
            if (unit is not null)
            {
                config["unit_of_measurement"] = unit;
            }

            if (deviceClass is not null)
            {
                config["device_class"] = deviceClass;
            }

            messages.Add(new DiscoveryMessage(ConfigTopic(deviceId, objectId), config.ToJsonString()));
        }

        return messages;
    }
}
