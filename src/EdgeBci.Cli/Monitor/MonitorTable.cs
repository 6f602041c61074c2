using System.Globalization;
using System.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace EdgeBci.Cli.Monitor;

/// <summary>Turns the board's rows into text: one cell text per column, then either fixed-width lines or a live table.</summary>
internal static class MonitorTable
{
    private static readonly (string Title, int Width)[] Columns =
    [
        ("DEVICE", 14), ("LINK", 10), ("AGE", 7), ("STATE", 20), ("DECISION", 13), ("FOCUS", 6), ("QUALITY", 24), ("RMS uV", 11),
        ("P99 ms", 7), ("CPU", 5), ("TEMP", 6), ("MEM", 7), ("DROPS", 12), ("FIRMWARE", 9), ("BOARD", 10), ("MODEL", 24),
        ("BAD", 4), ("LAST EVENT", 0),
    ];

    private const int StateColumn = 3;
    private const int QualityColumn = 6;

    public static string Header(string broker, string connectionState, int units, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"edgebci monitor  {now.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z  broker {broker}: {connectionState}  units: {units}");

    /// <summary>
    /// The plain table: every column starts at a fixed place so scripts can cut it; a value wider than its column
    /// pushes the rest of its line right rather than being cut, because a cut device id could name another unit.
    /// </summary>
    public static IEnumerable<string> PlainLines(IReadOnlyList<UnitView> rows)
    {
        var line = new StringBuilder();
        foreach (var (title, width) in Columns)
        {
            Pad(line, title, width);
        }

        yield return line.ToString().TrimEnd();
        foreach (var row in rows)
        {
            line.Clear();
            var cells = Cells(row);
            for (var column = 0; column < Columns.Length; column++)
            {
                Pad(line, cells[column], Columns[column].Width);
            }

            yield return line.ToString().TrimEnd();
        }

        foreach (var problem in Problems(rows))
        {
            yield return problem;
        }
    }

    /// <summary>The live table, with SafeStop and offline in red, Active in green and stale units in yellow.</summary>
    public static IRenderable Live(string header, IReadOnlyList<UnitView> rows, IReadOnlyCollection<UnitEvent>? recentEvents)
    {
        var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape(header));
        foreach (var (title, _) in Columns)
        {
            table.AddColumn(new TableColumn(Markup.Escape(title)).NoWrap());
        }

        foreach (var row in rows)
        {
            var cells = Cells(row);
            var markup = new IRenderable[cells.Length];
            for (var column = 0; column < cells.Length; column++)
            {
                markup[column] = new Markup(Markup.Escape(cells[column]), StyleOf(row, column));
            }

            table.AddRow(markup);
        }

        var parts = new List<IRenderable> { table };
        foreach (var problem in Problems(rows))
        {
            parts.Add(new Markup(Markup.Escape(problem), new Style(Color.Red)));
        }

        if (recentEvents is { Count: > 0 })
        {
            parts.Add(new Text("events:"));
            foreach (var unitEvent in recentEvents)
            {
                parts.Add(new Text("  " + unitEvent.ToLine()));
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

        if (column == StateColumn && row.Telemetry is { } telemetry)
        {
            return telemetry.SupervisorState switch
            {
                "SafeStop" => new Style(Color.Red),
                "Active" => new Style(Color.Green),
                _ => Style.Plain,
            };
        }

        return column == QualityColumn && row.Telemetry is { AllChannelsGood: false } ? new Style(Color.Yellow) : Style.Plain;
    }

    private static string[] Cells(UnitView row)
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

    private static void Pad(StringBuilder line, string text, int width)
    {
        line.Append(text);
        line.Append(' ', Math.Max(1, width - text.Length));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
