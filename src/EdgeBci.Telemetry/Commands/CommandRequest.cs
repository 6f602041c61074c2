using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Commands;

/// <summary>A validated command as a handler sees it. <see cref="Args"/> is always a JSON object (empty when none).</summary>
public sealed record CommandRequest(string Name, string? Sender, JsonElement Args, DateTimeOffset ReceivedAt)
{
    /// <summary>
    /// When the message reached the unit, as a <see cref="TimeProvider.GetTimestamp"/> of the dispatcher's clock (0 when
    /// not known), so a handler can state how long after that it acted.
    /// </summary>
    public long ReceivedTimestamp { get; init; }
}

/// <summary>What a handler answers: a result, or a failure with a contract error code.</summary>
public sealed class CommandOutcome
{
    private CommandOutcome(bool ok, JsonNode? result, CommandError? error)
    {
        IsOk = ok;
        Result = result;
        Error = error;
    }

    public bool IsOk { get; }

    public JsonNode? Result { get; }

    public CommandError? Error { get; }

    public static CommandOutcome Ok() => new(true, null, null);

    public static CommandOutcome Ok(JsonNode? result) => new(true, result, null);

    public static CommandOutcome Ok(IReadOnlyDictionary<string, string>? result)
    {
        if (result is null)
        {
            return Ok();
        }

        var node = new JsonObject();
        foreach (var (key, value) in result)
        {
            node[key] = value;
        }

        return new(true, node, null);
    }

    public static CommandOutcome Fail(string code, string message)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        ArgumentException.ThrowIfNullOrEmpty(message);
        return new(false, null, new CommandError(code, message));
    }
}

/// <summary>A handler that answers at once (it may still throw <see cref="CommandArgumentException"/>).</summary>
public delegate CommandOutcome CommandHandler(CommandRequest request);

/// <summary>A handler whose answer comes later (stop and disarm: what the supervisor did at its next tick).</summary>
public delegate Task<CommandOutcome> AsyncCommandHandler(CommandRequest request);

/// <summary>
/// A command's argument check, run where the command is received, before it is queued or handed over: it throws
/// <see cref="CommandArgumentException"/> naming the JSON path of what is wrong.
/// </summary>
public delegate void CommandArgumentCheck(JsonElement args);

/// <summary>A handler's complaint about its arguments; the dispatcher answers it as <c>bad-arguments</c>.</summary>
public sealed class CommandArgumentException : Exception
{
    public CommandArgumentException()
    {
    }

    public CommandArgumentException(string message) : base(message)
    {
    }

    public CommandArgumentException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
