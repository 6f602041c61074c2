using System.Globalization;
using System.Text;

namespace EdgeBci.Training.Reporting;

/// <summary>The "What the wearer would feel" section: each live replay beside the bundle's offline accuracy on the same run.</summary>
public static partial class EvaluationReportPage
{
    private static void AppendLiveReplays(StringBuilder html, IReadOnlyList<LiveReplaySummary> replays)
    {
        if (replays.Count == 0)
        {
            return;
        }

        var culture = CultureInfo.InvariantCulture;
        html.AppendLine("<section id=\"live-replay\">");
        html.AppendLine("<h2>Live replay: what the wearer would feel</h2>");
        html.AppendLine("<p class=\"muted\">Each held-out run replayed through the unit's chain, decoder and safety supervisor onto the simulated wheelchair. "
            + "A trial is scored by the first move after its cue; ITR is Wolpaw's with N = the cued classes and P = the share moved the cued way; "
            + "offline accuracy is one window per trial at the task's offset.</p>");
        html.AppendLine("<table class=\"live-replay\">");
        html.AppendLine("<thead><tr><th class=\"name\">Recording</th><th class=\"name\">Model</th><th>Cues</th><th>Cued way</th><th>Wrong way</th><th>No move</th>"
            + "<th>Wrong-way %</th><th>Rest moves/min</th><th>Cue to move, median (s)</th><th>p90 (s)</th><th>ITR (bits/min)</th><th>Offline accuracy</th></tr></thead>");
        html.AppendLine("<tbody>");
        foreach (var replay in replays)
        {
            html.Append("<tr><td class=\"name\">").Append(HtmlText.Escape(replay.Recording)).Append("</td><td class=\"name\">")
                .Append(HtmlText.Escape($"{replay.Model} ({replay.Precision})")).Append("</td>");
            Cell(html, replay.Cues.ToString(culture));
            Cell(html, replay.CuedWay.ToString(culture));
            Cell(html, replay.WrongWay.ToString(culture));
            Cell(html, replay.NoMove.ToString(culture));
            Cell(html, (100 * replay.WrongWayShare).ToString("0.0", culture));
            Cell(html, replay.RestMovesPerMinute.ToString("0.00", culture));
            Cell(html, replay.MedianSecondsToMove is { } median ? median.ToString("0.00", culture) : "–");
            Cell(html, replay.P90SecondsToMove is { } p90 ? p90.ToString("0.00", culture) : "–");
            Cell(html, replay.ItrBitsPerMinute.ToString("0.00", culture));
            Cell(html, string.Create(culture, $"{replay.OfflineAccuracy:0.000} ({replay.OfflineCorrect}/{replay.OfflineTrials})"));
            html.AppendLine("</tr>");
        }

        html.AppendLine("</tbody></table>");
        html.AppendLine("</section>");

        static void Cell(StringBuilder html, string text) => html.Append("<td>").Append(HtmlText.Escape(text)).Append("</td>");
    }
}
