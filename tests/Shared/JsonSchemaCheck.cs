using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeBci.Tests.Shared;

/// <summary>
/// A small JSON Schema (draft 2020-12) checker for the project's own schemas, enough to hold every published
/// message to its contract in tests: type (one or a list, "integer" and "null" included), const, enum, required,
/// properties, additionalProperties (false or a schema), items, minimum/maximum, minLength/maxLength, pattern,
/// format "date-time", $ref to "#/$defs/...", oneOf and anyOf. Annotations ($schema, $id, title, description,
/// $comment, examples, default) are ignored. Any other keyword is an error when the schema is loaded, so a schema
/// never silently claims more than is checked. Errors name the JSON path of the offending value ("$.channels[0].quality").
/// </summary>
internal sealed partial class JsonSchemaCheck
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$comment", "title", "description", "examples", "default",
    };

    private static readonly HashSet<string> Assertions = new(StringComparer.Ordinal)
    {
        "type", "const", "enum", "required", "properties", "additionalProperties", "items", "minimum", "maximum",
        "minLength", "maxLength", "pattern", "format", "$ref", "oneOf", "anyOf", "$defs",
    };

    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    private readonly JsonElement _root;

    private JsonSchemaCheck(JsonDocument document, string origin)
    {
        Origin = origin;
        _root = document.RootElement.Clone();
        VerifySchema(_root, "#");
    }

    /// <summary>Where the schema came from (a path or "inline"), for messages.</summary>
    public string Origin { get; }

    public static JsonSchemaCheck Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return new JsonSchemaCheck(document, path);
    }

    public static JsonSchemaCheck Parse(string schemaJson)
    {
        using var document = JsonDocument.Parse(schemaJson);
        return new JsonSchemaCheck(document, "inline");
    }

    /// <summary>Every way <paramref name="instanceJson"/> breaks the schema (empty: valid). Malformed JSON is one error.</summary>
    public IReadOnlyList<string> Validate(string instanceJson, string schemaPointer = "#")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(instanceJson);
        }
        catch (JsonException error)
        {
            return [$"$: not JSON ({error.Message})"];
        }

        using (document)
        {
            return Validate(document.RootElement, schemaPointer);
        }
    }

    /// <summary>
    /// Every way <paramref name="instance"/> breaks the schema, or the part of it at <paramref name="schemaPointer"/>
    /// (e.g. "#/$defs/args-set-log-level").
    /// </summary>
    public IReadOnlyList<string> Validate(JsonElement instance, string schemaPointer = "#")
    {
        var errors = new List<string>();
        Check(Resolve(schemaPointer), instance, "$", errors);
        return errors;
    }

    private void Check(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: no value is allowed here");
            return;
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            var value = keyword.Value;
            switch (keyword.Name)
            {
                case "type":
                    CheckType(value, instance, path, errors);
                    break;
                case "const":
                    if (!JsonElement.DeepEquals(value, instance))
                    {
                        errors.Add($"{path}: must be {value.GetRawText()}, is {Show(instance)}");
                    }

                    break;
                case "enum":
                    if (!value.EnumerateArray().Any(allowed => JsonElement.DeepEquals(allowed, instance)))
                    {
                        errors.Add($"{path}: {Show(instance)} is not one of {value.GetRawText()}");
                    }

                    break;
                case "$ref":
                    Check(Resolve(value.GetString()!), instance, path, errors);
                    break;
                case "oneOf":
                case "anyOf":
                    CheckAlternatives(keyword.Name, value, instance, path, errors);
                    break;
                case "required" when instance.ValueKind == JsonValueKind.Object:
                    foreach (var name in value.EnumerateArray())
                    {
                        if (!instance.TryGetProperty(name.GetString()!, out _))
                        {
                            errors.Add($"{Member(path, name.GetString()!)}: required member is missing");
                        }
                    }

                    break;
                case "properties" when instance.ValueKind == JsonValueKind.Object:
                    foreach (var member in instance.EnumerateObject())
                    {
                        if (value.TryGetProperty(member.Name, out var memberSchema))
                        {
                            Check(memberSchema, member.Value, Member(path, member.Name), errors);
                        }
                    }

                    break;
                case "additionalProperties" when instance.ValueKind == JsonValueKind.Object:
                    var declared = schema.TryGetProperty("properties", out var properties) ? properties : default;
                    foreach (var member in instance.EnumerateObject())
                    {
                        if (declared.ValueKind == JsonValueKind.Object && declared.TryGetProperty(member.Name, out _))
                        {
                            continue;
                        }

                        if (value.ValueKind == JsonValueKind.False)
                        {
                            errors.Add($"{Member(path, member.Name)}: member is not allowed (additionalProperties false)");
                        }
                        else
                        {
                            Check(value, member.Value, Member(path, member.Name), errors);
                        }
                    }

                    break;
                case "items" when instance.ValueKind == JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in instance.EnumerateArray())
                    {
                        Check(value, item, $"{path}[{index++}]", errors);
                    }

                    break;
                case "minimum" when instance.ValueKind == JsonValueKind.Number:
                    if (instance.GetDouble() < value.GetDouble())
                    {
                        errors.Add($"{path}: {instance.GetRawText()} is below the minimum {value.GetRawText()}");
                    }

                    break;
                case "maximum" when instance.ValueKind == JsonValueKind.Number:
                    if (instance.GetDouble() > value.GetDouble())
                    {
                        errors.Add($"{path}: {instance.GetRawText()} is above the maximum {value.GetRawText()}");
                    }

                    break;
                case "minLength" when instance.ValueKind == JsonValueKind.String:
                    if (Length(instance) < value.GetInt32())
                    {
                        errors.Add($"{path}: {Show(instance)} is shorter than {value.GetInt32()} characters");
                    }

                    break;
                case "maxLength" when instance.ValueKind == JsonValueKind.String:
                    if (Length(instance) > value.GetInt32())
                    {
                        errors.Add($"{path}: {Show(instance)} is longer than {value.GetInt32()} characters");
                    }

                    break;
                case "pattern" when instance.ValueKind == JsonValueKind.String:
                    var pattern = value.GetString()!;
                    if (!Patterns.GetOrAdd(pattern, text => new Regex(text, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))).IsMatch(instance.GetString()!))
                    {
                        errors.Add($"{path}: {Show(instance)} does not match the pattern {pattern}");
                    }

                    break;
                case "format" when instance.ValueKind == JsonValueKind.String:
                    if (!IsDateTime(instance.GetString()!))
                    {
                        errors.Add($"{path}: {Show(instance)} is not an RFC 3339 date-time");
                    }

                    break;
                default:
                    // Annotations, $defs, and type-specific keywords whose type the instance does not have.
                    break;
            }
        }
    }

    private static void CheckType(JsonElement type, JsonElement instance, string path, List<string> errors)
    {
        var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(name => name.GetString()!).ToArray() : [type.GetString()!];
        foreach (var name in allowed)
        {
            if (HasType(instance, name))
            {
                return;
            }
        }

        errors.Add($"{path}: must be {string.Join(" or ", allowed)}, is {TypeOf(instance)} {Show(instance)}");
    }

    private void CheckAlternatives(string keyword, JsonElement alternatives, JsonElement instance, string path, List<string> errors)
    {
        var failures = new List<string>();
        var matches = 0;
        foreach (var alternative in alternatives.EnumerateArray())
        {
            var alternativeErrors = new List<string>();
            Check(alternative, instance, path, alternativeErrors);
            if (alternativeErrors.Count == 0)
            {
                matches++;
            }
            else
            {
                failures.Add(string.Join("; ", alternativeErrors));
            }
        }

        if (matches == 0)
        {
            errors.Add($"{path}: matches none of the {keyword} alternatives ({string.Join(" | ", failures)})");
        }
        else if (keyword == "oneOf" && matches > 1)
        {
            errors.Add($"{path}: matches {matches} of the oneOf alternatives, must match exactly one");
        }
    }

    private static bool HasType(JsonElement instance, string type) => type switch
    {
        "null" => instance.ValueKind == JsonValueKind.Null,
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "number" => instance.ValueKind == JsonValueKind.Number,
        // 1.0 is an integer in JSON Schema; 1.5 and 1e400 are not.
        "integer" => instance.ValueKind == JsonValueKind.Number && instance.TryGetDecimal(out var number) && decimal.Truncate(number) == number,
        _ => throw new InvalidOperationException($"Unknown JSON Schema type '{type}'."),
    };

    private static string TypeOf(JsonElement instance) => instance.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        _ => instance.ValueKind.ToString(),
    };

    private static string Show(JsonElement instance)
    {
        // A string as the publisher meant it: the raw text may carry escapes (\u002B for '+').
        var text = instance.ValueKind == JsonValueKind.String ? $"\"{instance.GetString()}\"" : instance.GetRawText();
        return text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
    }

    private static int Length(JsonElement text)
    {
        var count = 0;
        foreach (var _ in text.GetString()!.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static bool IsDateTime(string text) =>
        DateTimeShape().IsMatch(text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _);

    private static string Member(string path, string name) =>
        MemberName().IsMatch(name) ? $"{path}.{name}" : $"{path}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    private JsonElement Resolve(string reference)
    {
        if (reference == "#")
        {
            return _root;
        }

        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"{Origin}: only local references (#/...) are supported, not '{reference}'.");
        }

        var node = _root;
        foreach (var encoded in reference[2..].Split('/'))
        {
            var token = encoded.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(token, out node))
            {
                throw new KeyNotFoundException($"{Origin}: reference '{reference}' does not resolve ('{token}' is missing).");
            }
        }

        return node;
    }

    /// <summary>Rejects keywords this checker does not implement and dangling references, once, at load time.</summary>
    private void VerifySchema(JsonElement schema, string location)
    {
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{Origin} {location}: a schema must be an object or a boolean, is {schema.ValueKind}.");
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            if (Annotations.Contains(keyword.Name))
            {
                continue;
            }

            if (!Assertions.Contains(keyword.Name))
            {
                throw new NotSupportedException($"{Origin} {location}: keyword '{keyword.Name}' is not supported by JsonSchemaCheck; it would be ignored.");
            }

            var here = $"{location}/{keyword.Name}";
            switch (keyword.Name)
            {
                case "properties" or "$defs":
                    foreach (var member in keyword.Value.EnumerateObject())
                    {
                        VerifySchema(member.Value, $"{here}/{member.Name}");
                    }

                    break;
                case "additionalProperties" or "items":
                    VerifySchema(keyword.Value, here);
                    break;
                case "oneOf" or "anyOf":
                    var index = 0;
                    foreach (var alternative in keyword.Value.EnumerateArray())
                    {
                        VerifySchema(alternative, $"{here}/{index++}");
                    }

                    break;
                case "$ref":
                    Resolve(keyword.Value.GetString() ?? throw new FormatException($"{Origin} {here}: $ref must be a string."));
                    break;
                case "type":
                    var names = keyword.Value.ValueKind == JsonValueKind.Array ? keyword.Value.EnumerateArray().Select(name => name.GetString()) : [keyword.Value.GetString()];
                    foreach (var name in names)
                    {
                        if (name is not ("null" or "boolean" or "object" or "array" or "string" or "number" or "integer"))
                        {
                            throw new FormatException($"{Origin} {here}: unknown type '{name}'.");
                        }
                    }

                    break;
                case "format" when keyword.Value.GetString() != "date-time":
                    throw new NotSupportedException($"{Origin} {here}: format '{keyword.Value.GetString()}' is not supported (only date-time).");
                default:
                    break;
            }
        }
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimeShape();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex MemberName();
}
