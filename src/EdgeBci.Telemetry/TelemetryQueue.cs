using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry;

/// <summary>
/// Bounded drop-oldest queue of telemetry snapshots: a preallocated ring under a tiny lock (held for a few stores,
/// never across I/O), so a producer never waits and never allocates beyond the message it hands in. When full, the
/// oldest snapshot is overwritten and <see cref="Dropped"/> counts it: a fresher sample is worth more than an old one.
/// </summary>
public sealed class TelemetryQueue
{
    private readonly Lock _gate = new();
    private readonly TelemetryMessage?[] _ring;
    private int _head;
    private int _count;
    private long _dropped;

    public TelemetryQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new TelemetryMessage?[capacity];
    }

    public int Capacity => _ring.Length;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Adds a snapshot; returns false when it displaced the oldest one (counted in <see cref="Dropped"/>).</summary>
    public bool Enqueue(TelemetryMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            var tail = (_head + _count) % _ring.Length;
            if (_count == _ring.Length)
            {
                _ring[_head] = message;
                _head = (_head + 1) % _ring.Length;
                Interlocked.Increment(ref _dropped);
                return false;
            }

            _ring[tail] = message;
            _count++;
            return true;
        }
    }

    public bool TryDequeue(out TelemetryMessage message)
    {
        lock (_gate)
        {
            if (_count == 0)
            {
                message = null!;
                return false;
            }

            message = _ring[_head]!;
            _ring[_head] = null;
            _head = (_head + 1) % _ring.Length;
            _count--;
            return true;
        }
    }
}
