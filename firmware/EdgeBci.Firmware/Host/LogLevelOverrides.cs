using System.Text.RegularExpressions;

namespace EdgeBci.Firmware;

/// <summary>
/// Log levels changed while the unit runs (the <c>set-log-level</c> command): a configuration source added after every
/// other, so its <c>Logging:LogLevel:&lt;category&gt;</c> values win, and whose reload makes the logging filters re-read
/// them at once. Nothing is written to disk: a restart returns to the configured levels.
/// </summary>
internal sealed partial class LogLevelOverrides : ConfigurationProvider, IConfigurationSource
{
    /// <summary>The level names accepted, as Microsoft.Extensions.Logging spells them.</summary>
    public static readonly string[] Levels = [.. Enum.GetNames<LogLevel>()];

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>
    /// Sets <paramref name="category"/> ("Default" or a logger category such as EdgeBci.Firmware.DecodingService) to
    /// <paramref name="level"/>; throws <see cref="ArgumentException"/> naming the bad value.
    /// </summary>
    public void SetLevel(string category, string level)
    {
        if (CategoryProblem(category) is { } problem)
        {
            throw new ArgumentException(problem, nameof(category));
        }

        if (!Enum.TryParse<LogLevel>(level, ignoreCase: false, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(level, out _))
        {
            throw new ArgumentException($"level '{level}': use {string.Join(", ", Levels)}", nameof(level));
        }

        Data[$"Logging:LogLevel:{category}"] = parsed.ToString();
        OnReload();
    }

    /// <summary>Why <paramref name="category"/> is not a logger category, or null when it is one.</summary>
    public static string? CategoryProblem(string category) =>
        CategoryPattern().IsMatch(category) ? null : $"category '{category}': use Default or a logger category (letters, digits and dots, at most 200)";

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.]{0,199}$")]
    private static partial Regex CategoryPattern();
}
