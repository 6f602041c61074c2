using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;
using MQTTnet.Protocol;
using EdgeBci.Tests.Shared;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// Commands as a dashboard sends them after issue 15: MQTT 5, QoS 1, a 60 s message expiry, a reply topic under
/// <c>edgebci/v1/replies/&lt;identity&gt;/</c>, random correlation data and the sender user property.
/// </summary>
internal static class RemoteCommandClient
{
    public static MqttApplicationMessage Request(string unit, string name, string payload, string identity, byte[] correlation, uint expirySeconds = 60, bool retain = false)
    {
        var builder = new MqttApplicationMessageBuilder().WithTopic($"edgebci/v1/{unit}/cmd/{name}").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithResponseTopic($"edgebci/v1/replies/{identity}/{name}")
            .WithCorrelationData(correlation).WithUserProperty("sender", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(identity)))
            .WithRetainFlag(retain);
        if (expirySeconds > 0)
        {
            builder.WithMessageExpiryInterval(expirySeconds);
        }

        return builder.Build();
    }

    public static byte[] NewCorrelation() => Guid.NewGuid().ToByteArray();

    /// <summary>Sends and waits (generously) for the answer with the same correlation data.</summary>
    public static async Task<JsonElement> CommandAsync(MqttTestClient client, string unit, string name, string payload, string identity, uint expirySeconds = 60, bool retain = false)
    {
        var correlation = NewCorrelation();
        await client.Client.PublishAsync(Request(unit, name, payload, identity, correlation, expirySeconds, retain));
        return Json(await client.WaitForAsync(m => IsAnswerTo(m, correlation), $"the answer to {name}", TimeSpan.FromSeconds(20)));
    }

    public static bool IsAnswerTo(ReceivedMessage message, byte[] correlation) =>
        message.Topic.StartsWith("edgebci/v1/replies/", StringComparison.Ordinal) && message.CorrelationData is { } data && data.AsSpan().SequenceEqual(correlation);

    public static JsonElement Json(ReceivedMessage message)
    {
        using var document = JsonDocument.Parse(message.Payload);
        return document.RootElement.Clone();
    }

    public static string? Error(JsonElement result) =>
        result.GetProperty("error").ValueKind == JsonValueKind.Object ? result.GetProperty("error").GetProperty("code").GetString() : null;
}
