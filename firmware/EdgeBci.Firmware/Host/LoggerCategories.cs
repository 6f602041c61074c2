using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeBci.Firmware;

/// <summary>
/// The logger categories this firmware has created, and their dot-separated prefixes: what <c>set-log-level</c> may
/// name (with "Default"). A logging provider that records and never logs: the logger factory asks every provider for a
/// logger once per category, so nothing has to be listed by hand. Bounded: a firmware has a few dozen categories.
/// </summary>
internal sealed class LoggerCategories : ILoggerProvider
{
    /// <summary>Names and prefixes recorded at most; a category beyond that cannot be given a level while running.</summary>
    public const int MaxNames = 1024;

    public const string Default = "Default";

    private readonly Lock _gate = new();

    // Case-insensitive like the logging rules and configuration keys they become.
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase) { Default };

    public ILogger CreateLogger(string categoryName)
    {
        Record(categoryName);
        return NullLogger.Instance;
    }

    /// <summary>Notes <paramref name="category"/> and each of its prefixes ending before a dot.</summary>
    public void Record(string category)
    {
        ArgumentNullException.ThrowIfNull(category);
        lock (_gate)
        {
            for (var dot = category.IndexOf('.', StringComparison.Ordinal); dot > 0 && _names.Count < MaxNames; dot = category.IndexOf('.', dot + 1))
            {
                _names.Add(category[..dot]);
            }

            if (_names.Count < MaxNames)
            {
                _names.Add(category);
            }
        }
    }

    /// <summary>"Default", a category a logger was created for, or a dot-separated prefix of one.</summary>
    public bool IsKnown(string category)
    {
        lock (_gate)
        {
            return _names.Contains(category);
        }
    }

    public void Dispose()
    {
    }
}
