namespace EdgeBci.Telemetry.Broker;

/// <summary>
/// The embedded broker's account of its retained messages, across all topics: how many and how many payload bytes.
/// A retained publish is judged before MQTTnet stores it: a replacement counts only its difference, an empty payload
/// deletes (and frees), and a publish that would take the store over either limit is refused. Thread-safe.
/// </summary>
public sealed class RetainedBudget
{
    private readonly object _gate = new();
    private readonly Dictionary<string, long> _sizes = new(StringComparer.Ordinal);
    private long _bytes;

    public RetainedBudget(int maxMessages, long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        MaxMessages = maxMessages;
        MaxBytes = maxBytes;
    }

    public int MaxMessages { get; }

    public long MaxBytes { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _sizes.Count;
            }
        }
    }

    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>
    /// Accounts a retained publish of <paramref name="payloadBytes"/> to <paramref name="topic"/> (0: deletion) and returns
    /// null, or returns why it is refused and changes nothing. <paramref name="force"/> stores it even over the limits
    /// (the unit's own status must never be refused) while still counting it.
    /// </summary>
    public string? TryAccount(string topic, long payloadBytes, bool force = false)
    {
        ArgumentNullException.ThrowIfNull(topic);
        lock (_gate)
        {
            var existed = _sizes.TryGetValue(topic, out var previous);
            if (payloadBytes == 0)
            {
                if (existed)
                {
                    _sizes.Remove(topic);
                    _bytes -= previous;
                }

                return null;
            }

            var count = _sizes.Count + (existed ? 0 : 1);
            var bytes = _bytes - previous + payloadBytes;
            if (!force && count > MaxMessages)
            {
                return $"retained message refused: the embedded broker keeps at most {MaxMessages} (Mqtt:EmbeddedMaxRetainedMessages)";
            }

            if (!force && bytes > MaxBytes)
            {
                return $"retained message of {payloadBytes} bytes refused: the embedded broker keeps at most {MaxBytes} bytes of retained payload (Mqtt:EmbeddedMaxRetainedBytes), {_bytes} are in use";
            }

            _sizes[topic] = payloadBytes;
            _bytes = bytes;
            return null;
        }
    }
}
