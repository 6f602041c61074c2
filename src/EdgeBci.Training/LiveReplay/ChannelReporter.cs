using EdgeBci.Acquisition.Ads1299;
using EdgeBci.Control.Supervision;
using EdgeBci.Signal.Quality;

namespace EdgeBci.Training.LiveReplay;

/// <summary>
/// The channel states the firmware reports to the supervisor, from the same verdicts: lead-off from the chip, railing
/// after a few consecutive raw samples at the rail, bad or settling from the quality monitor. Reported only when a
/// verdict changed, as the firmware does.
/// </summary>
internal sealed class ChannelReporter
{
    /// <summary>Consecutive raw samples at the rail that make a channel railing (the firmware's SignalService.RailingSamples).</summary>
    private const int RailingSamples = 3;

    private readonly IReadOnlyList<string> _names;
    private readonly IChannelConditions _conditions;
    private readonly int _railThreshold;
    private readonly int[] _railRun;
    private readonly ChannelState[] _last;
    private bool _reported;

    public ChannelReporter(IReadOnlyList<string> names, IChannelConditions conditions, double railFractionOfFullScale)
    {
        _names = names;
        _conditions = conditions;
        _railThreshold = (int)Math.Ceiling(railFractionOfFullScale * Ads1299Frame.MaximumCount);
        _railRun = new int[names.Count];
        _last = new ChannelState[names.Count];
    }

    public void Report(ControlInputs inputs, ReadOnlySpan<int> counts, SignalQualityMonitor quality, ulong leadOff)
    {
        var changed = !_reported;
        for (var c = 0; c < _names.Count; c++)
        {
            _railRun[c] = Math.Abs(counts[c]) >= _railThreshold ? _railRun[c] + 1 : 0;
            var qualityState = quality.Get(c).State;
            var settling = qualityState == QualityState.Settling;
            var state = new ChannelState(_names[c], qualityState != QualityState.Bad, (leadOff & (1UL << c)) != 0, _railRun[c] >= RailingSamples, settling,
                settling ? _conditions.SettlingFrom(c).DescribeSettling() : null);
            changed |= state != _last[c];
            _last[c] = state;
        }

        if (changed)
        {
            inputs.ReportChannels(_last);
            _reported = true;
        }
    }
}
