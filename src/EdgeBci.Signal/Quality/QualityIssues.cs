using System.Globalization;

namespace EdgeBci.Signal.Quality;

/// <summary>What the monitor found on a channel; the bad ones first, then the noisy ones, then the memory's.</summary>
[Flags]
internal enum QualityIssues
{
    None = 0,
    LeadOff = 1,
    Railed = 2,
    Constant = 4,
    Flat = 8,
    LineNoise = 16,
    Emg = 32,
    Blink = 64,

    /// <summary>
    /// Good now, but not yet for the hold-off since switch-on or since it was last bad; the bad bits then say what it
    /// was (none: since switch-on).
    /// </summary>
    Settling = 128,

    /// <summary>No window judged yet.</summary>
    NoVerdict = 256,

    Bad = LeadOff | Railed | Constant | Flat,
}

/// <summary>Turns findings into the verdict and the condition consumers read.</summary>
internal static class QualityVerdicts
{
    private static readonly ChannelQuality SettlingSinceSwitchOn = new(QualityState.Settling, ChannelConditions.SinceSwitchOn);

    /// <summary>The condition a channel was last found bad with (worst first), or NoVerdict for none: see <see cref="IChannelConditions.SettlingFrom"/>.</summary>
    public static ChannelCondition SettlingFrom(QualityIssues lastBad) =>
        (lastBad & QualityIssues.Bad) == 0 ? ChannelCondition.NoVerdict : Condition(lastBad & QualityIssues.Bad);

    public static ChannelCondition Condition(QualityIssues issues) =>
        (issues & QualityIssues.LeadOff) != 0 ? ChannelCondition.LeadOff
        : (issues & QualityIssues.Settling) != 0 ? ChannelCondition.Settling
        : (issues & QualityIssues.Railed) != 0 ? ChannelCondition.Railed
        : (issues & QualityIssues.Constant) != 0 ? ChannelCondition.Constant
        : (issues & QualityIssues.Flat) != 0 ? ChannelCondition.FlatLine
        : (issues & QualityIssues.NoVerdict) != 0 ? ChannelCondition.NoVerdict
        : issues != QualityIssues.None ? ChannelCondition.Noisy
        : ChannelCondition.Good;

    public static ChannelQuality Build(QualityIssues issues, int linePercent, int emgPercent)
    {
        if (issues == QualityIssues.None)
        {
            return ChannelQuality.Good;
        }

        if ((issues & QualityIssues.NoVerdict) != 0)
        {
            return new ChannelQuality(QualityState.Settling, "no verdict yet");
        }

        // Worst first: the bad reasons in order of how directly they show the electrode is unusable, then the noisy ones.
        var reasons = new List<string>(4);
        AddIf(reasons, issues, QualityIssues.LeadOff, "lead-off");
        AddIf(reasons, issues, QualityIssues.Railed, "railed");
        AddIf(reasons, issues, QualityIssues.Constant, "constant");
        AddIf(reasons, issues, QualityIssues.Flat, "flat line");
        if ((issues & QualityIssues.Settling) != 0)
        {
            return reasons.Count == 0
                ? SettlingSinceSwitchOn
                : new ChannelQuality(QualityState.Settling, "after " + string.Join(", ", reasons));
        }

        if ((issues & QualityIssues.LineNoise) != 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"line noise {linePercent}% of power"));
        }

        if ((issues & QualityIssues.Emg) != 0)
        {
            reasons.Add(string.Create(CultureInfo.InvariantCulture, $"EMG {emgPercent}% of power"));
        }

        AddIf(reasons, issues, QualityIssues.Blink, "blink");
        var state = (issues & QualityIssues.Bad) != 0 ? QualityState.Bad : QualityState.Noisy;
        return new ChannelQuality(state, string.Join(", ", reasons));
    }

    private static void AddIf(List<string> reasons, QualityIssues issues, QualityIssues flag, string reason)
    {
        if ((issues & flag) != 0)
        {
            reasons.Add(reason);
        }
    }
}
