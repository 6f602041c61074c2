using System.Globalization;
using System.Text;
using EdgeBci.Training.Evaluation;
using EdgeBci.Training.Model;

namespace EdgeBci.Training.Reporting;

/// <summary>
/// Renders an <see cref="EvaluationReport"/> as one self-contained HTML page: a header saying what was evaluated
/// and how, the models side by side per protocol, a confusion-matrix heat map and per-class table for every model ×
/// protocol, and the decoder's learning curves (loss and accuracy per training run, best epoch marked).
/// <para>
/// Nothing is loaded from elsewhere (inline CSS, hand-written SVG, system fonts), so the file can be mailed or
/// archived beside the model and still open years later. The markup is also kept well-formed XML (void elements
/// closed, all text escaped), which HTML5 accepts and which lets a test check the escaping of the whole page with an
/// XML parser. Figures use the metrics' own format (three decimals, invariant culture) so the page, the console
/// table from <see cref="ClassificationMetrics.FormatTable"/> and the JSON agree digit for digit.
/// </para>
/// </summary>
public static partial class EvaluationReportPage
{
    private const string TrainColor = "#0072b2";
    private const string ValidationColor = "#d55e00";

    private const string Style = """
        :root { color-scheme: light; }
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 72rem; padding: 1.5rem; color: #1b1b1b; line-height: 1.4; }
        h1 { font-size: 1.6rem; margin: 0 0 0.75rem; }
        h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #ddd; padding-bottom: 0.25rem; }
        h3 { font-size: 1.05rem; margin: 0 0 0.25rem; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0; }
        dl.facts dt { font-weight: 600; color: #444; }
        dl.facts dd { margin: 0; }
        code { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; font-size: 0.9em; background: #f3f3f3; padding: 0.05rem 0.3rem; border-radius: 3px; word-break: break-all; }
        table { border-collapse: collapse; margin: 0.5rem 0; font-variant-numeric: tabular-nums; }
        th, td { padding: 0.3rem 0.65rem; border-bottom: 1px solid #e2e2e2; text-align: right; }
        th { background: #f6f6f6; }
        th.name, td.name { text-align: left; }
        td.best { font-weight: 700; }
        .muted { color: #666; font-size: 0.9em; }
        .results { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: 1.25rem; }
        article.result { border: 1px solid #e2e2e2; border-radius: 6px; padding: 0.9rem; }
        article.result .body { display: flex; flex-wrap: wrap; gap: 1rem; align-items: flex-start; }
        .curves { display: flex; flex-wrap: wrap; gap: 1rem; }
        figure.learning-curve { margin: 0; border: 1px solid #e2e2e2; border-radius: 6px; padding: 0.6rem; }
        figure.learning-curve figcaption { font-size: 0.9em; margin-bottom: 0.3rem; }
        footer { margin-top: 2.5rem; color: #666; font-size: 0.85em; }
        """;

    /// <summary>Writes the page to <paramref name="path"/> as UTF-8, replacing any file there.</summary>
    public static void Write(EvaluationReport report, string path)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllText(path, Render(report), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    /// <summary>The page as text.</summary>
    public static string Render(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var html = new StringBuilder(64 * 1024);
        // Subject 0: not an eegmmidb subject (a wearer's calibration session), so there is no subject or run to name.
        var title = report.Subject > 0 ? $"{report.Task}, subject {report.Subject.ToString(CultureInfo.InvariantCulture)}: evaluation" : $"{report.Task}: evaluation";
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\">");
        html.AppendLine("<head>");
        html.AppendLine("<meta charset=\"utf-8\" />");
        html.AppendLine("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />");
        html.Append("<title>").Append(HtmlText.Escape(title)).AppendLine("</title>");
        html.Append("<style>").Append(Style).AppendLine("</style>");
        html.AppendLine("</head>");
        html.AppendLine("<body>");
        AppendHeader(html, report);
        AppendComparison(html, report);
        AppendGate(html, report.Gate);
        AppendLiveReplays(html, report.LiveReplays);
        AppendModelSizes(html, report.ModelSizes);
        AppendQuantizationAgreements(html, report.QuantizationAgreements);
        AppendResults(html, report.Results);
        AppendLearningCurves(html, report.LearningCurves);
        html.Append("<footer>Written by ").Append(HtmlText.Escape(report.ToolVersion)).Append(" on ")
            .Append(HtmlText.Escape(FormatDate(report.Created))).AppendLine(".</footer>");
        html.AppendLine("</body>");
        html.AppendLine("</html>");
        return html.ToString();
    }

