namespace EdgeBci.Signal.Quality;

/// <summary>
/// The quality monitor's memory, per channel: a channel found bad counts as good again only once it has stayed good
/// for the hold-off, counted in samples of the stream (so a replay and a test judge exactly as the unit does). A
/// channel never found bad is good from its first good window. Single-threaded, no allocation after construction.
/// </summary>
internal sealed class ChannelQualityMemory
{
    private readonly long _holdOffSamples;
    private readonly long[] _goodSamples;
    private readonly bool[] _judged;
    private readonly bool[] _wasBad;
    private readonly QualityIssues[] _lastBad;

    public ChannelQualityMemory(int channels, long holdOffSamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(holdOffSamples);
        _holdOffSamples = holdOffSamples;
        _goodSamples = new long[channels];
        _judged = new bool[channels];
        _wasBad = new bool[channels];
        _lastBad = new QualityIssues[channels];
    }

    public long HoldOffSamples => _holdOffSamples;

    /// <summary>A window (or an immediate finding) judged the channel bad: the hold-off starts over.</summary>
    public void Bad(int channel, QualityIssues issues)
    {
        _judged[channel] = true;
        _wasBad[channel] = true;
        _goodSamples[channel] = 0;
        _lastBad[channel] = issues & QualityIssues.Bad;
    }

    /// <summary>A window of <paramref name="samples"/> judged the channel usable (good or noisy).</summary>
    public void Good(int channel, int samples)
    {
        _judged[channel] = true;
        _goodSamples[channel] = Math.Min(_holdOffSamples, _goodSamples[channel] + samples);
    }

    public bool IsJudged(int channel) => _judged[channel];

    /// <summary>Bad less than the hold-off ago.</summary>
    public bool IsSettling(int channel) => _wasBad[channel] && _goodSamples[channel] < _holdOffSamples;

    /// <summary>What the channel was last found bad for (the bad bits of <see cref="QualityIssues"/>).</summary>
    public QualityIssues LastBad(int channel) => _lastBad[channel];

    /// <summary>Samples the channel has been good since it was last bad, capped at the hold-off.</summary>
    public long GoodSamples(int channel) => _goodSamples[channel];

    public void Reset()
    {
        Array.Clear(_goodSamples);
        Array.Clear(_judged);
        Array.Clear(_wasBad);
        Array.Clear(_lastBad);
    }
}
