using System.Buffers;
using System.Text.Json;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Commands;

/// <summary>
/// Validates remote commands and runs them, as two separate steps. <see cref="Admit(string, ReadOnlySequence{byte}, string?, long)"/>
/// checks, in order: size (too big is refused unread), name in the fixed allow-list, enabled in configuration, sender
/// allowed, payload is a JSON object whose only member is an optional object <c>args</c>, then the command's own
/// argument check; it never runs a handler. <see cref="RunAsync"/> runs an admitted command's handler; nothing thrown
/// by a handler escapes: it becomes <c>failed</c> (or <c>bad-arguments</c>). Where each runs (the receive thread for
/// stop and disarm, one queued worker for the rest) is the caller's choice, by <see cref="AdmittedCommand.Lane"/>.
/// </summary>
public sealed class CommandDispatcher
{
    private readonly Dictionary<string, Registration> _handlers = new(StringComparer.Ordinal);
    private readonly MqttOptions _options;
    private readonly string _deviceId;
    private readonly TimeProvider _time;
    private readonly JsonElement _emptyArgs;

    public CommandDispatcher(MqttOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _deviceId = options.ResolveDeviceId();
        _time = time ?? TimeProvider.System;
        using var empty = JsonDocument.Parse("{}");
        _emptyArgs = empty.RootElement.Clone();
    }

    /// <summary>The clock the dispatcher stamps requests with (the intake stamps arrival with the same one).</summary>
    public TimeProvider Time => _time;

    /// <summary>Stop and disarm reach the supervisor where they are received; every other command is queued.</summary>
    public static CommandLane LaneOf(string name) =>
        name is CommandNames.Stop or CommandNames.Disarm ? CommandLane.Immediate : CommandLane.Queued;

    /// <summary>Registers a handler that checks its own arguments when it runs (so a bad argument is found only then).</summary>
    public void Register(string name, CommandHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Add(name, null, request => Task.FromResult(handler(request)));
    }