    private static void AppendHeader(StringBuilder html, EvaluationReport report)
    {
        var culture = CultureInfo.InvariantCulture;
        html.AppendLine("<header>");
        html.Append("<h1>Evaluation: ").Append(HtmlText.Escape(report.Task)).AppendLine("</h1>");
        html.AppendLine("<dl class=\"facts\">");
        Fact(html, "Task", HtmlText.Escape(report.Task));
        if (report.Subject > 0)
        {
            Fact(html, "Subject", report.Subject.ToString(culture));
            Fact(html, "Runs", HtmlText.Escape(string.Join(", ", report.Runs)));
        }
        Fact(html, "Window", HtmlText.Escape(string.Create(culture,
            $"{report.WindowStartSeconds:0.###} s to {report.WindowEndSeconds:0.###} s after each cue")));
        Fact(html, "Classes", HtmlText.Escape(string.Join(" / ", report.Classes)));
        Fact(html, "Trials", report.Trials.ToString(culture));
        Fact(html, "Channels", HtmlText.Escape(string.Create(culture, $"{report.Channels.Count}: {string.Join(", ", report.Channels)}")));
        Fact(html, "Sample rate", HtmlText.Escape(string.Create(culture, $"{report.SampleRate} Hz")));
        Fact(html, "Date", HtmlText.Escape(FormatDate(report.Created)));
        Fact(html, "Command", $"<code>{HtmlText.Escape(report.Command)}</code>");
        Fact(html, "Tool", HtmlText.Escape(report.ToolVersion));
        html.AppendLine("</dl>");
        html.AppendLine("</header>");
    }

    private static void Fact(StringBuilder html, string term, string escapedValue) =>
        html.Append("<dt>").Append(term).Append("</dt><dd>").Append(escapedValue).AppendLine("</dd>");

    private static void AppendComparison(StringBuilder html, EvaluationReport report)
    {
        var table = report.Comparison();
        html.AppendLine("<section id=\"comparison\">");
        html.AppendLine("<h2>Models side by side</h2>");
        if (table.Rows.Count == 0)
        {
            html.AppendLine("<p class=\"muted\">No results.</p></section>");
            return;
        }

        html.AppendLine("<table class=\"comparison\">");
        html.Append("<thead><tr><th class=\"name\" rowspan=\"2\">Protocol</th><th rowspan=\"2\">Test trials</th>");
        foreach (var model in table.Models)
        {
            html.Append("<th colspan=\"3\" class=\"model\">").Append(HtmlText.Escape(model)).Append("</th>");
        }

        html.AppendLine("</tr>");
        html.Append("<tr>");
        foreach (var _ in table.Models)
        {
            html.Append("<th>Accuracy</th><th>Balanced accuracy</th><th>Kappa</th>");
        }

        html.AppendLine("</tr></thead>");
        html.AppendLine("<tbody>");
        foreach (var row in table.Rows)
        {
            var described = row.Cells.FirstOrDefault(cell => cell is not null);
            var trials = string.Join(" / ", row.Cells.Where(cell => cell is not null)
                .Select(cell => cell!.Metrics.SampleCount.ToString(CultureInfo.InvariantCulture)).Distinct());
            var best = row.Cells.Max(cell => cell?.Metrics.Accuracy ?? double.NegativeInfinity);
            html.Append("<tr data-protocol=\"").Append(HtmlText.Escape(row.Protocol)).Append("\"><td class=\"name\" title=\"")
                .Append(HtmlText.Escape(described?.Description)).Append("\">").Append(HtmlText.Escape(row.Protocol)).Append("</td><td class=\"trials\">")
                .Append(trials).Append("</td>");
            for (var m = 0; m < table.Models.Count; m++)
            {
                var model = HtmlText.Escape(table.Models[m]);
                if (row.Cells[m] is not { } cell)
                {
                    html.Append("<td class=\"missing\" data-model=\"").Append(model).Append("\" colspan=\"3\">not run</td>");
                    continue;
                }

                var metrics = cell.Metrics;

                // With more than one model, the best accuracy per protocol is bold: the question the table answers.
                var isBest = table.Models.Count > 1 && metrics.Accuracy == best;
                html.Append("<td class=\"accuracy").Append(isBest ? " best" : string.Empty).Append("\" data-model=\"").Append(model).Append("\">")
                    .Append(Figure(metrics.Accuracy)).Append("</td>");
                html.Append("<td class=\"balanced-accuracy\" data-model=\"").Append(model).Append("\">").Append(Figure(metrics.BalancedAccuracy)).Append("</td>");
                html.Append("<td class=\"kappa\" data-model=\"").Append(model).Append("\">").Append(Figure(metrics.CohensKappa)).Append("</td>");
            }

            html.AppendLine("</tr>");
        }

        html.AppendLine("</tbody></table>");
        html.Append("<p class=\"muted\">");
        foreach (var row in table.Rows)
        {
            if (row.Cells.FirstOrDefault(cell => cell is not null) is { } described)
            {
                html.Append("<b>").Append(HtmlText.Escape(row.Protocol)).Append("</b>: ").Append(HtmlText.Escape(described.Description)).Append(". ");
            }
        }

        if (table.Models.Count > 1)
        {
            html.Append("Bold: the best accuracy under each protocol. ");
        }

        if (report.Classes.Count > 0)
        {
            html.Append(CultureInfo.InvariantCulture,
                $"Chance accuracy with {report.Classes.Count} balanced classes is {Figure(1.0 / report.Classes.Count)}; ");
        }

        html.AppendLine("kappa is 0 at chance and 1 when perfect.</p>");
        html.AppendLine("</section>");
    }

