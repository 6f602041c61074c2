using System.Text.Json;

namespace EdgeBci.Telemetry.Commands;

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
