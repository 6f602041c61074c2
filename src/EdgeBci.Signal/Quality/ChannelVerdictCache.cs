namespace EdgeBci.Signal.Quality;

/// <summary>
/// The monitor's verdicts as last built, per channel, and what they were built from: a verdict's strings are built
/// only when its findings (or the percentages its reason quotes) change, so reading an unchanged verdict allocates nothing.
/// </summary>
internal sealed class ChannelVerdictCache
{
    private readonly ChannelQuality[] _built;
    private readonly QualityIssues[] _builtIssues;
    private readonly int[] _builtLinePercent;
    private readonly int[] _builtEmgPercent;

    public ChannelVerdictCache(int channels)
    {
        _built = new ChannelQuality[channels];
        Array.Fill(_built, ChannelQuality.Good);
        _builtIssues = new QualityIssues[channels];
        _builtLinePercent = new int[channels];
        _builtEmgPercent = new int[channels];
    }

    /// <summary>The verdict on <paramref name="channel"/> for these findings and the last window's metrics.</summary>
    public ChannelQuality Get(int channel, QualityIssues issues, in ChannelQualityMetrics metrics)
    {
        var linePercent = Percent(metrics.LineNoiseRatio);
        var emgPercent = Percent(metrics.EmgRatio);
        if (issues != _builtIssues[channel]
            || ((issues & QualityIssues.LineNoise) != 0 && linePercent != _builtLinePercent[channel])
            || ((issues & QualityIssues.Emg) != 0 && emgPercent != _builtEmgPercent[channel]))
        {
            _built[channel] = QualityVerdicts.Build(issues, linePercent, emgPercent);
            _builtIssues[channel] = issues;
            _builtLinePercent[channel] = linePercent;
            _builtEmgPercent[channel] = emgPercent;
        }

        return _built[channel];
    }

    private static int Percent(double ratio) => (int)Math.Round(ratio * 100);
}
