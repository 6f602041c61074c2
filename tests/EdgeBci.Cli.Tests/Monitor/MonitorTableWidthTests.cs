using System.Text.RegularExpressions;
using EdgeBci.Cli.Monitor;
using Spectre.Console.Testing;
using static EdgeBci.Cli.Tests.Monitor.UnitJson;

namespace EdgeBci.Cli.Tests.Monitor;

/// <summary>The live table drawn on terminals of ordinary widths: every unit one line, every line inside the terminal.</summary>
public class MonitorTableWidthTests
{
    private const string LongDecision = "rejected: C3 railed, C4 lead-off";

    // A line break and a double-width character in a unit's text, as a message from the field can carry them.
    private const string LongEvent = "Armed -> SafeStop DecisionStale: the decision describes data 400.4 ms old (bound 400 ms)\\nwhile the wheelchair was turning right 字 near the ward door, and the supervisor held STOP until the user re-armed";

    private static readonly string[] UnitIds = ["alpha-1", "bravo-rejecting", "charlie-ward-b-bed-17", "delta"];

    /// <summary>The columns the README and --help promise for each width (Monitor/README.md).</summary>
    private static readonly object[] Widths =
    [
        new object[] { 40, new[] { "DEVICE", "LINK", "STATE", "DECISION" } },
        new object[] { 80, new[] { "DEVICE", "LINK", "STATE", "DECISION", "QUALITY" } },
        new object[] { 120, new[] { "DEVICE", "LINK", "STATE", "DECISION", "QUALITY", "P99 ms", "LAST EVENT" } },
        new object[] { 160, new[] { "DEVICE", "LINK", "AGE", "STATE", "DECISION", "FOCUS", "QUALITY", "P99 ms", "CPU", "DROPS", "BAD", "LAST EVENT" } },
        new object[]
        {
            220, new[]
            {
                "DEVICE", "LINK", "AGE", "STATE", "DECISION", "FOCUS", "QUALITY", "RMS uV", "P99 ms", "CPU", "TEMP", "MEM", "DROPS", "FIRMWARE",
                "BOARD", "MODEL", "BAD", "LAST EVENT",
            },
        },
    ];

    private static IReadOnlyList<UnitView> Fleet()
    {
        var board = new MonitorBoard();
        board.Apply("edgebci/v1/alpha-1/status", Bytes(Status("alpha-1", online: true)), Start);
        board.Apply("edgebci/v1/alpha-1/telemetry", Bytes(TelemetryDocument("alpha-1", intent: "turn-right", decisionClass: "turn-right")), Start);
        board.Apply("edgebci/v1/bravo-rejecting/status", Bytes(Status("bravo-rejecting", online: true)), Start);
        board.Apply(
            "edgebci/v1/bravo-rejecting/telemetry",
            Bytes(TelemetryDocument("bravo-rejecting", state: "SafeStop", intent: null, qualities: ["good", "good", "railed", "lead-off", "good", "railed", "good", "lead-off"], decisionClass: LongDecision)),
            Start);
        board.Apply("edgebci/v1/bravo-rejecting/events", Bytes(Event("bravo-rejecting", 1, LongEvent)), Start);
        board.Apply("edgebci/v1/charlie-ward-b-bed-17/telemetry", Bytes(TelemetryDocument("charlie-ward-b-bed-17")), Start.AddSeconds(-10));
        board.Apply("edgebci/v1/delta/status", Bytes(Status("delta", online: false)), Start);
        return board.Snapshot(Start);
    }

    private static IReadOnlyList<string> Draw(int width)
    {
        var rows = Fleet();
        var console = new TestConsole().Width(width).Height(40);
        var header = MonitorTable.LiveHeader("broker.ward-b.hospital.example:8883", "connected", rows.Count, Start, width);
        console.Write(MonitorTable.Live(header, null, rows, null, width));
        return console.Lines;
    }

