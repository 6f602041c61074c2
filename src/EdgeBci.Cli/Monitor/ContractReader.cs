using System.Globalization;
using System.Text.Json;

namespace EdgeBci.Cli.Monitor;

/// <summary>A message that breaks the shared MQTT contract, named by the JSON path of the offending value.</summary>
internal sealed class ContractViolationException(string jsonPath, string problem) : Exception($"{jsonPath}: {problem}")
{
    public string JsonPath { get; } = jsonPath;
}

/// <summary>
/// Reads the fields the monitor needs from a contract document, checking each one's JSON type and naming its path
/// when it is missing or wrong. Fields the monitor does not read are not looked at, so units may add fields freely.
/// </summary>
internal static class ContractReader
{
    public static JsonElement Object(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        return value.ValueKind == JsonValueKind.Object ? value : throw WrongType(Join(parentPath, name), "an object", value);
    }

    public static JsonElement? NullableObject(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Object => value,
            _ => throw WrongType(Join(parentPath, name), "an object or null", value),
        };
    }

    public static JsonElement Array(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        return value.ValueKind == JsonValueKind.Array ? value : throw WrongType(Join(parentPath, name), "an array", value);
    }

    public static string String(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        return value.ValueKind == JsonValueKind.String ? value.GetString()! : throw WrongType(Join(parentPath, name), "a string", value);
    }

    public static string? NullableString(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString(),
            _ => throw WrongType(Join(parentPath, name), "a string or null", value),
        };
    }

    public static bool Boolean(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(Join(parentPath, name), "true or false", value),
        };
    }

    public static double Number(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        return value.ValueKind == JsonValueKind.Number ? value.GetDouble() : throw WrongType(Join(parentPath, name), "a number", value);
    }

    public static double? NullableNumber(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.Number => value.GetDouble(),
            _ => throw WrongType(Join(parentPath, name), "a number or null", value),
        };
    }

    public static long Integer(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var integer)
            ? integer
            : throw WrongType(Join(parentPath, name), "an integer", value);
    }

    public static DateTimeOffset Time(JsonElement parent, string name, string parentPath)
    {
        var value = Property(parent, name, parentPath);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw WrongType(Join(parentPath, name), "an ISO 8601 UTC time string", value);
        }

        return value.TryGetDateTimeOffset(out var time)
            ? time
            : throw new ContractViolationException(Join(parentPath, name), $"'{value.GetString()}' is not an ISO 8601 time");
    }

    /// <summary>Checks the document's schema, so a unit speaking a later contract version is reported, not misread.</summary>
    public static void Schema(JsonElement root, string expected)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw WrongType("$", "a JSON object", root);
        }

        var schema = String(root, "schema", "$");
        if (!string.Equals(schema, expected, StringComparison.Ordinal))
        {
            throw new ContractViolationException("$.schema", $"'{schema}' is not the supported '{expected}'");
        }
    }

    public static string Element(string arrayPath, int index) => string.Create(CultureInfo.InvariantCulture, $"{arrayPath}[{index}]");

    private static JsonElement Property(JsonElement parent, string name, string parentPath) =>
        parent.TryGetProperty(name, out var value) ? value : throw new ContractViolationException(Join(parentPath, name), "missing");

    private static string Join(string parentPath, string name) => $"{parentPath}.{name}";

    private static ContractViolationException WrongType(string path, string expected, JsonElement value) =>
        new(path, $"expected {expected}, got {Describe(value.ValueKind)}");

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
