namespace EdgeBci.Acquisition.Streaming;

/// <summary>Where a frame sits in time: its conversion index (gaps advance it) and the DRDY timestamp.</summary>
public readonly record struct FrameStamp(long SampleIndex, long Timestamp);

/// <summary>
/// Preallocated single-producer broadcast ring of ADS1299 frames. The acquisition thread writes and never waits;
/// every consumer holds its own <see cref="SampleRingReader"/> cursor, and a consumer that falls more than the
/// capacity behind loses the oldest frames and counts them as an overrun. Each slot carries a sequence stamp
/// (a seqlock) so a reader detects a slot overwritten while it was copying it.
/// </summary>
public sealed class SampleRing
{
    private const long Writing = -1;

    private readonly int _slots;
    private readonly long[] _stamps;
    private readonly long[] _sampleIndex;
    private readonly long[] _timestamps;
    private readonly uint[] _status;
    private readonly int[] _samples;
    private SampleRingReader[] _readers = [];
    private long _published;
    private bool _writeOpen;

    public SampleRing(int channelCount, int chipCount, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chipCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        ChannelCount = channelCount;
        ChipCount = chipCount;
        Capacity = capacity;
        // One slot more than the readable history: the slot the producer is filling is never readable.
        var slots = capacity + 1;
        _slots = slots;
        _stamps = new long[slots];
        Array.Fill(_stamps, Writing);
        _sampleIndex = new long[slots];
        _timestamps = new long[slots];
        _status = new uint[slots * chipCount];
        _samples = new int[slots * channelCount];
    }

    public int ChannelCount { get; }

    public int ChipCount { get; }

    /// <summary>Frames a reader can fall behind by before it loses the oldest.</summary>
    public int Capacity { get; }


    /// <summary>Frames published since the ring was created.</summary>
    public long Published => Volatile.Read(ref _published);

    /// <summary>Total frames lost by all readers that fell behind.</summary>
    public long Overruns
    {
        get
        {
            long total = 0;
            foreach (var reader in Volatile.Read(ref _readers))
            {
                total += reader.Overruns;
            }

            return total;
        }
    }

    /// <summary>A cursor that starts at the newest frame: consumers see what arrives from now on.</summary>
    public SampleRingReader CreateReader()
    {
        var reader = new SampleRingReader(this, Published);
        lock (_stamps)
        {
            var readers = new SampleRingReader[_readers.Length + 1];
            _readers.CopyTo(readers, 0);
            readers[^1] = reader;
            Volatile.Write(ref _readers, readers);
        }

        return reader;
    }

    /// <summary>A cursor at the oldest frame still held: for consumers that want the recent history too.</summary>
    public SampleRingReader CreateReaderAtOldest()
    {
        var reader = CreateReader();
        reader.Rewind(Math.Max(0, Published - Capacity));
        return reader;
    }

    public void RemoveReader(SampleRingReader reader)
    {
        lock (_stamps)
        {
            Volatile.Write(ref _readers, Array.FindAll(_readers, r => !ReferenceEquals(r, reader)));
        }
    }

    /// <summary>Opens the next slot for the producer; fill the returned spans, then <see cref="Publish"/>.</summary>
    public Span<int> BeginWrite(out Span<uint> status)
    {
        var sequence = _published;
        var slot = (int)(sequence % _slots);
        if (!_writeOpen)
        {
            Volatile.Write(ref _stamps[slot], Writing);
            Interlocked.MemoryBarrier();
            _writeOpen = true;
        }

        status = _status.AsSpan(slot * ChipCount, ChipCount);
        return _samples.AsSpan(slot * ChannelCount, ChannelCount);
    }

    public void Publish(FrameStamp stamp)
    {
        var sequence = _published;
        var slot = (int)(sequence % _slots);
        if (!_writeOpen)
        {
            throw new InvalidOperationException("Publish without BeginWrite.");
        }

        _sampleIndex[slot] = stamp.SampleIndex;
        _timestamps[slot] = stamp.Timestamp;
        Volatile.Write(ref _stamps[slot], sequence);
        Volatile.Write(ref _published, sequence + 1);
        _writeOpen = false;

        Interlocked.MemoryBarrier(); // pairs with the reader's fence before it sleeps
        foreach (var reader in Volatile.Read(ref _readers))
        {
            reader.Signal(sequence + 1);
        }
    }

