using EdgeBci.Acquisition.Diagnostics;
using EdgeBci.Web.Seams;

namespace EdgeBci.Firmware;

/// <summary>
/// The signal stage's once-a-second channel verdicts in the words a carer fixing electrodes needs: one of the page's
/// four qualities ("good", "noisy", "bad", "settling") and, unless good, what is wrong and what it usually means.
/// </summary>
internal static class ElectrodeWords
{
    public const string Good = "good";
    public const string Noisy = "noisy";
    public const string Bad = "bad";
    public const string Settling = "settling";

    /// <summary>Before the signal stage's first report (its first second).</summary>
    public const string NoVerdictYet = "no verdict yet: the signal is starting";

    public const string LeadOff = "lead-off: the electrode has lost contact";
    public const string Railed = "railed: the amplifier is at its limit (a loose or dry electrode)";

    /// <summary>Every channel's state: the report's verdict per channel (null before the first report) with the impedances measured, if any.</summary>
    public static IReadOnlyList<ElectrodeState> Describe(IReadOnlyList<string> channels, IReadOnlyList<ChannelReport>? reports,
        IReadOnlyList<ElectrodeImpedance>? impedances)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var states = new ElectrodeState[channels.Count];
        for (var c = 0; c < states.Length; c++)
        {
            var report = reports is not null && c < reports.Count ? reports[c] : null;
            var impedance = impedances is not null && c < impedances.Count ? impedances[c] : null;
            var (quality, reason) = report is null ? (Settling, NoVerdictYet) : Judge(report);
            states[c] = new ElectrodeState(channels[c], quality, reason, report is null || !double.IsFinite(report.RmsMicrovolts) ? 0 : report.RmsMicrovolts,
                impedance is null || !double.IsFinite(impedance.Kiloohms) ? null : Math.Round(impedance.Kiloohms, 1), impedance?.Quality);
        }

        return states;
    }

    /// <summary>The page's quality and reason for one channel's verdict.</summary>
    public static (string Quality, string Reason) Judge(ChannelReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.Quality switch
        {
            "good" => (Good, string.Empty),
            "noisy" => (Noisy, Explain(report.Reason, "noisy")),
            "settling" => (Settling, "settling " + Explain(report.Reason, "since switch-on") + ": good again, not yet for the hold-off"),
            "lead-off" => (Bad, LeadOff),
            "railed" => (Bad, Railed),
            _ => (Bad, Explain(report.Reason, "no usable signal")),
        };
    }

    private static string Explain(string reason, string fallback) => string.IsNullOrWhiteSpace(reason) ? fallback : reason;
}