    [TestCaseSource(nameof(Widths))]
    public void Every_line_fits_the_terminal_and_every_unit_is_one_line_with_the_documented_columns(int width, string[] columns)
    {
        var lines = Draw(width);
        var screen = string.Join('\n', lines);
        TestContext.Out.WriteLine(screen);

        foreach (var line in lines)
        {
            Assert.That(MonitorLayout.CellWidth(line), Is.LessThanOrEqualTo(width), $"wider than {width}: [{line}]\n{screen}");
        }

        var rule = IndexOfRule(lines);
        var titles = Regex.Split(lines[rule - 1].Trim(), " {2,}");
        Assert.That(titles, Is.EqualTo(columns), screen);

        var body = lines.Skip(rule + 1).TakeWhile(line => line.Trim().Length > 0).ToList();
        Assert.That(body, Has.Count.EqualTo(UnitIds.Length), "one line a unit: nothing wrapped\n" + screen);
        for (var unit = 0; unit < UnitIds.Length; unit++)
        {
            Assert.That(body[unit].TrimStart(), Does.StartWith(UnitIds[unit][..5]), screen);
        }

        Assert.That(lines[0], Does.StartWith("edgebci monitor").And.Contain("units: 4"), screen);
    }

    [TestCase(80)]
    [TestCase(120)]
    [TestCase(160)]
    [TestCase(220)]
    public void A_long_decision_and_a_long_event_are_cut_with_an_ellipsis_on_their_line(int width)
    {
        var lines = Draw(width);
        var screen = string.Join('\n', lines);
        var bravo = lines.Single(line => line.TrimStart().StartsWith("bravo", StringComparison.Ordinal)).TrimEnd();

        Assert.That(bravo, Does.Contain("SafeStop").And.Contain("rejected: C3"), screen);
        Assert.That(Regex.IsMatch(bravo, "rejected: C3[^ ]*( [^ ]+)*…"), Is.True, "the decision is cut with an ellipsis\n" + screen);
        if (width >= 120)
        {
            Assert.That(bravo, Does.Contain("01:00:04Z supervisor warning: Armed").And.EndWith("…"), "the event is cut at the line's end\n" + screen);
        }
    }

    [Test]
    public void The_header_drops_the_date_before_it_is_cut_and_keeps_the_unit_count()
    {
        Assert.That(MonitorTable.LiveHeader("127.0.0.1:1883", "connected", 3, Start, 120), Is.EqualTo("edgebci monitor  2026-11-26 01:00:00Z  broker 127.0.0.1:1883: connected  units: 3"));
        Assert.That(MonitorTable.LiveHeader("127.0.0.1:1883", "connected", 3, Start, 80), Is.EqualTo("edgebci monitor  01:00:00Z  units: 3  broker 127.0.0.1:1883: connected"));
        var narrow = MonitorTable.LiveHeader("127.0.0.1:1883", "reconnecting (attempt 7: Connection refused)", 3, Start, 80);
        Assert.That(narrow, Does.StartWith("edgebci monitor  01:00:00Z  units: 3  broker 127.0.0.1:1883: reconnecting").And.EndWith("…"));
        Assert.That(MonitorLayout.CellWidth(narrow), Is.EqualTo(80));
    }

    [Test]
    public void Which_columns_show_depends_on_the_width_alone_and_a_wider_terminal_shows_all_a_narrower_one_does()
    {
        var previous = new HashSet<int>();
        for (var width = 30; width <= 240; width++)
        {
            var shown = MonitorLayout.For(width, []).Select(placed => placed.Column).ToHashSet();
            var withValues = MonitorLayout.For(width, Fleet().Select(_ => Enumerable.Repeat(new string('x', 300), MonitorColumns.All.Length).ToArray()).ToList());
            Assert.That(withValues.Select(placed => placed.Column), Is.EquivalentTo(shown), $"width {width}");
            Assert.That(shown.IsSupersetOf(previous), Is.True, $"width {width}");
            previous = shown;
        }
    }

    [Test]
    public void The_plain_lines_keep_one_unit_a_line_when_a_message_carries_a_line_break()
    {
        var rows = Fleet();
        var lines = MonitorTable.PlainLines(rows).ToList();
        Assert.That(lines, Has.Count.EqualTo(1 + rows.Count), string.Join('\n', lines));
        Assert.That(lines.Single(line => line.StartsWith("bravo", StringComparison.Ordinal)), Does.Contain("(bound 400 ms) while the wheelchair"));
    }

    private static int IndexOfRule(IReadOnlyList<string> lines)
    {
        for (var index = 1; index < lines.Count; index++)
        {
            if (lines[index].Trim().StartsWith('─'))
            {
                return index;
            }
        }

        Assert.Fail("no header rule under the column titles:\n" + string.Join('\n', lines));
        return -1;
    }
}
