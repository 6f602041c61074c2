using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeBci.Cli.Monitor;

/// <summary>Turns the board's rows into text: one cell text per column, then either fixed-width lines or a live table.</summary>
internal static class MonitorTable
{
    public static string Header(string broker, string connectionState, int units, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"edgebci monitor  {now.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  broker {broker}: {connectionState}  units: {units}");

    /// <summary>
    /// The plain table: every column starts at a fixed place so scripts can cut it; a value wider than its column
    /// pushes the rest of its line right rather than being cut, because a cut device id could name another unit.
    /// </summary>
    public static IEnumerable<string> PlainLines(IReadOnlyList<UnitView> rows)
    {
        var line = new StringBuilder();
        foreach (var column in MonitorColumns.All)
        {
            Pad(line, column.Title, column.PlainWidth);
        }

        yield return line.ToString().TrimEnd();
        foreach (var row in rows)
        {
            line.Clear();
            var cells = Cells(row);
            for (var column = 0; column < cells.Length; column++)
            {
                Pad(line, cells[column], MonitorColumns.All[column].PlainWidth);
            }

            yield return line.ToString().TrimEnd();
        }

        foreach (var problem in Problems(rows))
        {
            yield return problem;
        }
    }

    /// <summary>
    /// The header of the live table in <paramref name="width"/> cells: without the date when the whole header does
    /// not fit, and cut with an ellipsis when even that does not (a long reconnect reason).
    /// </summary>
    public static string LiveHeader(string broker, string connectionState, int units, DateTimeOffset now, int width)
    {
        var header = Header(broker, connectionState, units, now);
        if (MonitorLayout.CellWidth(header) > width)
        {
            header = string.Create(CultureInfo.InvariantCulture, $"edgebci monitor  {now.UtcDateTime:HH:mm:ss}Z  units: {units}  broker {broker}: {connectionState}");
        }

        return MonitorLayout.Fit(header, width);
    }

    /// <summary>
    /// The live table for a terminal <paramref name="width"/> cells wide, with SafeStop and offline in red, Active in
    /// green and stale units in yellow. Every unit takes exactly one line: the columns that do not fit are left out
    /// (<see cref="MonitorLayout"/>) and a value longer than its column is cut with an ellipsis, never wrapped.
    /// </summary>
    public static IRenderable Live(string header, string? note, IReadOnlyList<UnitView> rows, IReadOnlyCollection<UnitEvent>? recentEvents, int width)
    {
        var cellsOfRows = new List<string[]>(rows.Count);
        foreach (var row in rows)
        {
            cellsOfRows.Add(Cells(row));
        }

        var layout = MonitorLayout.For(width, cellsOfRows);
        var table = new Table().Border(TableBorder.Simple);
        foreach (var (column, columnWidth) in layout)
        {
            var title = new Text(MonitorLayout.Fit(MonitorColumns.All[column].Title, columnWidth)) { Overflow = Overflow.Ellipsis };
            table.AddColumn(new TableColumn(title).Width(columnWidth).NoWrap().Padding(0, 0, 1, 0));
        }

        for (var index = 0; index < rows.Count; index++)
        {
            var row = new IRenderable[layout.Count];
            for (var shown = 0; shown < layout.Count; shown++)
            {
                var (column, columnWidth) = layout[shown];
                row[shown] = new Text(MonitorLayout.Fit(cellsOfRows[index][column], columnWidth), StyleOf(rows[index], column)) { Overflow = Overflow.Ellipsis };
            }

            table.AddRow(row);
        }

        // The header and the table never wrap; the lines under them (contract problems, recent events) do, so that
        // the full text of a problem or an event is on the screen however narrow it is.
        var parts = new List<IRenderable> { new Text(MonitorLayout.Fit(header, width)) { Overflow = Overflow.Ellipsis } };
        if (note is not null)
        {
            parts.Add(new Text(OneLine(note), new Style(Color.Red)));
        }

        parts.Add(table);
        foreach (var problem in Problems(rows))
        {
            parts.Add(new Text(OneLine(problem), new Style(Color.Red)));
        }

        if (recentEvents is { Count: > 0 })
        {
            parts.Add(new Text("events:"));
            foreach (var unitEvent in recentEvents)
            {
                parts.Add(new Text("  " + OneLine(unitEvent.ToLine())));
            }
        }

        return new Rows(parts);
    }

