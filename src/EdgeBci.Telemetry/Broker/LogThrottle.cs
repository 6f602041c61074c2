namespace EdgeBci.Telemetry.Broker;

/// <summary>
/// Lets a few log lines of one kind through per window and counts the rest, so a client hammering the broker with bad
/// logins or oversized packets cannot flood the unit's log (or its disk). Thread-safe.
/// </summary>
internal sealed class LogThrottle
{
    private readonly object _gate = new();
    private readonly int _perWindow;
    private readonly long _windowTicks;
    private long _windowStart = long.MinValue;
    private int _inWindow;
    private int _suppressed;

    public LogThrottle(int perWindow, TimeSpan window)
    {
        _perWindow = perWindow;
        _windowTicks = (long)(window.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
    }

    /// <summary>True when this line may be written; <paramref name="suppressedBefore"/> is how many were dropped since the last one written.</summary>
    public bool TryEnter(out int suppressedBefore)
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (_gate)
        {
            if (_windowStart == long.MinValue || now - _windowStart >= _windowTicks)
            {
                _windowStart = now;
                _inWindow = 0;
            }

            if (_inWindow < _perWindow)
            {
                _inWindow++;
                suppressedBefore = _suppressed;
                _suppressed = 0;
                return true;
            }

            _suppressed++;
            suppressedBefore = 0;
            return false;
        }
    }

    /// <summary>A client-chosen string made safe for one log line: control characters replaced, at most 64 characters.</summary>
    public static string Printable(string? text)
    {
        if (text is null)
        {
            return "(none)";
        }

        var length = Math.Min(text.Length, 64);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = char.IsControl(text[i]) ? '?' : text[i];
        }

        return text.Length > length ? new string(chars) + "…" : new string(chars);
    }
}
