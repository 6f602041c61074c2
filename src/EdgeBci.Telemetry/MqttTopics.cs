namespace EdgeBci.Telemetry;

/// <summary>The fixed topic layout of the shared MQTT contract: <c>edgebci/v1/&lt;deviceId&gt;/...</c>.</summary>
public static class MqttTopics
{
    public const string Prefix = "edgebci/v1";

    public static string Status(string deviceId) => $"{Prefix}/{deviceId}/status";

    public static string Telemetry(string deviceId) => $"{Prefix}/{deviceId}/telemetry";

    public static string Events(string deviceId) => $"{Prefix}/{deviceId}/events";

    public static string Command(string deviceId, string name) => $"{Prefix}/{deviceId}/cmd/{name}";

    public static string CommandFilter(string deviceId) => $"{Prefix}/{deviceId}/cmd/+";

    /// <summary>
    /// Splits <c>edgebci/v1/&lt;deviceId&gt;/cmd/&lt;name&gt;</c>. Only the shape is checked here (a valid device id
    /// and one non-empty name level); whether the name is a known command is the dispatcher's decision.
    /// </summary>
    public static bool TryParseCommand(string? topic, out string deviceId, out string name)
    {
        deviceId = string.Empty;
        name = string.Empty;
        if (topic is null || !topic.StartsWith(Prefix + "/", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = topic.AsSpan(Prefix.Length + 1);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return false;
        }

        var device = rest[..slash];
        rest = rest[(slash + 1)..];
        if (!rest.StartsWith("cmd/", StringComparison.Ordinal))
        {
            return false;
        }

        var commandName = rest[4..];
        if (commandName.IsEmpty || commandName.Contains('/') || !DeviceIds.IsValid(device))
        {
            return false;
        }

        deviceId = device.ToString();
        name = commandName.ToString();
        return true;
    }
}

/// <summary>Device id rules: <c>[a-z0-9-]{1,64}</c>.</summary>
public static class DeviceIds
{
    public const int MaxLength = 64;

    public static bool IsValid(ReadOnlySpan<char> deviceId)
    {
        if (deviceId.IsEmpty || deviceId.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in deviceId)
        {
            if (!IsAllowed(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The machine name lower-cased, every character outside [a-z0-9-] replaced by '-', cut to 64.</summary>
    public static string FromMachineName(string machineName)
    {
        ArgumentNullException.ThrowIfNull(machineName);
        var lower = machineName.Trim().ToLowerInvariant();
        var chars = new char[Math.Min(lower.Length, MaxLength)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = IsAllowed(lower[i]) ? lower[i] : '-';
        }

        return chars.Length == 0 ? "unit" : new string(chars);
    }

    private static bool IsAllowed(char c) => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-';
}
