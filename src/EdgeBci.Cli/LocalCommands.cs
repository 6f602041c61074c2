using System.CommandLine;
using EdgeBci.Control.Local;
using Spectre.Console;

namespace EdgeBci.Cli;

/// <summary>
/// <c>edgebci arm|disarm|stop|state</c>: the local commands, sent to the firmware running on this unit over its
/// command socket. Arming is only ever a local action; the supervisor still checks every precondition itself and the
/// reply says why it refused. Exit code 0 done, 1 refused, 2 not understood, 3 no firmware to talk to.
/// </summary>
internal static class LocalCommands
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(3);

    public static IEnumerable<Command> Create(IAnsiConsole output)
    {
        yield return Create(output, "arm", "Arms the safety supervisor (a local action: only on the unit). Refused, with the reason, unless every precondition holds.");
        yield return Create(output, "disarm", "Disarms the safety supervisor: outputs neutral, decoded intent no longer moves anything.");
        yield return Create(output, "stop", "STOP: the supervisor latches SafeStop and drives the actuator neutral; a fresh 'arm' is needed to move again.");
        yield return Create(output, "state", "Prints the supervisor's state, the actuator's output and the decoder's health.");
    }

    private static Command Create(IAnsiConsole output, string verb, string description)
    {
        var socket = new Option<string?>("--socket")
        {
            Description = $"The firmware's command socket (Control:CommandSocket); default {LocalCommandSocket.UnitPath}, else {LocalCommandSocket.UserPath()}.",
        };
        var command = new Command(verb, description);
        command.Options.Add(socket);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(socket) is { Length: > 0 } configured ? Path.GetFullPath(configured) : DefaultPath();
            LocalReply reply;
            try
            {
                reply = await LocalCommandSocket.SendAsync(path, verb, ReplyTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException exception)
            {
                EdgeBciCommand.Error(output, exception.Message);
                return EdgeBciCommand.HardwareError;
            }

            switch (reply.Kind)
            {
                case LocalReplyKind.Ok:
                    output.MarkupLine($"[green]{Markup.Escape(verb)}[/]: {Markup.Escape(reply.Text)}");
                    return EdgeBciCommand.Success;
                case LocalReplyKind.Refused:
                    output.MarkupLine($"[yellow]{Markup.Escape(verb)} refused[/]: {Markup.Escape(reply.Text)}");
                    return EdgeBciCommand.Failed;
                default:
                    EdgeBciCommand.Error(output, reply.Text);
                    return EdgeBciCommand.BadInput;
            }
        });
        return command;
    }

    /// <summary>The unit's socket when it exists (the firmware as a service), else the user's (a developer's make run).</summary>
    private static string DefaultPath() => File.Exists(LocalCommandSocket.UnitPath) ? LocalCommandSocket.UnitPath : LocalCommandSocket.UserPath();
}
