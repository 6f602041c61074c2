using System.CommandLine;
using System.Threading.Channels;
using Spectre.Console;

namespace EdgeBci.Cli.Monitor;

/// <summary><c>edgebci monitor</c>: a live table of the units on a broker, their state and signal quality, for the engineer in the field.</summary>
internal static class MonitorCommand
{
    private static readonly TimeSpan RedrawEvery = TimeSpan.FromSeconds(1);
    private const int RecentEventsShown = 8;

    public static Command Create(IAnsiConsole output, TimeProvider? timeProvider = null)
    {
        var time = timeProvider ?? TimeProvider.System;
        var broker = new Option<string>("--broker") { Description = "The MQTT broker: host, host:port, mqtt://host:port or mqtts://host:port (TLS).", Required = true };
        var device = new Option<string?>("--device") { Description = "Show this unit only (default: every unit under edgebci/v1/+/)." };
        var ca = new Option<FileInfo?>("--ca") { Description = "PEM file of the authorities the broker's certificate must chain to (turns TLS on)." };
        var cert = new Option<FileInfo?>("--cert") { Description = "PEM client certificate for brokers that want one (with --key; turns TLS on)." };
        var key = new Option<FileInfo?>("--key") { Description = "PEM private key of --cert." };
        var username = new Option<string?>("--username") { Description = $"MQTT user name (with --credentials: the identity to take from the file, default {MonitorSettings.DefaultIdentity})." };
        var credentials = new Option<FileInfo?>("--credentials")
        {
            Description = $"The embedded broker's credentials file (JSON, written by the firmware); default: {MonitorSettings.UnitCredentialsFile} when --broker is a loopback address and the file exists.",
        };
        var password = new Option<string?>("--password") { Description = $"MQTT password (default: the {MonitorSettings.PasswordVariable} environment variable)." };
        var seconds = new Option<double?>("--seconds") { Description = "Exit after this many seconds of watching (default: until Ctrl+C)." };
        var plain = new Option<bool>("--plain") { Description = "No live redraw: print the table once a second as plain lines, for logs and scripts." };
        var events = new Option<bool>("--events") { Description = "Also print each unit event as it arrives." };
        var command = new Command("monitor", "Live table of the units on an MQTT broker: link, supervisor state, decision, signal quality, decoder latency, load, last event. " + ColumnsHelp());
        foreach (var option in new Option[] { broker, device, ca, cert, key, username, password, credentials, seconds, plain, events })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancel) =>
        {
            MonitorSettings settings;
            try
            {
                settings = MonitorSettings.Create(
                    parse.GetValue(broker)!,
                    parse.GetValue(device),
                    parse.GetValue(ca),
                    parse.GetValue(cert),
                    parse.GetValue(key),
                    parse.GetValue(username),
                    parse.GetValue(password),
                    parse.GetValue(seconds),
                    parse.GetValue(plain),
                    parse.GetValue(events),
                    parse.GetValue(credentials));
            }
            catch (ArgumentException exception)
            {
                EdgeBciCommand.Error(output, exception.Message);
                return EdgeBciCommand.BadInput;
            }

            using (settings)
            {
                return await RunAsync(output, settings, time, cancel);
            }
        });
        return command;
    }

    /// <summary>The columns' priority for --help, from the list the layout uses, so the help cannot drift from the table.</summary>
    private static string ColumnsHelp()
    {
        var titles = new string[MonitorColumns.ByPriority.Length];
        for (var rank = 0; rank < titles.Length; rank++)
        {
            titles[rank] = MonitorColumns.All[MonitorColumns.ByPriority[rank]].Title;
        }

        var shown = string.Join("; ", Array.ConvertAll<int, string>([80, 120, 160, 220], width => $"{width} wide: the first {MonitorLayout.For(width, []).Count}"));
        return $"The live table fits the terminal, one line a unit, taking columns from the front of this list while they fit ({shown}): {string.Join(", ", titles)}. A longer value is cut with '…'; --plain prints it whole.";
    }

    private static async Task<int> RunAsync(IAnsiConsole output, MonitorSettings settings, TimeProvider time, CancellationToken cancel)
    {
        var board = new MonitorBoard(settings.DeviceFilter);

        // Bounded and dropping the oldest: a burst of events never holds up the MQTT client behind the screen.
        var arrived = Channel.CreateBounded<UnitEvent>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        await using var connection = new BrokerConnection(settings, board, time, unitEvent => arrived.Writer.TryWrite(unitEvent));
        try
        {
            await connection.ConnectAsync(cancel);
        }
        catch (BrokerConnectionException exception)
        {
            EdgeBciCommand.Error(output, exception.Message);
            return EdgeBciCommand.HardwareError;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return EdgeBciCommand.Success;
        }

        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (settings.Duration is { } duration)
        {
            watching.CancelAfter(duration);
        }

        var screen = new Screen(output, settings, board, connection, time);

        // A console that is not a terminal (a pipe, a log, a test) cannot redraw in place; it gets the plain lines.
        if (settings.Plain || !output.Profile.Out.IsTerminal || !output.Profile.Capabilities.Interactive)
        {
            await screen.RunPlainAsync(arrived.Reader, watching.Token);
        }
        else
        {
            await screen.RunLiveAsync(arrived.Reader, watching.Token);
        }

        return EdgeBciCommand.Success;
    }

    private sealed class Screen(IAnsiConsole output, MonitorSettings settings, MonitorBoard board, BrokerConnection connection, TimeProvider time)
    {
        private readonly Queue<UnitEvent> recentEvents = new();

        public async Task RunPlainAsync(ChannelReader<UnitEvent> arrived, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                await WaitAsync(arrived, stop, unitEvent => PlainLine("event " + unitEvent.ToLine()));
                WritePlain();
            }
        }

        public async Task RunLiveAsync(ChannelReader<UnitEvent> arrived, CancellationToken stop)
        {
            await output.Live(Render()).StartAsync(async context =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await WaitAsync(arrived, stop, Remember);
                    context.UpdateTarget(Render());
                    context.Refresh();
                }
            });
        }

        private void WritePlain()
        {
            var now = time.GetUtcNow();
            var rows = board.Snapshot(now);
            PlainLine(MonitorTable.Header(settings.Broker.ToString(), connection.State, rows.Count, now) + UnattributedNote());
            foreach (var line in MonitorTable.PlainLines(rows))
            {
                PlainLine(line);
            }

            PlainLine(string.Empty);
        }

        /// <summary>Straight to the output, bypassing Spectre's wrapping at the console width, so a log keeps one unit a line.</summary>
        private void PlainLine(string line)
        {
            var writer = output.Profile.Out.Writer;
            writer.WriteLine(line);
            writer.Flush();
        }

        /// <summary>The live screen for the terminal's width now, so a resized window gets a new layout at the next redraw.</summary>
        private Spectre.Console.Rendering.IRenderable Render()
        {
            var now = time.GetUtcNow();
            var rows = board.Snapshot(now);
            var width = output.Profile.Width;
            var header = MonitorTable.LiveHeader(settings.Broker.ToString(), connection.State, rows.Count, now, width);
            var note = UnattributedNote();
            return MonitorTable.Live(header, note.Length == 0 ? null : note.TrimStart(), rows, settings.PrintEvents ? recentEvents : null, width);
        }

        private string UnattributedNote() => board.UnattributedBadMessages == 0
            ? string.Empty
            : $"  ({board.UnattributedBadMessages} message(s) on topics with a bad device id, last: {board.LastUnattributedError})";

        private void Remember(UnitEvent unitEvent)
        {
            recentEvents.Enqueue(unitEvent);
            if (recentEvents.Count > RecentEventsShown)
            {
                recentEvents.Dequeue();
            }
        }

        /// <summary>Waits one redraw period (or until stopped), handing on each event the moment it arrives.</summary>
        private async Task WaitAsync(ChannelReader<UnitEvent> arrived, CancellationToken stop, Action<UnitEvent> show)
        {
            using var period = CancellationTokenSource.CreateLinkedTokenSource(stop);
            period.CancelAfter(RedrawEvery);
            try
            {
                while (await arrived.WaitToReadAsync(period.Token))
                {
                    while (arrived.TryRead(out var unitEvent))
                    {
                        if (settings.PrintEvents)
                        {
                            show(unitEvent);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (period.IsCancellationRequested)
            {
                // The period is over (or the monitor is stopping): time to redraw.
            }
        }
    }
}
