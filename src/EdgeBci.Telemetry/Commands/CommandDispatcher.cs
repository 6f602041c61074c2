using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Commands;

/// <summary>A validated command as a handler sees it. <see cref="Args"/> is always a JSON object (empty when none).</summary>
public sealed record CommandRequest(string Name, string? Sender, JsonElement Args, DateTimeOffset ReceivedAt);

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

public delegate CommandOutcome CommandHandler(CommandRequest request);

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

/// <summary>
/// Validates and runs remote commands. Order: size (too big is refused unread), name in the fixed allow-list, enabled
/// in configuration, sender allowed, payload is a JSON object whose only member is an optional object <c>args</c>,
/// then the handler. Nothing thrown by a handler escapes: it becomes <c>failed</c>.
/// </summary>
public sealed class CommandDispatcher
{
    private readonly Dictionary<string, CommandHandler> _handlers = new(StringComparer.Ordinal);
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

    /// <summary>Registers the handler of a contract command; a name outside the allow-list is refused here.</summary>
    public void Register(string name, CommandHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (!CommandNames.IsKnown(name))
        {
            throw new ArgumentException($"'{name}' is not a remote command; commands are {string.Join(", ", CommandNames.All)}", nameof(name));
        }

        lock (_handlers)
        {
            _handlers[name] = handler;
        }
    }

    public CommandResult Dispatch(string topic, ReadOnlySequence<byte> payload, string? sender)
    {
        if (payload.Length > _options.MaxCommandBytes)
        {
            return Reject(NameOf(topic), CommandErrorCodes.TooLarge, $"payload is {payload.Length} bytes; at most {_options.MaxCommandBytes} are accepted");
        }

        return payload.IsSingleSegment ? Dispatch(topic, payload.FirstSpan, sender) : Dispatch(topic, payload.ToArray(), sender);
    }

