using System.Globalization;
using System.Text;
using EdgeBci.Training.Reporting;

namespace EdgeBci.Training.Gate;

/// <summary>
/// Writes a <see cref="GateReport"/> as gate.json (for tools; the evaluation report's own gate object, read back by
/// <see cref="EvaluationReportJson.ReadGate"/>) and gate.txt (for the wearer's clinician), side by side.
/// </summary>
public static class GateReportWriter
{
    /// <summary>Writes both files into <paramref name="folder"/> (created if missing); returns their paths.</summary>
    public static (string Json, string Text) Write(GateReport report, string folder)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(folder);
        var json = Path.Combine(folder, GateReport.JsonFileName);
        var text = Path.Combine(folder, GateReport.TextFileName);
        File.WriteAllText(json, ToJson(report));
        File.WriteAllText(text, ToText(report));
        return (json, text);
    }

    public static string ToJson(GateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return EvaluationReportJson.SerializeGate(report);
    }

    public static string ToText(GateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.AppendLine(report.Passed ? "ACCEPTED: the model may drive (it takes effect when the supervisor is disarmed)." : "REFUSED: the model is kept for the record but not installed.");
        foreach (var check in report.Checks)
        {
            text.Append(CultureInfo.InvariantCulture, $"  [{(check.Passed ? "pass" : "FAIL")}] {check.Name}: {check.Detail}");
            text.AppendLine();
        }

        if (report.Advice.Count > 0)
        {
            text.AppendLine("What to do:");
            foreach (var advice in report.Advice)
            {
                text.Append("  - ").AppendLine(advice);
            }
        }

        return text.ToString();
    }
}
