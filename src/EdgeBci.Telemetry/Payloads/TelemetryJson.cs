using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeBci.Telemetry.Payloads;

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    Converters = [typeof(UtcMillisecondsConverter)])]
[JsonSerializable(typeof(StatusMessage))]
[JsonSerializable(typeof(TelemetryMessage))]
[JsonSerializable(typeof(EventMessage))]
[JsonSerializable(typeof(CommandResult))]
internal sealed partial class TelemetryJsonContext : JsonSerializerContext;

/// <summary>Times on the wire: UTC, ISO-8601, always milliseconds and 'Z' (<c>2026-11-26T01:00:05.000Z</c>).</summary>
internal sealed class UtcMillisecondsConverter : JsonConverter<DateTimeOffset>
{
    internal const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"expected a UTC time string like 2026-11-26T01:00:05.000Z, found {reader.TokenType}");
        }

        var text = reader.GetString();
        if (text is null || !text.EndsWith('Z') ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw new JsonException($"'{text}' is not a UTC time like 2026-11-26T01:00:05.000Z");
        }

        return time;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
}

/// <summary>A payload that does not match its schema; the message names the JSON path.</summary>
public sealed class TelemetryFormatException : Exception
{
    public TelemetryFormatException(string message, string? path, Exception? inner = null)
        : base(message, inner) => Path = path;

    public TelemetryFormatException() : base("invalid telemetry payload")
    {
    }

    public TelemetryFormatException(string message) : base(message)
    {
    }

    public TelemetryFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>JSON path of the offending value, e.g. <c>$.acquisition.frames</c>.</summary>
    public string? Path { get; }
}

/// <summary>(De)serialisation of every contract payload through the source-generated context.</summary>
public static class TelemetryJson
{
    public static byte[] SerializeStatus(StatusMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, TelemetryJsonContext.Default.StatusMessage);

    public static byte[] SerializeTelemetry(TelemetryMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, TelemetryJsonContext.Default.TelemetryMessage);

    public static byte[] SerializeEvent(EventMessage message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, TelemetryJsonContext.Default.EventMessage);

    public static byte[] SerializeCommandResult(CommandResult message) =>
        JsonSerializer.SerializeToUtf8Bytes(message, TelemetryJsonContext.Default.CommandResult);

    public static StatusMessage DeserializeStatus(ReadOnlySpan<byte> utf8) =>
        Deserialize(utf8, TelemetryJsonContext.Default.StatusMessage, SchemaNames.Status, m => m.Schema);

    public static TelemetryMessage DeserializeTelemetry(ReadOnlySpan<byte> utf8) =>
        Deserialize(utf8, TelemetryJsonContext.Default.TelemetryMessage, SchemaNames.Telemetry, m => m.Schema);

    public static EventMessage DeserializeEvent(ReadOnlySpan<byte> utf8) =>
        Deserialize(utf8, TelemetryJsonContext.Default.EventMessage, SchemaNames.Event, m => m.Schema);

    public static CommandResult DeserializeCommandResult(ReadOnlySpan<byte> utf8) =>
        Deserialize(utf8, TelemetryJsonContext.Default.CommandResult, SchemaNames.CommandResult, m => m.Schema);

    /// <summary>Formats a time the way every payload does (UTC, milliseconds, 'Z').</summary>
    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString(UtcMillisecondsConverter.Format, CultureInfo.InvariantCulture);

    private static T Deserialize<T>(ReadOnlySpan<byte> utf8, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string schema, Func<T, string> schemaOf)
        where T : class
    {
        T? message;
        try
        {
            message = JsonSerializer.Deserialize(utf8, typeInfo);
        }
        catch (JsonException ex)
        {
            var path = ex.Path ?? "$";
            throw new TelemetryFormatException($"{typeof(T).Name} at {path}: {ex.Message}", path, ex);
        }

        if (message is null)
        {
            throw new TelemetryFormatException($"{typeof(T).Name} at $: the payload is null, expected an object", "$");
        }

        if (!string.Equals(schemaOf(message), schema, StringComparison.Ordinal))
        {
            throw new TelemetryFormatException($"{typeof(T).Name} at $.schema: '{schemaOf(message)}' is not '{schema}'", "$.schema");
        }

        return message;
    }
}