    /// <summary>Registers a handler whose arguments are checked by <paramref name="check"/> before it is queued or handed over.</summary>
    public void Register(string name, CommandArgumentCheck check, CommandHandler handler)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(handler);
        Add(name, check, request => Task.FromResult(handler(request)));
    }

    /// <summary>Registers a handler that answers later, its arguments checked by <paramref name="check"/> first.</summary>
    public void Register(string name, CommandArgumentCheck check, AsyncCommandHandler handler)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(handler);
        Add(name, check, handler);
    }

    /// <summary>Checks and runs in one call: for callers without lanes (tools, tests, the fuzz tests' oracle).</summary>
    public CommandResult Dispatch(string topic, ReadOnlySequence<byte> payload, string? sender)
    {
        var admission = Admit(topic, payload, sender, _time.GetTimestamp());
        return admission.Command is { } command ? RunAsync(command).GetAwaiter().GetResult() : admission.Refusal!;
    }

    /// <inheritdoc cref="Dispatch(string, ReadOnlySequence{byte}, string?)"/>
    public CommandResult Dispatch(string topic, ReadOnlySpan<byte> payload, string? sender)
    {
        var admission = Admit(topic, payload, sender, _time.GetTimestamp());
        return admission.Command is { } command ? RunAsync(command).GetAwaiter().GetResult() : admission.Refusal!;
    }

    /// <summary>Every check, no handler. <paramref name="receivedTimestamp"/> is when the message reached the unit (<see cref="Time"/>).</summary>
    public CommandAdmission Admit(string topic, ReadOnlySequence<byte> payload, string? sender, long receivedTimestamp)
    {
        if (payload.Length > _options.MaxCommandBytes)
        {
            return Refuse(NameOf(topic), CommandErrorCodes.TooLarge, $"payload is {payload.Length} bytes; at most {_options.MaxCommandBytes} are accepted");
        }

        return payload.IsSingleSegment ? Admit(topic, payload.FirstSpan, sender, receivedTimestamp) : Admit(topic, payload.ToArray(), sender, receivedTimestamp);
    }

    /// <inheritdoc cref="Admit(string, ReadOnlySequence{byte}, string?, long)"/>
    public CommandAdmission Admit(string topic, ReadOnlySpan<byte> payload, string? sender, long receivedTimestamp)
    {
        var name = NameOf(topic);
        if (payload.Length > _options.MaxCommandBytes)
        {
            return Refuse(name, CommandErrorCodes.TooLarge, $"payload is {payload.Length} bytes; at most {_options.MaxCommandBytes} are accepted");
        }

        if (!MqttTopics.TryParseCommand(topic, out var deviceId, out _) || !string.Equals(deviceId, _deviceId, StringComparison.Ordinal))
        {
            return Refuse(name, CommandErrorCodes.UnknownCommand, $"topic '{Printable(topic)}' is not {MqttTopics.Command(_deviceId, "<name>")}");
        }

        if (!CommandNames.IsKnown(name))
        {
            return Refuse(name, CommandErrorCodes.UnknownCommand, $"'{Printable(name)}' is not a command; commands are {string.Join(", ", CommandNames.All)}");
        }

        var permission = _options.PermissionFor(name);
        if (!permission.Enabled)
        {
            return Refuse(name, CommandErrorCodes.Disabled, $"'{name}' is disabled by {MqttOptions.SectionName}:Commands:{name}:Enabled");
        }

        var allowed = permission.AllowedSenders ?? [];
        if (allowed.Length > 0 && (sender is null || Array.IndexOf(allowed, sender) < 0))
        {
            return Refuse(name, CommandErrorCodes.NotAuthorised,
                sender is null
                    ? $"'{name}' needs a sender identity (user property \"sender\") listed in {MqttOptions.SectionName}:Commands:{name}:AllowedSenders"
                    : $"sender '{Printable(sender)}' is not in {MqttOptions.SectionName}:Commands:{name}:AllowedSenders");
        }

        Registration? registration;
        lock (_handlers)
        {
            _handlers.TryGetValue(name, out registration);
        }

        if (registration is null)
        {
            return Refuse(name, CommandErrorCodes.Disabled, $"'{name}' has no handler on this unit");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            return Refuse(name, CommandErrorCodes.BadJson,
                $"payload is not JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {FirstSentence(ex.Message)}; send a JSON object such as {{}} or {{\"args\":{{...}}}}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Refuse(name, CommandErrorCodes.BadJson, $"$ is a JSON {Kind(root.ValueKind)}; send an object such as {{}} or {{\"args\":{{...}}}}");
            }

            var args = _emptyArgs;
            foreach (var property in root.EnumerateObject())
            {
                if (!string.Equals(property.Name, "args", StringComparison.Ordinal))
                {
                    return Refuse(name, CommandErrorCodes.BadArguments, $"$.{Printable(property.Name)} is not allowed; the only member is \"args\"");
                }

                if (property.Value.ValueKind != JsonValueKind.Object)
                {
                    return Refuse(name, CommandErrorCodes.BadArguments, $"$.args is a JSON {Kind(property.Value.ValueKind)}; it must be an object");
                }

                args = property.Value.Clone();
            }

            if (registration.Check is { } check)
            {
                try
                {
                    check(args);
                }
                catch (CommandArgumentException ex)
                {
                    return Refuse(name, CommandErrorCodes.BadArguments, ex.Message);
                }
            }

            var request = new CommandRequest(name, sender, args, _time.GetUtcNow()) { ReceivedTimestamp = receivedTimestamp };
            return new CommandAdmission(new AdmittedCommand(request, LaneOf(name), registration.Handler), null);
        }
    }

    /// <summary>Runs an admitted command's handler; its failure (thrown or answered) becomes the result, never an exception.</summary>
    public async Task<CommandResult> RunAsync(AdmittedCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var name = command.Name;
        CommandOutcome outcome;
        try
        {
            outcome = await command.Handler(command.Request).ConfigureAwait(false)
                ?? CommandOutcome.Fail(CommandErrorCodes.Failed, $"the handler of '{name}' returned no outcome");
        }
        catch (CommandArgumentException ex)
        {
            return Refusal(name, CommandErrorCodes.BadArguments, ex.Message);
        }
#pragma warning disable CA1031 // A handler's failure is answered as "failed"; it must never take the uplink down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Refusal(name, CommandErrorCodes.Failed, $"{ex.GetType().Name}: {ex.Message}");
        }

        return new CommandResult
        {
            Command = name,
            Ok = outcome.IsOk,
            Result = outcome.IsOk ? outcome.Result : null,
            Error = outcome.IsOk ? null : outcome.Error,
            Time = _time.GetUtcNow(),
        };
    }

    /// <summary>A refusal of <paramref name="name"/> with a contract code, stamped now.</summary>
    public CommandResult Refusal(string name, string code, string message) => new()
    {
        Command = name,
        Ok = false,
        Result = null,
        Error = new CommandError(code, message),
        Time = _time.GetUtcNow(),
    };

    /// <summary>The command name of a topic's last level, printable (what a refusal of an unparsed message names).</summary>
    public static string NameOf(string? topic)
    {
        if (topic is null)
        {
            return string.Empty;
        }

        var slash = topic.LastIndexOf('/');
        var name = slash >= 0 ? topic[(slash + 1)..] : topic;
        return Printable(name);
    }

    private void Add(string name, CommandArgumentCheck? check, AsyncCommandHandler handler)
    {
        if (!CommandNames.IsKnown(name))
        {
            throw new ArgumentException($"'{name}' is not a remote command; commands are {string.Join(", ", CommandNames.All)}", nameof(name));
        }

        lock (_handlers)
        {
            _handlers[name] = new Registration(check, handler);
        }
    }

    private CommandAdmission Refuse(string name, string code, string message) => new(null, Refusal(name, code, message));

    /// <summary>Keeps hostile text out of logs and answers: control characters become '?', length is capped.</summary>
    internal static string Printable(string text)
    {
        const int Max = 64;
        var span = text.AsSpan(0, Math.Min(text.Length, Max));
        var clean = true;
        foreach (var c in span)
        {
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                clean = false;
                break;
            }
        }

        var result = clean ? span.ToString() : string.Create(span.Length, text, static (chars, source) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                var c = source[i];
                chars[i] = char.IsControl(c) || char.IsSurrogate(c) ? '?' : c;
            }
        });
        return text.Length > Max ? result + "..." : result;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message.TrimEnd('.');
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => "value",
    };

    private sealed record Registration(CommandArgumentCheck? Check, AsyncCommandHandler Handler);
}
