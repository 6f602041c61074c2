using EdgeBci.Acquisition;
using EdgeBci.Acquisition.Diagnostics;

namespace EdgeBci.Firmware;

/// <summary>
/// The electrodes' impedance measured once at start (AC lead-off, one second), after the front-end is initialized and
/// before the acquisition thread takes the chip, when the wearer's page is enabled: the page shows it beside each
/// channel's live quality. The measurement reconfigures the chip and puts its configuration back, so it can only run
/// while nothing else reads it. A failure is logged and the page says "not measured"; it never stops the start.
/// </summary>
internal sealed partial class StartupImpedance
{
    private readonly TimeProvider _time;
    private Measurement? _last;

    public StartupImpedance(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>The impedances of the last measurement (in channel order) and when it was made, or null when none was made or it failed.</summary>
    public Measurement? Last => Volatile.Read(ref _last);

    /// <summary>Why there is no measurement (null once one was made).</summary>
    public string? Failure { get; private set; } = "not measured";

    /// <summary>Measures every electrode for <paramref name="seconds"/>; call before the acquisition starts.</summary>
    /// <returns>Whether it was measured.</returns>
    /// <remarks>It runs before the host's logging is up: <see cref="Report"/> logs the outcome once the page starts.</remarks>
    public bool Measure(FrontEnd frontEnd, double seconds = 1.0)
    {
        ArgumentNullException.ThrowIfNull(frontEnd);
        try
        {
            var results = Impedance.Measure(frontEnd, seconds: seconds);
            Failure = null;
            Volatile.Write(ref _last, new Measurement(results, _time.GetUtcNow()));
            return true;
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or TimeoutException or ArgumentException or NotSupportedException)
        {
            Failure = $"not measured: {exception.GetType().Name}: {exception.Message}";
            return false;
        }
    }

    /// <summary>Logs the measurement, or why there is none.</summary>
    public void Report(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (Last is { } measured)
        {
            LogMeasured(logger, string.Join(", ", Describe(measured.Electrodes)));
        }
        else
        {
            LogFailed(logger, Failure ?? "not measured");
        }
    }

    /// <summary>One measurement, published whole so a reader never pairs one run's values with another's time.</summary>
    public sealed record Measurement(IReadOnlyList<ElectrodeImpedance> Electrodes, DateTimeOffset Measured);

    private static IEnumerable<string> Describe(IReadOnlyList<ElectrodeImpedance> results)
    {
        foreach (var result in results)
        {
            yield return FormattableString.Invariant($"{result.Channel} {result.Kiloohms:0.0} kΩ {result.Quality}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "impedance at start: {Results}")]
    private static partial void LogMeasured(ILogger logger, string results);

    [LoggerMessage(Level = LogLevel.Warning, Message = "impedance at start {Failure}; the page shows 'not measured'")]
    private static partial void LogFailed(ILogger logger, string failure);
}
