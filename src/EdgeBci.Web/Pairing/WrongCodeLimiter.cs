namespace EdgeBci.Web.Pairing;

/// <summary>
/// Counts wrong pairing codes in a sliding window, per remote address and over all addresses. Kept in memory: a restart
/// forgets the counts, but the open code's own wrong tries (and its burning) are in the database. Bounded: once the
/// global limit is reached nothing more is recorded, and entries older than the window are dropped on every call.
/// </summary>
internal sealed class WrongCodeLimiter(TimeProvider time, int perAddress, int global, TimeSpan window)
{
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _all = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _byAddress = new(StringComparer.Ordinal);

    /// <summary>How long <paramref name="remote"/> must wait before its next try, or null when it may try now.</summary>
    public TimeSpan? RetryAfter(string remote)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            Forget(now);
            TimeSpan? wait = null;
            if (_all.Count >= global)
            {
                wait = _all.Peek() + window - now;
            }

            if (_byAddress.TryGetValue(remote, out var mine) && mine.Count >= perAddress)
            {
                var mineWait = mine.Peek() + window - now;
                wait = wait is { } other && other > mineWait ? other : mineWait;
            }

            return wait;
        }
    }

    public void RecordWrongCode(string remote)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            Forget(now);
            _all.Enqueue(now);
            if (!_byAddress.TryGetValue(remote, out var mine))
            {
                mine = new Queue<DateTimeOffset>();
                _byAddress.Add(remote, mine);
            }

            mine.Enqueue(now);
        }
    }

    private void Forget(DateTimeOffset now)
    {
        var oldest = now - window;
        while (_all.Count > 0 && _all.Peek() <= oldest)
        {
            _all.Dequeue();
        }

        List<string>? empty = null;
        foreach (var (address, times) in _byAddress)
        {
            while (times.Count > 0 && times.Peek() <= oldest)
            {
                times.Dequeue();
            }

            if (times.Count == 0)
            {
                (empty ??= []).Add(address);
            }
        }

        if (empty is not null)
        {
            foreach (var address in empty)
            {
                _byAddress.Remove(address);
            }
        }
    }
}
