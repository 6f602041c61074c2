namespace EdgeBci.Telemetry.Uplink;

/// <summary>A command answer waiting for the connection loop.</summary>
internal sealed record PendingResponse(string Topic, byte[] Payload, byte[]? CorrelationData);

/// <summary>
/// Answers waiting to be published, at most <c>capacity</c> of each kind: beyond that the oldest is dropped and counted
/// (its requester has the least chance of still waiting), so a flood of requests cannot grow memory while the broker is
/// slow. Urgent answers (stop and disarm) wait apart and go first, so a flood of other answers cannot drop or delay them.
/// </summary>
internal sealed class ResponseQueue(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<PendingResponse> _urgent = new();
    private readonly Queue<PendingResponse> _queue = new();
    private long _dropped;

    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _urgent.Count + _queue.Count;
            }
        }
    }

    public void Enqueue(PendingResponse response, bool urgent = false)
    {
        lock (_gate)
        {
            var queue = urgent ? _urgent : _queue;
            if (queue.Count >= capacity)
            {
                queue.Dequeue();
                Interlocked.Increment(ref _dropped);
            }

            queue.Enqueue(response);
        }
    }

    public bool TryDequeue(out PendingResponse response)
    {
        lock (_gate)
        {
            return _urgent.TryDequeue(out response!) || _queue.TryDequeue(out response!);
        }
    }
}
