namespace EdgeBci.Decoding.Live;

/// <summary>
/// The last <see cref="Samples"/> samples of each model channel, in microvolts, fed one chain-output frame at a time.
/// Each frame's Q31 values are picked out through the channel map and scaled exactly as training data was
/// (<c>(float)(q31 × µV-per-Q31)</c>, the product in double, as DeviceReplay and the dataset's windows compute it), so
/// a window copied out is bit for bit the window training would cut from the same stream. Preallocated; nothing is
/// allocated per frame.
/// <para>
/// A frame whose sample index does not follow the previous one (a reader overrun dropped frames) empties the window:
/// a window spliced across a gap is a signal the model never saw, so decoding waits until the window is full again.
/// </para>
/// </summary>
public sealed class SlidingWindow
{
    private readonly int[] _map;
    private readonly float[] _rings;
    private readonly double _microvoltsPerQ31;
    private int _head;
    private int _filled;

    /// <param name="channelMap">For each model channel, its index in a stream frame (from <see cref="Bundle.BundleCompatibility.Check"/>).</param>
    /// <param name="streamChannels">Values per stream frame.</param>
    /// <param name="samples">Window length in samples.</param>
    /// <param name="microvoltsPerQ31">Microvolts of one Q31 step: µV per count / 2^8.</param>
    public SlidingWindow(IReadOnlyList<int> channelMap, int streamChannels, int samples, double microvoltsPerQ31)
    {
        ArgumentNullException.ThrowIfNull(channelMap);
        ArgumentOutOfRangeException.ThrowIfLessThan(streamChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        if (!(microvoltsPerQ31 > 0) || !double.IsFinite(microvoltsPerQ31))
        {
            throw new ArgumentOutOfRangeException(nameof(microvoltsPerQ31), microvoltsPerQ31, "The scale must be a positive number of microvolts.");
        }

        if (channelMap.Count == 0)
        {
            throw new ArgumentException("The channel map is empty.", nameof(channelMap));
        }

        _map = [.. channelMap];
        foreach (var index in _map)
        {
            if (index < 0 || index >= streamChannels)
            {
                throw new ArgumentException($"Channel map entry {index} is outside a frame of {streamChannels} channels.", nameof(channelMap));
            }
        }

        StreamChannels = streamChannels;
        Samples = samples;
        _microvoltsPerQ31 = microvoltsPerQ31;
        _rings = new float[_map.Length * samples];
        NewestSampleIndex = -1;
    }

    /// <summary>Model channels (rows of a window).</summary>
    public int Channels => _map.Length;

    /// <summary>Values per stream frame.</summary>
    public int StreamChannels { get; }

    /// <summary>Samples per channel in a full window.</summary>
    public int Samples { get; }

    /// <summary>True once <see cref="Samples"/> consecutive frames have been pushed since the start or the last gap.</summary>
    public bool IsFull => _filled == Samples;

    /// <summary>Sample index of the newest frame, -1 before the first.</summary>
    public long NewestSampleIndex { get; private set; }

    /// <summary>Times the window was emptied because the sample index jumped.</summary>
    public long Gaps { get; private set; }

    /// <summary>Adds one frame of the chain's output. Returns false when the frame followed a gap and the window restarted.</summary>
    /// <param name="q31Frame">One Q31 value per stream channel.</param>
    /// <param name="sampleIndex">The frame's index in the chain's output stream.</param>
    public bool Push(ReadOnlySpan<int> q31Frame, long sampleIndex)
    {
        if (q31Frame.Length != StreamChannels)
        {
            throw new ArgumentException($"A frame holds {StreamChannels} values, not {q31Frame.Length}.", nameof(q31Frame));
        }

        var continuous = NewestSampleIndex < 0 || sampleIndex == NewestSampleIndex + 1;
        if (!continuous)
        {
            Gaps++;
            _filled = 0;
            _head = 0;
        }

        var samples = Samples;
        for (var c = 0; c < _map.Length; c++)
        {
            _rings[(c * samples) + _head] = (float)(q31Frame[_map[c]] * _microvoltsPerQ31);
        }

        if (++_head == samples)
        {
            _head = 0;
        }

        if (_filled < samples)
        {
            _filled++;
        }

        NewestSampleIndex = sampleIndex;
        return continuous;
    }

    /// <summary>Writes the window as [channels, samples] row-major, each row oldest to newest.</summary>
    /// <exception cref="InvalidOperationException">The window is not full.</exception>
    public void CopyWindow(Span<float> target)
    {
        if (!IsFull)
        {
            throw new InvalidOperationException($"The window holds {_filled} of {Samples} samples.");
        }

        var samples = Samples;
        if (target.Length < _map.Length * samples)
        {
            throw new ArgumentException($"The target holds {target.Length} values; a window is {_map.Length} × {samples}.", nameof(target));
        }

        // When full, the write position is the oldest sample: [head, end) then [0, head).
        var older = samples - _head;
        for (var c = 0; c < _map.Length; c++)
        {
            var ring = _rings.AsSpan(c * samples, samples);
            var row = target.Slice(c * samples, samples);
            ring[_head..].CopyTo(row);
            ring[.._head].CopyTo(row[older..]);
        }
    }

    /// <summary>Empties the window (the next <see cref="Samples"/> frames refill it).</summary>
    public void Clear()
    {
        _filled = 0;
        _head = 0;
        NewestSampleIndex = -1;
    }
}
