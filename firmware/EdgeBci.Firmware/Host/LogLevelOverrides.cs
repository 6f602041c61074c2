using System.Text.RegularExpressions;

namespace EdgeBci.Firmware;

/// <summary>
/// Log levels changed while the unit runs (the <c>set-log-level</c> command): a configuration source added after every
/// other, so its <c>Logging:LogLevel:&lt;category&gt;</c> values win, and whose reload makes the logging filters re-read
/// them at once. Nothing is written to disk: a restart returns to the configured levels. Only categories the firmware
/// logs under (see <see cref="LoggerCategories"/>) and at most <see cref="MaxOverrides"/> of them may be set: 6,000
/// made-up categories once grew the process by 150 MB and made every reload, and so every command, ten times slower. A
/// safety category (<see cref="SafetyLog"/>) cannot be set above Information; Default and prefixes can, and
/// <see cref="SafetyLogFilter"/> keeps the safety log on regardless.
/// </summary>
internal sealed partial class LogLevelOverrides : ConfigurationProvider, IConfigurationSource
{
    /// <summary>Categories that may have a level set while running (re-setting one of them is always accepted).</summary>
    public const int MaxOverrides = 32;

    /// <summary>The level names accepted, as Microsoft.Extensions.Logging spells them.</summary>
    public static readonly string[] Levels = [.. Enum.GetNames<LogLevel>()];

    private readonly LoggerCategories _categories;
    private readonly Lock _gate = new();

    public LogLevelOverrides(LoggerCategories categories)
    {
        ArgumentNullException.ThrowIfNull(categories);
        _categories = categories;
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;

    /// <summary>
    /// Sets <paramref name="category"/> ("Default" or a logger category such as EdgeBci.Firmware.DecodingService, or a
    /// dot-separated prefix of one) to <paramref name="level"/>; throws <see cref="ArgumentException"/> saying what is
    /// wrong: a malformed or unknown category, an unknown level, a safety category above Information, or one category
    /// more than <see cref="MaxOverrides"/>.
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

        if (!_categories.IsKnown(category))
        {
            throw new ArgumentException(
                $"category '{category}' is not one this firmware logs under: use {LoggerCategories.Default}, a category from its log (e.g. {typeof(DecodingService).FullName}) or a dot-separated prefix of one (e.g. EdgeBci.Firmware)",
                nameof(category));
        }

        if (parsed > SafetyLog.Level && SafetyLog.Contains(category))
        {
            throw new ArgumentException(
                $"category '{category}' is part of the safety log (STOPs, arming, disarming, faults), which always reaches the local log at {SafetyLog.Level}: level {parsed} is refused; use {SafetyLog.Level} or a more detailed level",
                nameof(level));
        }

        var key = $"Logging:LogLevel:{category}";
        lock (_gate)
        {
            if (!Data.ContainsKey(key) && Data.Count >= MaxOverrides)
            {
                throw new ArgumentException(
                    $"category '{category}': at most {MaxOverrides} categories may have a level set while the unit runs and {MaxOverrides} have; set one of those again, or restart the firmware to return to the configured levels",
                    nameof(category));
            }

            // A new dictionary, not a change to the one the configuration may be reading on another thread.
            Data = new Dictionary<string, string?>(Data, StringComparer.OrdinalIgnoreCase) { [key] = parsed.ToString() };
        }

        OnReload();
    }

    /// <summary>Why <paramref name="category"/> is not a logger category, or null when it is one.</summary>
    public static string? CategoryProblem(string category) =>
        CategoryPattern().IsMatch(category) ? null : $"category '{category}': use Default or a logger category (letters, digits and dots, at most 200)";

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.]{0,199}$")]
    private static partial Regex CategoryPattern();
}
