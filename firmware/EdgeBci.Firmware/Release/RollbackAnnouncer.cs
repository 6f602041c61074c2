using EdgeBci.Release.Slots;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Firmware;

/// <summary>
/// Tells the fleet about a rollback the slot guard made while the firmware was down: at start, a <c>rollback</c> not
/// yet in <c>rollback.published</c> becomes a warning event (through the uplink's journal, so an offline broker gets it
/// later), then is marked published so the next start does not repeat it.
/// </summary>
internal sealed partial class RollbackAnnouncer(FirmwareRelease release, IReleaseEvents events, ILogger<RollbackAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Announce();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>True when a rollback was published now.</summary>
    internal bool Announce()
    {
        var folder = release.Options.StateFolder;
        try
        {
            if (RollbackRecord.ReadIfPresent(folder) is not { } rollback || rollback.IsPublished(folder))
            {
                return false;
            }

            var message = rollback.Describe();
            LogRollback(message);
            events.Publish(EventSeverities.Warning, message, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["release"] = rollback.Release,
                ["from"] = rollback.From,
                ["to"] = rollback.To,
                ["fromVersion"] = rollback.FromVersion,
                ["toVersion"] = rollback.ToVersion,
                ["reason"] = rollback.Reason,
            });
            rollback.MarkPublished(folder);
            return true;
        }
        catch (Exception exception) when (exception is FormatException or IOException or UnauthorizedAccessException)
        {
            LogUnreadable(exception.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message}")]
    private partial void LogRollback(string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "release: the rollback record cannot be read or marked published: {Reason}")]
    private partial void LogUnreadable(string reason);
}
