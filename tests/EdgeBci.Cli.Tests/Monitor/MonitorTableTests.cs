using System.Text.RegularExpressions;
using EdgeBci.Cli.Monitor;
using Spectre.Console;
using Spectre.Console.Rendering;
using static EdgeBci.Cli.Tests.Monitor.UnitJson;

namespace EdgeBci.Cli.Tests.Monitor;

public class MonitorTableTests
{
    private const string Red = "\u001b[38;5;9m";
    private const string Green = "\u001b[38;5;2m";
    private const string Yellow = "\u001b[38;5;11m";

    private static string RenderInColour(IRenderable renderable)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.EightBit,
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 400;
        console.Write(renderable);
        return writer.ToString();
    }

    private static string LineOf(string rendered, string deviceId) =>
        rendered.Split('\n').Single(line => Regex.Replace(line, "\u001b\\[[0-9;]*m", string.Empty).TrimStart().StartsWith(deviceId + " ", StringComparison.Ordinal));

    [Test]
    public void The_live_table_shows_safestop_and_offline_in_red_active_in_green_and_stale_in_yellow()
    {
        var board = new MonitorBoard();
        board.Apply("edgebci/v1/unit-active/telemetry", Bytes(TelemetryDocument("unit-active")), Start);
        board.Apply("edgebci/v1/unit-stop/telemetry", Bytes(TelemetryDocument("unit-stop", state: "SafeStop", intent: null)), Start);
        board.Apply("edgebci/v1/unit-gone/status", Bytes(Status("unit-gone", online: false)), Start);
        board.Apply("edgebci/v1/unit-late/telemetry", Bytes(TelemetryDocument("unit-late")), Start.AddSeconds(-10));
        var unitEvent = board.Apply("edgebci/v1/unit-stop/events", Bytes(Event("unit-stop", 1, "Armed -> SafeStop")), Start);

        var rendered = RenderInColour(MonitorTable.Live("header", null, board.Snapshot(Start), [unitEvent!], 400));

        Assert.That(LineOf(rendered, "unit-active"), Does.Contain(Green + "Active turn-left"));
        Assert.That(LineOf(rendered, "unit-stop"), Does.Contain(Red + "SafeStop"));
        Assert.That(LineOf(rendered, "unit-gone"), Does.Contain(Red + "offline"));
        Assert.That(LineOf(rendered, "unit-late"), Does.Contain(Yellow + "stale 10s"));
        Assert.That(rendered, Does.Contain("events:").And.Contain("unit-stop supervisor warning: Armed -> SafeStop"));
    }

    [Test]
    public void Markup_characters_from_a_unit_are_shown_as_text_not_read_as_styles()
    {
        var board = new MonitorBoard();
        board.Apply("edgebci/v1/unit-1/telemetry", Bytes(TelemetryDocument("unit-1", state: "[red]Odd[/]")), Start);
        var rendered = RenderInColour(MonitorTable.Live("header [x]", null, board.Snapshot(Start), null, 400));
        Assert.That(rendered, Does.Contain("[red]Odd[/]").And.Contain("header [x]"));
    }
}
