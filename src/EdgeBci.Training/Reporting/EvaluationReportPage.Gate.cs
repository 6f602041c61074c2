using System.Globalization;
using System.Text;
using EdgeBci.Training.Gate;

namespace EdgeBci.Training.Reporting;

/// <summary>The acceptance gate's section: the verdict, every check with its measured and required value, and what to do.</summary>
public static partial class EvaluationReportPage
{
    private static void AppendGate(StringBuilder html, GateReport? gate)
    {
        if (gate is null)
        {
            return;
        }

        var culture = CultureInfo.InvariantCulture;
        html.AppendLine("<section id=\"gate\">");
        html.Append("<h2>Acceptance gate: ").Append(gate.Passed ? "accepted" : "refused").AppendLine("</h2>");
        html.Append("<p>").Append(gate.Passed
            ? "The model may drive; it takes effect when the supervisor is disarmed."
            : "The model is kept for the record but not installed.").AppendLine("</p>");
        html.AppendLine("<table class=\"gate\">");
        html.AppendLine("<thead><tr><th class=\"name\">Check</th><th>Result</th><th>Measured</th><th>Required</th><th class=\"name\">Detail</th></tr></thead>");
        html.AppendLine("<tbody>");
        foreach (var check in gate.Checks)
        {
            html.Append("<tr><td class=\"name\">").Append(HtmlText.Escape(check.Name)).Append("</td><td>").Append(check.Passed ? "pass" : "FAIL")
                .Append("</td><td>").Append(HtmlText.Escape(double.IsFinite(check.Measured) ? check.Measured.ToString("0.000", culture) : "–"))
                .Append("</td><td>").Append(HtmlText.Escape(check.Required.ToString("0.000", culture)))
                .Append("</td><td class=\"name\">").Append(HtmlText.Escape(check.Detail)).AppendLine("</td></tr>");
        }

        html.AppendLine("</tbody></table>");
        if (gate.Advice.Count > 0)
        {
            html.AppendLine("<h3>What to do</h3>");
            html.AppendLine("<ul>");
            foreach (var advice in gate.Advice)
            {
                html.Append("<li>").Append(HtmlText.Escape(advice)).AppendLine("</li>");
            }

            html.AppendLine("</ul>");
        }

        html.AppendLine("</section>");
    }
}
