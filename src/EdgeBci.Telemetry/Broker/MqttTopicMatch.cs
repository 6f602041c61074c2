namespace EdgeBci.Telemetry.Broker;

/// <summary>MQTT topic-filter rules (MQTT 5 §4.7), on levels split by '/': the matcher the ACL is judged with.</summary>
public static class MqttTopicMatch
{
    /// <summary>'#' only as the whole last level, '+' only as a whole level, no NUL, not empty.</summary>
    public static bool IsValidFilter(string filter)
    {
        if (string.IsNullOrEmpty(filter) || filter.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        var levels = filter.Split('/');
        for (var i = 0; i < levels.Length; i++)
        {
            var level = levels[i];
            if (level.Contains('#', StringComparison.Ordinal) && (level.Length != 1 || i != levels.Length - 1))
            {
                return false;
            }

            if (level.Contains('+', StringComparison.Ordinal) && level.Length != 1)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Does <paramref name="filter"/> match the concrete <paramref name="topic"/>?</summary>
    public static bool Matches(string filter, string topic)
    {
        // A wildcard in the first level never matches a '$' topic ($SYS/...), per MQTT 5 §4.7.2.
        if (topic.StartsWith('$') && (filter.StartsWith('+') || filter.StartsWith('#')))
        {
            return false;
        }

        var filterLevels = filter.Split('/');
        var topicLevels = topic.Split('/');
        for (var i = 0; i < filterLevels.Length; i++)
        {
            var level = filterLevels[i];
            if (level == "#")
            {
                return true;
            }

            if (i >= topicLevels.Length)
            {
                return false;
            }

            if (level != "+" && !string.Equals(level, topicLevels[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return filterLevels.Length == topicLevels.Length;
    }

    /// <summary>Is every topic that <paramref name="filter"/> can match also matched by <paramref name="grant"/>?</summary>
    public static bool Covers(string grant, string filter)
    {
        if (filter.StartsWith('$') != grant.StartsWith('$') && (grant.StartsWith('+') || grant.StartsWith('#')))
        {
            return false;
        }

        var grantLevels = grant.Split('/');
        var filterLevels = filter.Split('/');
        for (var i = 0; i < grantLevels.Length; i++)
        {
            var level = grantLevels[i];
            if (level == "#")
            {
                return true;
            }

            if (i >= filterLevels.Length)
            {
                return false;
            }

            var wanted = filterLevels[i];
            if (wanted == "#")
            {
                return false;
            }

            if (level == "+")
            {
                continue;
            }

            if (wanted == "+" || !string.Equals(level, wanted, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return grantLevels.Length == filterLevels.Length;
    }
}
