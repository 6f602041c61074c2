using System.CommandLine;
using System.Globalization;
using EdgeBci.Web.Pairing;
using EdgeBci.Web.Store;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci pair</c>: prints a one-time code that pairs a browser with the unit's page (typed into the page's pairing
/// screen); <c>--list</c> shows the paired browsers, <c>--revoke-all</c> unpairs them all. Run on the unit itself: only
/// someone with the unit in hand can let a browser in. It works on the camp database directly, beside a running firmware
/// or without one. Exit 0 done, 2 bad options or a database that cannot be used (named), 3 the file cannot be written.
/// </summary>
internal static class PairCommand
{
    /// <summary>Where <c>make run</c> serves the page; a unit bound beyond loopback has its own https address.</summary>
    public const string MakeRunPage = "http://127.0.0.1:8080";

    public static Command Create(IAnsiConsole output)
    {
        var database = new Option<FileInfo?>("--database")
        {
            Description = $"The camp database (the firmware's Web:DatabasePath); default {CampDatabase.UnitFolder}/camp/{CampDatabase.FileName} when that folder can be written, else <temp>/edgebci-camp/{CampDatabase.FileName}.",
        };
        var list = new Option<bool>("--list") { Description = "List the paired browsers (and whether a code is waiting) instead of issuing a code." };
        var revokeAll = new Option<bool>("--revoke-all") { Description = "Unpair every browser and cancel the waiting code instead of issuing a code." };
        var command = new Command("pair", "Prints a one-time code to pair a browser with the unit's page; --list shows paired browsers, --revoke-all unpairs them all.");
        command.Options.Add(database);
        command.Options.Add(list);
        command.Options.Add(revokeAll);
        command.SetAction(parse => EdgeBciCommand.Guard(output, () =>
            Run(output, CampDatabase.DefaultPath(parse.GetValue(database)?.FullName), parse.GetValue(list), parse.GetValue(revokeAll))));
        return command;
    }

    private static int Run(IAnsiConsole output, string path, bool list, bool revokeAll)
    {
        if (list && revokeAll)
        {
            throw new ArgumentException("--list and --revoke-all: give one of them (or neither, to issue a code).");
        }

        CampDatabase database;
        try
        {
            database = CampDatabase.Open(path);
        }
        catch (CampDatabaseException exception)
        {
            EdgeBciCommand.Error(output, exception.Message);
            return EdgeBciCommand.BadInput;
        }

        using (database)
        {
            var pairing = new PairingService(database, TimeProvider.System, new PairingOptions());
            if (list)
            {
                List(output, pairing, path);
            }
            else if (revokeAll)
            {
                var revoked = pairing.RevokeAll();
                output.MarkupLine($"[green]unpaired[/] {revoked} browser{(revoked == 1 ? "" : "s")}; a code that was waiting no longer works ({Markup.Escape(path)}).");
            }
            else
            {
                var issued = pairing.Issue($"edgebci pair ({Environment.UserName})");
                var minutes = (int)Math.Round((issued.Expires - DateTimeOffset.UtcNow).TotalMinutes);
                output.MarkupLine($"pairing code: [bold]{issued.Code}[/]");
                output.MarkupLine($"valid until {Time(issued.Expires)} (in {minutes} minutes), once; a new code replaces it.");
                output.MarkupLine($"Open the unit's page ({MakeRunPage} in make run) and enter the code.");
            }
        }

        return EdgeBciCommand.Success;
    }

    private static void List(IAnsiConsole output, PairingService pairing, string path)
    {
        var sessions = pairing.List();
        output.MarkupLine($"{sessions.Count} paired browser{(sessions.Count == 1 ? "" : "s")} ({Markup.Escape(path)})");
        foreach (var session in sessions)
        {
            output.MarkupLine($"  #{session.Id} {Markup.Escape(session.Remote)}: paired {Time(session.Created)}, last seen {Time(session.LastSeen)}, expires {Time(session.Expires)}");
        }

        output.MarkupLine(pairing.OpenCodeExpires() is { } expires ? $"a code is waiting until {Time(expires)}" : "no code is waiting");
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