    public static string LinkText(UnitView row) => row switch
    {
        { Link: UnitLink.Offline } => "offline",
        { Telemetry: null } => row.Link == UnitLink.Online ? "online" : "no status",
        { Stale: true, TelemetryAge: { } age } => string.Create(CultureInfo.InvariantCulture, $"stale {Math.Floor(age.TotalSeconds):0}s"),
        { Link: UnitLink.Online } => "online",
        _ => "no status",
    };

    private static Style StyleOf(UnitView row, int column)
    {
        if (row.Link == UnitLink.Offline)
        {
            return new Style(Color.Red);
        }

        if (row.Stale && row.Telemetry is not null)
        {
            return new Style(Color.Yellow);
        }

        if (column == MonitorColumns.State && row.Telemetry is { } telemetry)
        {
            return telemetry.SupervisorState switch
            {
                "SafeStop" => new Style(Color.Red),
                "Active" => new Style(Color.Green),
                _ => Style.Plain,
            };
        }

        return column == MonitorColumns.Quality && row.Telemetry is { AllChannelsGood: false } ? new Style(Color.Yellow) : Style.Plain;
    }

    /// <summary>The row's text per column, indexed as <see cref="MonitorColumns.All"/>, each on one line.</summary>
    private static string[] Cells(UnitView row)
    {
        var cells = RawCells(row);
        for (var column = 0; column < cells.Length; column++)
        {
            cells[column] = OneLine(cells[column]);
        }

        return cells;
    }

    private static string[] RawCells(UnitView row)
    {
        var status = row.Status;
        var telemetry = row.Telemetry;
        return
        [
            row.DeviceId,
            LinkText(row),

            // Measured on this computer's clock from when the message came, so a unit's clock error does not show.
            row.TelemetryAge is { } age ? Invariant($"{Math.Max(0, age.TotalSeconds):0.0}s") : "-",
            telemetry is null ? "-" : telemetry.Intent is null ? telemetry.SupervisorState : $"{telemetry.SupervisorState} {telemetry.Intent}",
            telemetry?.DecisionClass is { } decision ? Invariant($"{decision} {telemetry.DecisionConfidence:0.00}") : "-",
            telemetry?.Focus is { } focus ? Invariant($"{focus:0.00}") : "-",
            telemetry?.QualitySummary ?? "-",
            telemetry?.RmsRange ?? "-",
            telemetry is null ? "-" : Invariant($"{telemetry.LatencyP99Ms:0.0}{(telemetry.DecoderHealthy ? string.Empty : "!")}"),
            telemetry is null ? "-" : Invariant($"{telemetry.CpuLoad * 100:0}%"),
            telemetry?.CpuTemperatureC is { } temperature ? Invariant($"{temperature:0}C") : "-",
            telemetry is null ? "-" : Invariant($"{telemetry.MemoryBytes / 1e6:0}MB"),
            telemetry is null ? "-" : Invariant($"tel {telemetry.TelemetryDropped} ev {telemetry.EventsDropped}"),
            status?.FirmwareVersion ?? "-",
            status?.Board ?? "-",
            status is null ? "-" : status.ModelId is null ? "none" : $"{status.ModelId} {status.ModelVersion}",
            row.BadMessages.ToString(CultureInfo.InvariantCulture),
            row.LastEvent is { } last ? Invariant($"{last.Time.UtcDateTime:HH:mm:ss}Z {last.Kind} {last.Severity}: {last.Message}") : "-",
        ];
    }

    private static IEnumerable<string> Problems(IReadOnlyList<UnitView> rows)
    {
        foreach (var row in rows)
        {
            if (row.LastError is { } error)
            {
                yield return Invariant($"{row.DeviceId}: {row.BadMessages} bad message(s), last: {error}");
            }
        }
    }

    /// <summary>A line break or other control character a unit sent would break the one-line-a-unit table: a space instead.</summary>
    private static string OneLine(string text)
    {
        foreach (var character in text)
        {
            if (char.IsControl(character))
            {
                return string.Create(text.Length, text, static (line, source) =>
                {
                    for (var i = 0; i < source.Length; i++)
                    {
                        line[i] = char.IsControl(source[i]) ? ' ' : source[i];
                    }
                });
            }
        }

        return text;
    }

    private static void Pad(StringBuilder line, string text, int width)
    {
        line.Append(text);
        line.Append(' ', Math.Max(1, width - text.Length));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
