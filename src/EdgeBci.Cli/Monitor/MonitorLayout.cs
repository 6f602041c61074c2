using Spectre.Console.Rendering;

namespace EdgeBci.Cli.Monitor;

/// <summary>One shown column of the live table and its width in terminal cells.</summary>
internal readonly record struct PlacedColumn(int Column, int Width);

/// <summary>
/// Which columns the live table shows on a terminal of a given width, and how wide each one is. Worked out here rather
/// than left to Spectre, which squeezes every column of a table too wide for the terminal until titles are one letter
/// and values wrap a few letters a line: here a narrower terminal drops whole columns, least important first.
/// </summary>
internal static class MonitorLayout
{
    /// <summary>
    /// The table's width for the given column widths: Spectre's simple border with one cell of right padding puts one
    /// blank edge cell at each end, one padding cell after each column and one separator cell between columns.
    /// </summary>
    public static int TableWidth(int columns, int sumOfWidths) => columns == 0 ? 0 : sumOfWidths + (2 * columns) + 1;

    /// <summary>
    /// The columns to show, left to right, for a terminal <paramref name="consoleWidth"/> cells wide and the cell
    /// texts of the rows (one array per unit, indexed as <see cref="MonitorColumns.All"/>). Which columns are shown
    /// depends on the width alone; how far the shown ones widen past their minimum depends on the values.
    /// </summary>
    public static IReadOnlyList<PlacedColumn> For(int consoleWidth, IReadOnlyList<string[]> rows)
    {
        var widths = new int[MonitorColumns.All.Length];
        var shown = 0;
        var sum = 0;
        foreach (var column in MonitorColumns.ByPriority)
        {
            var minimum = MonitorColumns.All[column].MinWidth;
            if (shown >= MonitorColumns.AlwaysShown && TableWidth(shown + 1, sum + minimum) > consoleWidth)
            {
                // Stop at the first column that does not fit, so a wider terminal always shows what a narrower one does.
                break;
            }

            widths[column] = minimum;
            shown++;
            sum += minimum;
        }

        var spare = consoleWidth - TableWidth(shown, sum);
        if (spare < 0)
        {
            Narrow(widths, -spare);
        }
        else
        {
            Widen(widths, rows, spare);
        }

        var placed = new List<PlacedColumn>(shown);
        for (var column = 0; column < widths.Length; column++)
        {
            if (widths[column] > 0)
            {
                placed.Add(new PlacedColumn(column, widths[column]));
            }
        }

        return placed;
    }

    /// <summary>The width of a text in terminal cells (a CJK character takes two), as Spectre will draw it.</summary>
    public static int CellWidth(string text) => new Segment(text).CellCount();

    /// <summary>The text in at most <paramref name="width"/> cells on one line: cut with an ellipsis when longer.</summary>
    public static string Fit(string text, int width)
    {
        if (CellWidth(text) <= width)
        {
            return text;
        }

        return width <= 1 ? new string('…', Math.Max(0, width)) : (Segment.Truncate(new Segment(text), width - 1)?.Text ?? string.Empty) + "…";
    }

    /// <summary>Gives the spare width to the shown columns in priority order, each up to the width its longest value wants.</summary>
    private static void Widen(int[] widths, IReadOnlyList<string[]> rows, int spare)
    {
        foreach (var column in MonitorColumns.ByPriority)
        {
            if (spare == 0)
            {
                return;
            }

            if (widths[column] == 0)
            {
                continue;
            }

            var wanted = widths[column];
            foreach (var cells in rows)
            {
                wanted = Math.Max(wanted, CellWidth(cells[column]));
            }

            var grow = Math.Min(spare, Math.Min(wanted, MonitorColumns.All[column].MaxWidth) - widths[column]);
            widths[column] += grow;
            spare -= grow;
        }
    }

    /// <summary>
    /// Below the always-shown columns' minimum total, narrows them, least important first, down to their titles' length;
    /// under that (about 30 cells) the table is wider than the terminal.
    /// </summary>
    private static void Narrow(int[] widths, int excess)
    {
        for (var rank = MonitorColumns.AlwaysShown - 1; rank >= 0 && excess > 0; rank--)
        {
            var column = MonitorColumns.ByPriority[rank];
            var shrink = Math.Min(excess, widths[column] - MonitorColumns.All[column].Title.Length);
            widths[column] -= shrink;
            excess -= shrink;
        }
    }
}