    private static void AppendModelSizes(StringBuilder html, IReadOnlyList<ModelArtifactSize> sizes)
    {
        if (sizes.Count == 0)
        {
            return;
        }

        html.AppendLine("<section id=\"model-sizes\">");
        html.AppendLine("<h2>Model sizes</h2>");
        html.AppendLine("<table class=\"model-sizes\"><thead><tr><th class=\"name\">Artefact</th><th>Bytes</th><th>KiB</th></tr></thead><tbody>");
        foreach (var size in sizes)
        {
            html.Append("<tr><td class=\"name\">").Append(HtmlText.Escape(size.Name)).Append("</td><td>")
                .Append(size.Bytes.ToString("#,0", CultureInfo.InvariantCulture)).Append("</td><td>")
                .Append((size.Bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture)).AppendLine("</td></tr>");
        }

        html.AppendLine("</tbody></table>");
        html.AppendLine("</section>");
    }

    private static void AppendQuantizationAgreements(StringBuilder html, IReadOnlyList<QuantizationAgreement> folds)
    {
        if (folds.Count == 0)
        {
            return;
        }

        html.AppendLine("<section id=\"quantization\">");
        html.AppendLine("<h2>int8 against fp32</h2>");
        html.AppendLine("<p>Each fold's int8 model, calibrated on that fold's training windows only, against its fp32 model on the fold's test windows.</p>");
        html.AppendLine("<table class=\"quantization\"><thead><tr><th class=\"name\">Fold</th><th>Same class</th><th>Agreement</th><th>Largest probability difference</th></tr></thead><tbody>");
        QuantizationAgreement[] rows = [.. folds, QuantizationAgreement.Pool(folds)];
        foreach (var fold in rows)
        {
            html.Append("<tr><td class=\"name\">").Append(HtmlText.Escape(fold.Label)).Append("</td><td>")
                .Append(CultureInfo.InvariantCulture, $"{fold.Agreeing} / {fold.Windows}").Append("</td><td>")
                .Append(fold.Share.ToString("0.0 %", CultureInfo.InvariantCulture)).Append("</td><td>")
                .Append(fold.MaxProbabilityDifference.ToString("0.000", CultureInfo.InvariantCulture)).AppendLine("</td></tr>");
        }

        html.AppendLine("</tbody></table>");
        html.AppendLine("</section>");
    }

    private static void AppendResults(StringBuilder html, IReadOnlyList<ProtocolResult> results)
    {
        html.AppendLine("<section id=\"results\">");
        html.AppendLine("<h2>Per model and protocol</h2>");
        html.AppendLine("<p class=\"muted\">Confusion matrices: rows are the true classes, columns the predictions; each cell is shaded by its share of its row (the recall on the diagonal).</p>");
        html.AppendLine("<div class=\"results\">");
        foreach (var result in results)
        {
            var metrics = result.Metrics;
            html.Append("<article class=\"result\" data-model=\"").Append(HtmlText.Escape(result.Model)).Append("\" data-protocol=\"")
                .Append(HtmlText.Escape(result.Protocol)).AppendLine("\">");
            html.Append("<h3>").Append(HtmlText.Escape(result.Model)).Append(", ").Append(HtmlText.Escape(result.Protocol)).AppendLine("</h3>");
            html.Append("<p class=\"muted\">").Append(HtmlText.Escape(result.Description)).AppendLine("</p>");
            html.Append(CultureInfo.InvariantCulture,
                $"<p class=\"summary\">{metrics.SampleCount} test trials: accuracy {Figure(metrics.Accuracy)}, balanced accuracy {Figure(metrics.BalancedAccuracy)}, kappa {Figure(metrics.CohensKappa)}, macro F1 {Figure(metrics.MacroF1)}</p>");
            html.AppendLine();
            html.AppendLine("<div class=\"body\">");
            html.AppendLine(SvgChart.HeatMap(new HeatMap(
                "Confusion matrix", metrics.ClassNames, metrics.ClassNames, metrics.ConfusionMatrix(), "true", "predicted",
                [new("data-model", result.Model), new("data-protocol", result.Protocol)], "confusion-matrix")));
            AppendPerClass(html, metrics);
            html.AppendLine("</div>");
            html.AppendLine("</article>");
        }

        html.AppendLine("</div>");
        html.AppendLine("</section>");
    }

