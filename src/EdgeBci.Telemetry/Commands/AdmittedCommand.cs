using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Commands;

/// <summary>Which path a command takes once it is valid.</summary>
public enum CommandLane
{
    /// <summary>Stop and disarm: handed to the supervisor where they are received, ahead of anything queued.</summary>
    Immediate,

    /// <summary>Everything else: one bounded queue, one worker, one command at a time, rate-limited.</summary>
    Queued,
}

/// <summary>A command that passed every check of <see cref="CommandDispatcher.Admit(string, System.Buffers.ReadOnlySequence{byte}, string?, long)"/>; run it with <see cref="CommandDispatcher.RunAsync"/>.</summary>
public sealed class AdmittedCommand
{
    internal AdmittedCommand(CommandRequest request, CommandLane lane, AsyncCommandHandler handler)
    {
        Request = request;
        Lane = lane;
        Handler = handler;
    }

    public CommandRequest Request { get; }

    public string Name => Request.Name;

    public CommandLane Lane { get; }

    internal AsyncCommandHandler Handler { get; }
}

/// <summary>The verdict of the checks: either an admitted command or the refusal to answer.</summary>
public readonly record struct CommandAdmission(AdmittedCommand? Command, CommandResult? Refusal)
{
    public bool IsAdmitted => Command is not null;
}