    /// <summary>
    /// Copies frame <paramref name="sequence"/> if it is still in the ring. Returns false when it was overwritten
    /// before or during the copy.
    /// </summary>
    internal bool TryCopy(long sequence, Span<int> samples, Span<uint> status, out FrameStamp stamp)
    {
        var slot = (int)(sequence % _slots);
        stamp = default;
        if (Volatile.Read(ref _stamps[slot]) != sequence)
        {
            return false;
        }

        _samples.AsSpan(slot * ChannelCount, ChannelCount).CopyTo(samples);
        if (!status.IsEmpty)
        {
            _status.AsSpan(slot * ChipCount, ChipCount).CopyTo(status);
        }

        stamp = new FrameStamp(_sampleIndex[slot], _timestamps[slot]);
        Interlocked.MemoryBarrier();
        return Volatile.Read(ref _stamps[slot]) == sequence;
    }
}

/// <summary>One consumer's cursor on a <see cref="SampleRing"/>. Not thread-safe: one consumer thread per reader.</summary>
public sealed class SampleRingReader : IDisposable
{
    private readonly SampleRing _ring;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private long _next;
    private const long NotWaiting = long.MaxValue;
    private long _wakeAt = NotWaiting;
    private long _overruns;

    internal SampleRingReader(SampleRing ring, long start)
    {
        _ring = ring;
        _next = start;
    }

    public long Overruns => Volatile.Read(ref _overruns);

    /// <summary>Frames published and not yet read by this reader (capped at the ring's capacity).</summary>
    public long Available => Math.Min(_ring.Published - _next, _ring.Capacity);

    /// <summary>Reads the oldest unread frame; skips (and counts) frames the producer already overwrote.</summary>
    public bool TryRead(Span<int> samples, Span<uint> status, out FrameStamp stamp)
    {
        while (true)
        {
            var published = _ring.Published;
            if (_next >= published)
            {
                stamp = default;
                return false;
            }

            var oldestKept = published - _ring.Capacity;
            if (_next < oldestKept)
            {
                Interlocked.Add(ref _overruns, oldestKept - _next);
                _next = oldestKept;
            }

            if (_ring.TryCopy(_next, samples, status, out stamp))
            {
                _next++;
                return true;
            }

            Interlocked.Increment(ref _overruns);
            _next++;
        }
    }

    /// <summary>Blocks until a frame is available or the timeout passes; returns whether one is available.</summary>
    public bool WaitForData(TimeSpan timeout) => WaitForData(1, timeout);

    /// <summary>
    /// Blocks until <paramref name="minimumFrames"/> unread frames are available (capped at the ring's capacity) or
    /// the timeout passes; returns whether any frame is available. A consumer that works in blocks asks for a block
    /// and is woken once per block instead of once per frame.
    /// </summary>
    public bool WaitForData(int minimumFrames, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumFrames, 1);
        var target = _next + Math.Min(minimumFrames, _ring.Capacity);
        if (_ring.Published >= target)
        {
            return true;
        }

        // Full fence: the producer must see the wake target before we look at Published again (and it fences too).
        Interlocked.Exchange(ref _wakeAt, target);
        if (_ring.Published < target)
        {
            _signal.Wait(timeout);
        }

        Interlocked.Exchange(ref _wakeAt, NotWaiting);
        return _ring.Published > _next;
    }

    public void Dispose()
    {
        _ring.RemoveReader(this);
        _signal.Dispose();
    }

    internal void Rewind(long sequence) => _next = sequence;

    /// <summary>Called by the producer after each publish: wakes this reader once its requested block is complete.</summary>
    internal void Signal(long published)
    {
        var wakeAt = Volatile.Read(ref _wakeAt);
        if (published >= wakeAt && Interlocked.CompareExchange(ref _wakeAt, NotWaiting, wakeAt) == wakeAt)
        {
            _signal.Release();
        }
    }
}
