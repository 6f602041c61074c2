using System.Globalization;
using System.Text;

namespace EdgeBci.Training.Reporting;

/// <summary>One point of a line; a non-finite <see cref="Y"/> (a diverged loss) breaks the line there.</summary>
internal readonly record struct PlotPoint(double X, double Y);

/// <summary>A named line in a chart.</summary>
/// <param name="Color">Any SVG colour, e.g. "#0072b2".</param>
internal sealed record LineSeries(string Name, IReadOnlyList<PlotPoint> Points, string Color, bool Dashed = false);

/// <summary>A small line chart: axes with ticks, a legend, and optionally one labelled vertical marker.</summary>
/// <param name="YMin">Fixed lower end of the y axis (e.g. 0 for an accuracy); null fits the data.</param>
/// <param name="YMax">Fixed upper end of the y axis (e.g. 1 for an accuracy); null fits the data.</param>
/// <param name="MarkerX">Where to draw the marker line (e.g. the best epoch); null for none.</param>
/// <param name="XWholeNumbers">Ticks only at whole numbers (epochs).</param>
internal sealed record LineChart(
    string Title, string XLabel, string YLabel, IReadOnlyList<LineSeries> Series,
    double? YMin = null, double? YMax = null, double? MarkerX = null, string? MarkerLabel = null, bool XWholeNumbers = false,
    int Width = 340, int Height = 230, string CssClass = "line-chart");

/// <summary>A matrix of counts drawn as shaded cells, each row shaded by its own total.</summary>
/// <param name="Counts">Indexed [row, column].</param>
/// <param name="Attributes">Extra attributes for the root element (name → unescaped value), e.g. data-model.</param>
internal sealed record HeatMap(
    string Title, IReadOnlyList<string> RowLabels, IReadOnlyList<string> ColumnLabels, int[,] Counts,
    string RowAxisTitle, string ColumnAxisTitle, IReadOnlyList<KeyValuePair<string, string>>? Attributes = null, string CssClass = "heat-map");

/// <summary>
/// Hand-written SVG for the report page: no script, font or image leaves the file, and every chart is well-formed
/// XML on its own, so it can be cut out of the page and opened anywhere.
/// </summary>
internal static class SvgChart
{
    private const string Font = "font-family=\"system-ui, sans-serif\"";
    private const double CharacterWidth = 6.6; // of the 11-12 px labels: enough to reserve room for text without measuring it
    private const int MaxLabelCharacters = 24;

    public static string Line(LineChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var svg = new StringBuilder();
        const double left = 56, right = 14, top = 40, bottom = 44;
        double width = chart.Width, height = chart.Height;
        var plotWidth = width - left - right;
        var plotHeight = height - top - bottom;

        var (xMin, xMax, xTicks) = XAxis(chart);
        var (yMin, yMax, yTicks) = YAxis(chart);
        double X(double x) => left + ((x - xMin) / (xMax - xMin) * plotWidth);
        double Y(double y) => top + plotHeight - ((y - yMin) / (yMax - yMin) * plotHeight);

        Open(svg, chart.CssClass, width, height, chart.Title, []);
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"14\" font-size=\"12\" font-weight=\"600\">{HtmlText.Escape(chart.Title)}</text>");

