namespace EdgeBci.Telemetry.Uplink;

/// <summary>
/// Where a command's answer may go: never a wildcard, never a topic with a control character, a replacement character or
/// a lone surrogate (what invalid UTF-8 decodes to), never a '$' topic, never inside the fleet's own topics other than
/// <c>edgebci/v1/replies/&lt;who&gt;/...</c>, never under Home Assistant's discovery prefix, no empty level and at most
/// <see cref="MaxLength"/> characters. A requester must not be able to make the unit write into another unit's status,
/// the broker's <c>$SYS</c> or a dashboard's discovery.
/// </summary>
internal static class ResponseTopicCheck
{
    public const int MaxLength = 256;

    private static readonly string FleetPrefix = MqttTopics.Prefix + "/";
    private static readonly string RepliesPrefix = MqttTopics.Prefix + "/replies/";
    private static readonly string DiscoveryPrefix = HomeAssistantDiscovery.Prefix + "/";

    /// <summary>Null when the answer may be published to <paramref name="topic"/>, else why not.</summary>
    public static string? Problem(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.Length == 0)
        {
            return "the response topic is empty";
        }

        if (topic.Length > MaxLength)
        {
            return $"the response topic is {topic.Length} characters long; at most {MaxLength}";
        }

        for (var i = 0; i < topic.Length; i++)
        {
            var c = topic[i];
            if (c is '+' or '#')
            {
                return "the response topic contains a wildcard";
            }

            if (char.IsControl(c))
            {
                return $"the response topic contains a control character (U+{(int)c:X4}) at {i}";
            }

            if (c == '\uFFFD' || (char.IsSurrogate(c) && !(char.IsHighSurrogate(c) && i + 1 < topic.Length && char.IsLowSurrogate(topic[++i]))))
            {
                return "the response topic is not valid UTF-8 text (a replacement character or a lone surrogate)";
            }
        }

        if (topic[0] == '$')
        {
            return "the response topic starts with '$' (the broker's own topics)";
        }

        if (topic.Contains("//", StringComparison.Ordinal) || topic[0] == '/' || topic[^1] == '/')
        {
            return "the response topic has an empty level";
        }

        if (topic.StartsWith(FleetPrefix, StringComparison.Ordinal) && !(topic.StartsWith(RepliesPrefix, StringComparison.Ordinal) && topic.Length > RepliesPrefix.Length))
        {
            return $"the response topic is inside the fleet's topics ({FleetPrefix}...); answers go to {RepliesPrefix}<who>/...";
        }

        return topic.StartsWith(DiscoveryPrefix, StringComparison.Ordinal) ? $"the response topic is under {DiscoveryPrefix} (Home Assistant discovery)" : null;
    }
}
