using System.Text.Json;

namespace EdgeBci.Training.Data;

/// <summary>
/// Reading the JSON files people write by hand (task files, calibration protocols): comments and trailing commas are
/// allowed, a syntax error names the file, and keys match whatever their case ("Blocks" as often as "blocks").
/// </summary>
public static class HandEditedJson
{
    /// <exception cref="ArgumentException">Not valid JSON; the message starts with <paramref name="origin"/>.</exception>
    public static JsonDocument Parse(string json, string origin)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException exception)
        {
            throw new ArgumentException($"{origin}: not valid JSON: {exception.Message}", nameof(json), exception);
        }
    }

    /// <summary>The property named <paramref name="name"/>, ignoring case.</summary>
    public static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}