        // Gridlines and y ticks first, so the data is drawn over them.
        svg.Append("<g class=\"y-axis\" font-size=\"10\" text-anchor=\"end\">");
        foreach (var tick in yTicks)
        {
            var y = HtmlText.Number(Y(tick.Value));
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{left}\" y1=\"{y}\" x2=\"{HtmlText.Number(left + plotWidth)}\" y2=\"{y}\" stroke=\"#e4e4e4\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left - 4}\" y1=\"{y}\" x2=\"{left}\" y2=\"{y}\" stroke=\"#555\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{left - 6}\" y=\"{y}\" dy=\"0.35em\">{tick.Label}</text>");
        }

        svg.Append("</g><g class=\"x-axis\" font-size=\"10\" text-anchor=\"middle\">");
        var axisY = HtmlText.Number(top + plotHeight);
        foreach (var tick in xTicks)
        {
            var x = HtmlText.Number(X(tick.Value));
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" y1=\"{axisY}\" x2=\"{x}\" y2=\"{HtmlText.Number(top + plotHeight + 4)}\" stroke=\"#555\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{x}\" y=\"{HtmlText.Number(top + plotHeight + 15)}\">{tick.Label}</text>");
        }

        svg.Append("</g>");
        svg.Append(CultureInfo.InvariantCulture,
            $"<path class=\"axes\" d=\"M{left},{top}V{axisY}H{HtmlText.Number(left + plotWidth)}\" fill=\"none\" stroke=\"#555\"/>");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text class=\"axis-title\" x=\"{HtmlText.Number(left + (plotWidth / 2))}\" y=\"{HtmlText.Number(height - 6)}\" font-size=\"11\" text-anchor=\"middle\">{HtmlText.Escape(chart.XLabel)}</text>");
        var yTitleY = HtmlText.Number(top + (plotHeight / 2));
        svg.Append(CultureInfo.InvariantCulture,
            $"<text class=\"axis-title\" x=\"14\" y=\"{yTitleY}\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 14 {yTitleY})\">{HtmlText.Escape(chart.YLabel)}</text>");

        if (chart.MarkerX is { } marker && marker >= xMin && marker <= xMax)
        {
            var x = HtmlText.Number(X(marker));
            svg.Append("<g class=\"best-epoch\">");
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{axisY}\" stroke=\"#2b2b2b\" stroke-dasharray=\"3 3\"/>");
            if (chart.MarkerLabel is { } label)
            {
                // Above the plot, where no data can hide it; right of the line unless that would run past the plot.
                var anchor = X(marker) > left + (plotWidth * 0.7) ? "end" : "start";
                var dx = anchor == "end" ? -3 : 3;
                svg.Append(CultureInfo.InvariantCulture,
                    $"<text x=\"{x}\" y=\"{HtmlText.Number(top - 5)}\" dx=\"{dx}\" font-size=\"10\" text-anchor=\"{anchor}\">{HtmlText.Escape(label)}</text>");
            }

            svg.Append("</g>");
        }

        foreach (var series in chart.Series)
        {
            AppendSeries(svg, series, X, Y);
        }

        AppendLegend(svg, chart.Series, width - right, 10);
        svg.Append("</svg>");
        return svg.ToString();
    }

    public static string HeatMap(HeatMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var rows = map.RowLabels.Count;
        var columns = map.ColumnLabels.Count;
        if (map.Counts.GetLength(0) != rows || map.Counts.GetLength(1) != columns)
        {
            throw new ArgumentException(
                $"The counts are {map.Counts.GetLength(0)} x {map.Counts.GetLength(1)} but there are {rows} row and {columns} column labels.", nameof(map));
        }

        const double cell = 58, titleHeight = 22, axisTitle = 18, gap = 6;
        var rowLabelWidth = Math.Max(30, LongestLabel(map.RowLabels) * CharacterWidth);
        var columnLabelWidth = LongestLabel(map.ColumnLabels) * CharacterWidth;

        // Column names wider than a cell are slanted instead of overlapping their neighbours.
        var slanted = columnLabelWidth > cell - 6;
        var columnLabelHeight = slanted ? (columnLabelWidth * 0.71) + 14 : 16;
        var left = axisTitle + rowLabelWidth + gap;
        var top = titleHeight + 4;
        var width = left + (columns * cell) + (slanted ? columnLabelWidth * 0.71 : 0) + 8;
        var height = top + (rows * cell) + gap + columnLabelHeight + axisTitle;

        var svg = new StringBuilder();
        Open(svg, map.CssClass, width, height, map.Title, map.Attributes ?? []);
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{HtmlText.Number(left)}\" y=\"15\" font-size=\"12\" font-weight=\"600\">{HtmlText.Escape(map.Title)}</text>");
        svg.Append("<g class=\"cells\" font-size=\"13\" text-anchor=\"middle\">");
        for (var r = 0; r < rows; r++)
        {
            var total = 0;
            for (var c = 0; c < columns; c++)
            {
                total += map.Counts[r, c];
            }

            for (var c = 0; c < columns; c++)
            {
                var count = map.Counts[r, c];
                var share = total == 0 ? 0 : (double)count / total;
                var x = left + (c * cell);
                var y = top + (r * cell);
                svg.Append(CultureInfo.InvariantCulture, $"<g class=\"cell\" data-row=\"{r}\" data-column=\"{c}\" data-count=\"{count}\">");
                svg.Append(CultureInfo.InvariantCulture,
                    $"<title>{HtmlText.Escape(map.RowAxisTitle)} {HtmlText.Escape(map.RowLabels[r])}, {HtmlText.Escape(map.ColumnAxisTitle)} {HtmlText.Escape(map.ColumnLabels[c])}: {count} of {total} ({share * 100:0} %)</title>");
                svg.Append(CultureInfo.InvariantCulture,
                    $"<rect x=\"{HtmlText.Number(x)}\" y=\"{HtmlText.Number(y)}\" width=\"{cell}\" height=\"{cell}\" fill=\"{Shade(share)}\" stroke=\"#fff\" stroke-width=\"2\"/>");
                svg.Append(CultureInfo.InvariantCulture,
                    $"<text class=\"count\" x=\"{HtmlText.Number(x + (cell / 2))}\" y=\"{HtmlText.Number(y + (cell / 2))}\" dy=\"0.35em\" fill=\"{(share > 0.55 ? "#fff" : "#111")}\">{count}</text>");
                svg.Append("</g>");
            }
        }

        svg.Append("</g><g class=\"row-labels\" font-size=\"11\" text-anchor=\"end\">");
        for (var r = 0; r < rows; r++)
        {
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{HtmlText.Number(left - gap)}\" y=\"{HtmlText.Number(top + (r * cell) + (cell / 2))}\" dy=\"0.35em\">{Label(map.RowLabels[r])}</text>");
        }

        var labelY = top + (rows * cell) + gap + 10;
        svg.Append("</g><g class=\"column-labels\" font-size=\"11\">");
        for (var c = 0; c < columns; c++)
        {
            var x = HtmlText.Number(left + (c * cell) + (cell / 2));
            var y = HtmlText.Number(labelY);
            svg.Append(slanted
                ? string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{y}\" text-anchor=\"start\" transform=\"rotate(45 {x} {y})\">")
                : string.Create(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{y}\" text-anchor=\"middle\">"));
            svg.Append(Label(map.ColumnLabels[c])).Append("</text>");
        }

        svg.Append("</g>");
        var plotMiddleY = HtmlText.Number(top + (rows * cell / 2));
        svg.Append(CultureInfo.InvariantCulture,
            $"<text class=\"axis-title\" x=\"12\" y=\"{plotMiddleY}\" font-size=\"11\" font-weight=\"600\" text-anchor=\"middle\" transform=\"rotate(-90 12 {plotMiddleY})\">{HtmlText.Escape(map.RowAxisTitle)}</text>");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text class=\"axis-title\" x=\"{HtmlText.Number(left + (columns * cell / 2))}\" y=\"{HtmlText.Number(height - 5)}\" font-size=\"11\" font-weight=\"600\" text-anchor=\"middle\">{HtmlText.Escape(map.ColumnAxisTitle)}</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>
    /// Ticks at 1, 2 or 5 × a power of ten, about <paramref name="target"/> of them, covering [min, max] and
    /// extending it outwards to whole steps (the axis ends on a labelled tick).
    /// </summary>
    public static (double Min, double Max, IReadOnlyList<(double Value, string Label)> Ticks) NiceTicks(
        double min, double max, int target = 5, bool wholeNumbers = false)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
        {
            (min, max) = (0, 1);
        }

        if (min == max)
        {
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }

        var rough = (max - min) / Math.Max(1, target);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = (rough / magnitude) switch
        {
            <= 1 => magnitude,
            <= 2 => 2 * magnitude,
            <= 5 => 5 * magnitude,
            _ => 10 * magnitude,
        };
        if (wholeNumbers)
        {
            step = Math.Max(1, Math.Round(step));
        }

        var first = Math.Floor((min / step) + 1e-9);
        var last = Math.Ceiling((max / step) - 1e-9);
        var decimals = Math.Max(0, (int)-Math.Floor(Math.Log10(step) + 1e-9));
        var format = decimals == 0 ? "0" : "0." + new string('0', decimals);
        var ticks = new List<(double, string)>();
        for (var k = first; k <= last; k++)
        {
            // k·step, not a running sum, so 0.1 + 0.2 noise never reaches a label.
            var value = Math.Round(k * step, decimals + 2);
            ticks.Add((value, value.ToString(format, CultureInfo.InvariantCulture)));
        }

        return (first * step, last * step, ticks);
    }

    private static (double Min, double Max, IReadOnlyList<(double Value, string Label)> Ticks) XAxis(LineChart chart)
    {
        var (min, max) = DataRange(chart, point => point.X);
        return NiceTicks(min, max, 5, chart.XWholeNumbers);
    }

    private static (double Min, double Max, IReadOnlyList<(double Value, string Label)> Ticks) YAxis(LineChart chart)
    {
        var (min, max) = DataRange(chart, point => point.Y);

        // A fixed end wins, but data beyond it still widens the axis rather than being drawn outside the plot.
        min = chart.YMin is { } fixedMin ? Math.Min(fixedMin, min) : min;
        max = chart.YMax is { } fixedMax ? Math.Max(fixedMax, max) : max;
        return NiceTicks(min, max, 5);
    }

    /// <summary>The finite extent of one coordinate over every series; 0..1 when nothing finite was plotted.</summary>
    private static (double Min, double Max) DataRange(LineChart chart, Func<PlotPoint, double> coordinate)
    {
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        foreach (var series in chart.Series)
        {
            foreach (var point in series.Points)
            {
                var value = coordinate(point);
                if (double.IsFinite(value))
                {
                    min = Math.Min(min, value);
                    max = Math.Max(max, value);
                }
            }
        }

        return double.IsInfinity(min) ? (0, 1) : (min, max);
    }

    private static void AppendSeries(StringBuilder svg, LineSeries series, Func<double, double> x, Func<double, double> y)
    {
        svg.Append(CultureInfo.InvariantCulture,
            $"<g class=\"series\" data-series=\"{HtmlText.Escape(series.Name)}\" stroke=\"{HtmlText.Escape(series.Color)}\" fill=\"none\" stroke-width=\"1.6\"{(series.Dashed ? " stroke-dasharray=\"5 3\"" : string.Empty)}>");
        var segment = new List<string>();
        void Flush()
        {
            if (segment.Count == 1)
            {
                // A line through one point is invisible; show the point.
                var xy = segment[0].Split(',');
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{xy[0]}\" cy=\"{xy[1]}\" r=\"2.5\" fill=\"{HtmlText.Escape(series.Color)}\"/>");
            }
            else if (segment.Count > 1)
            {
                svg.Append("<polyline points=\"").AppendJoin(' ', segment).Append("\"/>");
            }

            segment.Clear();
        }

        foreach (var point in series.Points)
        {
            if (double.IsFinite(point.X) && double.IsFinite(point.Y))
            {
                segment.Add($"{HtmlText.Number(x(point.X))},{HtmlText.Number(y(point.Y))}");
            }
            else
            {
                Flush();
            }
        }

        Flush();
        svg.Append("</g>");
    }

    private static void AppendLegend(StringBuilder svg, IReadOnlyList<LineSeries> series, double right, double y)
    {
        // On the title's line, laid out from the right edge leftwards, so it never runs into the title's start.
        svg.Append("<g class=\"legend\" font-size=\"10\">");
        var x = right;
        for (var i = series.Count - 1; i >= 0; i--)
        {
            var entry = series[i];
            var textWidth = Math.Min(entry.Name.Length, MaxLabelCharacters) * CharacterWidth * 0.9;
            x -= textWidth;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{HtmlText.Number(x)}\" y=\"{y}\" dy=\"0.35em\">{Label(entry.Name)}</text>");
            x -= 22;
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{HtmlText.Number(x)}\" y1=\"{y}\" x2=\"{HtmlText.Number(x + 18)}\" y2=\"{y}\" stroke=\"{HtmlText.Escape(entry.Color)}\" stroke-width=\"2\"{(entry.Dashed ? " stroke-dasharray=\"5 3\"" : string.Empty)}/>");
            x -= 10;
        }

        svg.Append("</g>");
    }

    private static void Open(StringBuilder svg, string cssClass, double width, double height, string title, IReadOnlyList<KeyValuePair<string, string>> attributes)
    {
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{HtmlText.Escape(cssClass)}\" width=\"{HtmlText.Number(width)}\" height=\"{HtmlText.Number(height)}\" viewBox=\"0 0 {HtmlText.Number(width)} {HtmlText.Number(height)}\" role=\"img\" aria-label=\"{HtmlText.Escape(title)}\" {Font}");
        foreach (var (name, value) in attributes)
        {
            svg.Append(' ').Append(name).Append("=\"").Append(HtmlText.Escape(value)).Append('"');
        }

        svg.Append('>');
    }

    /// <summary>A label cut to a length the layout reserved room for; the full text stays in a tooltip.</summary>
    private static string Label(string text) => text.Length <= MaxLabelCharacters
        ? HtmlText.Escape(text)
        : $"<tspan>{HtmlText.Escape(text[..(MaxLabelCharacters - 1)])}…<title>{HtmlText.Escape(text)}</title></tspan>";

    private static int LongestLabel(IReadOnlyList<string> labels)
    {
        var longest = 0;
        foreach (var label in labels)
        {
            longest = Math.Max(longest, Math.Min(label.Length, MaxLabelCharacters));
        }

        return longest;
    }

    /// <summary>White at 0 through a mid blue to a dark blue at 1, legible at every step in colour and grey.</summary>
    private static string Shade(double share)
    {
        share = Math.Clamp(share, 0, 1);
        (double R, double G, double B) light = (247, 251, 255), middle = (107, 174, 214), dark = (8, 48, 107);
        var (from, to, t) = share < 0.5 ? (light, middle, share * 2) : (middle, dark, (share - 0.5) * 2);
        var r = (int)Math.Round(from.R + ((to.R - from.R) * t));
        var g = (int)Math.Round(from.G + ((to.G - from.G) * t));
        var b = (int)Math.Round(from.B + ((to.B - from.B) * t));
        return string.Create(CultureInfo.InvariantCulture, $"#{r:x2}{g:x2}{b:x2}");
    }
}
