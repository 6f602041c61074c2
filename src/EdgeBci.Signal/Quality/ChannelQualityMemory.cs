namespace EdgeBci.Signal.Quality;

/// <summary>
/// The quality monitor's memory, per channel: a channel counts as good only once it has stayed good for the hold-off,
/// counted in samples of the stream (so a replay and a test judge exactly as the unit does). That holds from switch-on
/// (and after <see cref="Reset"/>, a stream restart) as much as after a fault: a freshly fitted electrode or a unit
/// that just booted has shown no more than one good window, which is not evidence that the channel is usable.
/// Single-threaded, no allocation after construction.
/// </summary>
internal sealed class ChannelQualityMemory
{
    private readonly long _holdOffSamples;
    private readonly long[] _goodSamples;
    private readonly bool[] _judged;
    private readonly QualityIssues[] _lastBad;

    public ChannelQualityMemory(int channels, long holdOffSamples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(holdOffSamples);
        _holdOffSamples = holdOffSamples;
        _goodSamples = new long[channels];
        _judged = new bool[channels];
        _lastBad = new QualityIssues[channels];
    }

    public long HoldOffSamples => _holdOffSamples;

    /// <summary>A window (or an immediate finding) judged the channel bad: the hold-off starts over.</summary>
    public void Bad(int channel, QualityIssues issues)
    {
        _judged[channel] = true;
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

    /// <summary>Good for less than the hold-off since switch-on or since it was last bad.</summary>
    public bool IsSettling(int channel) => _goodSamples[channel] < _holdOffSamples;

    /// <summary>
    /// What the channel was last found bad for (the bad bits of <see cref="QualityIssues"/>); none when it has not been
    /// bad since switch-on or <see cref="Reset"/>, i.e. a settling channel is settling since switch-on.
    /// </summary>
    public QualityIssues LastBad(int channel) => _lastBad[channel];

    /// <summary>Samples the channel has been good since switch-on or since it was last bad, capped at the hold-off.</summary>
    public long GoodSamples(int channel) => _goodSamples[channel];

    public void Reset()
    {
        Array.Clear(_goodSamples);
        Array.Clear(_judged);
        Array.Clear(_lastBad);
    }
}
