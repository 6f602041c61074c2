using Microsoft.Extensions.Options;

namespace EdgeBci.Firmware;

/// <summary>
/// Keeps the safety log (<see cref="SafetyLog"/>) at Information or more detail, whatever the settings files or
/// <c>set-log-level</c> say (Default=None once silenced the STOPs). Runs after the "Logging" configuration is bound, and
/// again on every reload, and appends, for each safety category, one rule without a provider and one for each provider
/// that any rule names (a provider's own rules win over provider-less ones). Each keeps the level the existing rules
/// would give the category when that is Information or more detailed, and Information otherwise.
/// </summary>
internal sealed class SafetyLogFilter : IPostConfigureOptions<LoggerFilterOptions>
{
    public void PostConfigure(string? name, LoggerFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Rules.ToArray();
        var providers = new HashSet<string?>(StringComparer.Ordinal) { null };
        foreach (var rule in configured)
        {
            providers.Add(rule.ProviderName);
        }

        foreach (var category in SafetyLog.Categories)
        {
            foreach (var provider in providers)
            {
                var level = LevelFor(configured, provider, category) ?? options.MinLevel;
                options.Rules.Add(new LoggerFilterRule(provider, Pattern(category), level > SafetyLog.Level ? SafetyLog.Level : level, filter: null));
            }
        }
    }

    /// <summary>
    /// The rule pattern for exactly <paramref name="category"/> that no other rule can outrank: the selector prefers the
    /// longest matching pattern and, among equals, the last, and "C*C" (C as prefix and suffix) is the longest pattern
    /// that can match C. Appended last, it wins over any rule a settings file can write.
    /// </summary>
    internal static string Pattern(string category) => category + "*" + category;

    /// <summary>
    /// The level Microsoft.Extensions.Logging's rule selector would give <paramref name="category"/> for a provider
    /// named <paramref name="provider"/> (null: a provider no rule names): its own rules before provider-less ones,
    /// then the longest matching category pattern, then the last. Null when no rule applies.
    /// </summary>
    internal static LogLevel? LevelFor(IReadOnlyList<LoggerFilterRule> rules, string? provider, string category)
    {
        LoggerFilterRule? best = null;
        foreach (var rule in rules)
        {
            if ((rule.ProviderName is { } named && named != provider) || !Matches(rule.CategoryName, category))
            {
                continue;
            }

            if (best is not null && best.ProviderName is not null && rule.ProviderName is null)
            {
                continue;
            }

            if (best is not null && (best.ProviderName is not null) == (rule.ProviderName is not null)
                && (rule.CategoryName?.Length ?? -1) < (best.CategoryName?.Length ?? -1))
            {
                continue;
            }

            best = rule;
        }

        return best?.LogLevel;
    }

    private static bool Matches(string? pattern, string category)
    {
        if (pattern is null)
        {
            return true;
        }

        var wildcard = pattern.IndexOf('*', StringComparison.Ordinal);
        return wildcard < 0
            ? category.StartsWith(pattern, StringComparison.OrdinalIgnoreCase)
            : category.StartsWith(pattern[..wildcard], StringComparison.OrdinalIgnoreCase)
              && category.EndsWith(pattern[(wildcard + 1)..], StringComparison.OrdinalIgnoreCase);
    }
}