    public CommandResult Dispatch(string topic, ReadOnlySpan<byte> payload, string? sender)
    {
        var name = NameOf(topic);
        if (payload.Length > _options.MaxCommandBytes)
        {
            return Reject(name, CommandErrorCodes.TooLarge, $"payload is {payload.Length} bytes; at most {_options.MaxCommandBytes} are accepted");
        }

        if (!MqttTopics.TryParseCommand(topic, out var deviceId, out _) || !string.Equals(deviceId, _deviceId, StringComparison.Ordinal))
        {
            return Reject(name, CommandErrorCodes.UnknownCommand, $"topic '{Printable(topic)}' is not {MqttTopics.Command(_deviceId, "<name>")}");
        }

        if (!CommandNames.IsKnown(name))
        {
            return Reject(name, CommandErrorCodes.UnknownCommand, $"'{Printable(name)}' is not a command; commands are {string.Join(", ", CommandNames.All)}");
        }

        var permission = _options.PermissionFor(name);
        if (!permission.Enabled)
        {
            return Reject(name, CommandErrorCodes.Disabled, $"'{name}' is disabled by {MqttOptions.SectionName}:Commands:{name}:Enabled");
        }

        var allowed = permission.AllowedSenders ?? [];
        if (allowed.Length > 0 && (sender is null || Array.IndexOf(allowed, sender) < 0))
        {
            return Reject(name, CommandErrorCodes.NotAuthorised,
                sender is null
                    ? $"'{name}' needs a sender identity (user property \"sender\") listed in {MqttOptions.SectionName}:Commands:{name}:AllowedSenders"
                    : $"sender '{Printable(sender)}' is not in {MqttOptions.SectionName}:Commands:{name}:AllowedSenders");
        }

        CommandHandler? handler;
        lock (_handlers)
        {
            _handlers.TryGetValue(name, out handler);
        }

        if (handler is null)
        {
            return Reject(name, CommandErrorCodes.Disabled, $"'{name}' has no handler on this unit");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
        }
        catch (JsonException ex)
        {
            return Reject(name, CommandErrorCodes.BadJson,
                $"payload is not JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {FirstSentence(ex.Message)}; send a JSON object such as {{}} or {{\"args\":{{...}}}}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Reject(name, CommandErrorCodes.BadJson, $"$ is a JSON {Kind(root.ValueKind)}; send an object such as {{}} or {{\"args\":{{...}}}}");
            }

            var args = _emptyArgs;
            foreach (var property in root.EnumerateObject())
            {
                if (!string.Equals(property.Name, "args", StringComparison.Ordinal))
                {
                    return Reject(name, CommandErrorCodes.BadArguments, $"$.{Printable(property.Name)} is not allowed; the only member is \"args\"");
                }

                if (property.Value.ValueKind != JsonValueKind.Object)
                {
                    return Reject(name, CommandErrorCodes.BadArguments, $"$.args is a JSON {Kind(property.Value.ValueKind)}; it must be an object");
                }

                args = property.Value.Clone();
            }

            var request = new CommandRequest(name, sender, args, _time.GetUtcNow());
            CommandOutcome outcome;
            try
            {
                outcome = handler(request) ?? CommandOutcome.Fail(CommandErrorCodes.Failed, $"the handler of '{name}' returned no outcome");
            }
            catch (CommandArgumentException ex)
            {
                return Reject(name, CommandErrorCodes.BadArguments, ex.Message);
            }
#pragma warning disable CA1031 // A handler's failure is answered as "failed"; it must never take the uplink down.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                return Reject(name, CommandErrorCodes.Failed, $"{ex.GetType().Name}: {ex.Message}");
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
    }

    private CommandResult Reject(string name, string code, string message) => new()
    {
        Command = name,
        Ok = false,
        Result = null,
        Error = new CommandError(code, message),
        Time = _time.GetUtcNow(),
    };

    private static string NameOf(string? topic)
    {
        if (topic is null)
        {
            return string.Empty;
        }

        var slash = topic.LastIndexOf('/');
        var name = slash >= 0 ? topic[(slash + 1)..] : topic;
        return Printable(name);
    }

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
}

/// <summary>Argument checks for handlers; each failure names the JSON path (<c>$.args.level</c>).</summary>
public static class CommandArgs
{
    public static string RequireString(this JsonElement args, string name, IReadOnlyCollection<string>? allowed = null, int maxLength = 256) =>
        OptionalString(args, name, allowed, maxLength) ?? throw new CommandArgumentException($"$.args.{name} is missing; it must be a string{AllowedText(allowed)}");

    public static string? OptionalString(this JsonElement args, string name, IReadOnlyCollection<string>? allowed = null, int maxLength = 256)
    {
        if (!args.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new CommandArgumentException($"$.args.{name} is a JSON {value.ValueKind.ToString().ToLowerInvariant()}; it must be a string{AllowedText(allowed)}");
        }

        string text;
        try
        {
            text = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate (\ud800) is valid JSON but not text.
            throw new CommandArgumentException($"$.args.{name} is not valid Unicode text (it contains a lone surrogate escape)");
        }

        if (text.Length > maxLength)
        {
            throw new CommandArgumentException($"$.args.{name} is {text.Length} characters long; at most {maxLength}");
        }

        if (allowed is not null && !allowed.Contains(text))
        {
            throw new CommandArgumentException($"$.args.{name} is '{CommandDispatcher.Printable(text)}'{AllowedText(allowed)}");
        }

        return text;
    }

    public static long? OptionalInteger(this JsonElement args, string name, long min, long max)
    {
        if (!args.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var number))
        {
            throw new CommandArgumentException($"$.args.{name} must be a whole number from {min} to {max}");
        }

        if (number < min || number > max)
        {
            throw new CommandArgumentException($"$.args.{name} is {number}; use {min} to {max}");
        }

        return number;
    }

    public static bool? OptionalBoolean(this JsonElement args, string name)
    {
        if (!args.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new CommandArgumentException($"$.args.{name} must be true or false"),
        };
    }

    /// <summary>Refuses any argument not in <paramref name="known"/>, so a typo is an error rather than ignored.</summary>
    public static void RejectUnknown(this JsonElement args, params string[] known)
    {
        ArgumentNullException.ThrowIfNull(known);
        foreach (var property in args.EnumerateObject())
        {
            if (Array.IndexOf(known, property.Name) < 0)
            {
                throw new CommandArgumentException(known.Length == 0
                    ? $"$.args.{CommandDispatcher.Printable(property.Name)} is not an argument; this command takes none"
                    : $"$.args.{CommandDispatcher.Printable(property.Name)} is not an argument; arguments are {string.Join(", ", known)}");
            }
        }
    }

    private static string AllowedText(IReadOnlyCollection<string>? allowed) =>
        allowed is null ? string.Empty : $"; one of {string.Join(", ", allowed)}";
}