    private static void AppendPerClass(StringBuilder html, ClassificationMetrics metrics)
    {
        html.AppendLine("<table class=\"per-class\"><thead><tr><th class=\"name\">Class</th><th>Precision</th><th>Recall</th><th>F1</th><th>Support</th><th>Predicted</th></tr></thead><tbody>");
        foreach (var scores in metrics.PerClass)
        {
            html.Append("<tr><td class=\"name\">").Append(HtmlText.Escape(scores.Name)).Append("</td><td>").Append(Figure(scores.Precision))
                .Append("</td><td>").Append(Figure(scores.Recall)).Append("</td><td>").Append(Figure(scores.F1))
                .Append("</td><td>").Append(scores.Support.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(scores.PredictedCount.ToString(CultureInfo.InvariantCulture)).AppendLine("</td></tr>");
        }

        html.AppendLine("</tbody></table>");
    }

    private static void AppendLearningCurves(StringBuilder html, IReadOnlyList<LearningCurve> curves)
    {
        html.AppendLine("<section id=\"learning-curves\">");
        html.AppendLine("<h2>Decoder learning curves</h2>");
        if (curves.Count == 0)
        {
            html.AppendLine("<p class=\"muted\">No decoder was trained for this report (run <code>edgebci evaluate</code> with <code>--decoder</code>).</p>");
            html.AppendLine("</section>");
            return;
        }

        html.AppendLine("<p class=\"muted\">One training run per fold, then the chronological split. Validation is the early-stopping split held out of each run's training trials, not the test fold; the dashed line marks the epoch whose weights were kept.</p>");
        html.AppendLine("<div class=\"curves\">");
        foreach (var curve in curves)
        {
            var summary = curve.Summary;
            html.Append("<figure class=\"learning-curve\" data-label=\"").Append(HtmlText.Escape(curve.Label)).Append("\" data-best-epoch=\"")
                .Append(summary.BestEpoch.ToString(CultureInfo.InvariantCulture)).AppendLine("\">");
            var bestLoss = summary.BestValidationLoss is { } loss
                ? string.Create(CultureInfo.InvariantCulture, $", validation loss {loss:0.000}")
                : string.Empty;
            html.Append("<figcaption><b>").Append(HtmlText.Escape(curve.Label)).Append("</b>: ")
                .Append(HtmlText.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"{summary.EpochsRun} epochs ({summary.StopReason}), best epoch {summary.BestEpoch}{bestLoss}, {summary.Elapsed.TotalSeconds:0.0} s")))
                .AppendLine("</figcaption>");

            html.AppendLine(CurveChart(curve, "Loss", "cross-entropy", e => e.TrainLoss, e => e.ValidationLoss, null, "loss-chart"));
            html.AppendLine(CurveChart(curve, "Accuracy", "accuracy", e => e.TrainAccuracy, e => e.ValidationAccuracy, 1, "accuracy-chart"));
            html.AppendLine("</figure>");
        }

        html.AppendLine("</div>");
        html.AppendLine("</section>");
    }

    private static string CurveChart(LearningCurve curve, string title, string yLabel, Func<EpochReport, double> train,
        Func<EpochReport, double?> validation, double? yMax, string cssClass)
    {
        var series = new List<LineSeries>(2)
        {
            new("train", [.. curve.Epochs.Select(e => new PlotPoint(e.Epoch, train(e)))], TrainColor),
        };

        // Runs without a validation split have no validation figures: no line (and no legend entry) beats one at 0.
        var validationPoints = curve.Epochs.Where(e => validation(e) is not null).Select(e => new PlotPoint(e.Epoch, validation(e)!.Value)).ToArray();
        if (validationPoints.Length > 0)
        {
            series.Add(new("validation", validationPoints, ValidationColor));
        }

        return SvgChart.Line(new LineChart(title, "epoch", yLabel, series,
            YMin: yMax is null ? null : 0, YMax: yMax, MarkerX: curve.Summary.BestEpoch,
            MarkerLabel: $"best {curve.Summary.BestEpoch.ToString(CultureInfo.InvariantCulture)}", XWholeNumbers: true, CssClass: cssClass));
    }

    /// <summary>A metric as <see cref="ClassificationMetrics.FormatTable"/> prints it.</summary>
    internal static string Figure(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    private static string FormatDate(DateTimeOffset created) =>
        created.ToString("yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture);
}
