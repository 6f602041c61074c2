using Microsoft.Extensions.Logging;

namespace EdgeBci.Telemetry.Uplink;

public sealed partial class MqttUplink
{
    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT connected to {Broker} as {ClientId}")]
    private static partial void LogConnected(ILogger logger, string broker, string clientId);

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT disconnected (shutdown): status offline published")]
    private static partial void LogDisconnected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT {Reason}; retrying with backoff (repeats of this reason are logged at Debug)")]
    private static partial void LogConnectionProblem(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT {Reason} (again)")]
    private static partial void LogConnectionProblemRepeated(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT command subscription {Topic} refused: {Code}")]
    private static partial void LogCommandSubscriptionRefused(ILogger logger, string topic, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT shutdown flush incomplete: {Reason}; undelivered events stay in the journal")]
    private static partial void LogFinalFlushIncomplete(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event journal {Folder} repaired: {Note}")]
    private static partial void LogJournalRepair(ILogger logger, string folder, string note);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event journal: {Count} undelivered events recovered from {Folder}")]
    private static partial void LogJournalRecovered(ILogger logger, int count, string folder);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event {Id} could not be stored in the journal and is dropped: {Reason}")]
    private static partial void LogJournalRefused(ILogger logger, string id, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event journal cannot write ({Reason}): events are delivered live and held in memory until the disk takes writes again")]
    private static partial void LogJournalWriteFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Event journal writes again ({Failures} refused writes so far); the held events are on disk")]
    private static partial void LogJournalWritesAgain(ILogger logger, long failures);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A ConnectionChanged subscriber threw: {Reason}")]
    private static partial void LogSubscriberFailed(ILogger logger, string reason);
}
