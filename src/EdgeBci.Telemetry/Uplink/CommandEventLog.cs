using System.Globalization;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Uplink;

/// <summary>
/// Each answered command as a <c>command</c> event, within a budget: at most <see cref="RejectionEventLimiter.PerSecond"/>
/// accepted and as many rejected ones per second, the rest counted and summarised, so a flood of requests of either
/// kind cannot fill the event journal. The result of a command that answers only its requester (report-configuration)
/// is never put in an event.
/// </summary>
internal sealed class CommandEventLog(TimeProvider time, Action<string, string, string, IReadOnlyDictionary<string, string>?> publishEvent)
{
    private readonly RejectionEventLimiter _accepted = new(time);
    private readonly RejectionEventLimiter _rejected = new(time);

    public void Log(CommandResult result, string? sender, string? responseNotSent)
    {
        var who = sender is null ? "an unnamed sender" : $"'{CommandDispatcher.Printable(sender)}'";
        var data = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["command"] = result.Command,
            ["sender"] = sender is null ? string.Empty : CommandDispatcher.Printable(sender),
            ["ok"] = result.Ok ? "true" : "false",
        };
        if (responseNotSent is not null)
        {
            data["responseNotSent"] = responseNotSent;
        }

        if (result.Ok)
        {
            if (result.Result is not null && !CommandNames.AnswersOnlyTheRequester(result.Command))
            {
                data["result"] = result.Result.ToJsonString();
            }

            if (Acquire(_accepted, "accepted commands"))
            {
                publishEvent(EventKinds.Command, EventSeverities.Info, $"command {result.Command} from {who}: ok", data);
            }

            return;
        }

        var error = result.Error!;
        data["code"] = error.Code;
        data["error"] = error.Message;
        if (Acquire(_rejected, "command rejections"))
        {
            publishEvent(EventKinds.Command, EventSeverities.Warning, $"command '{result.Command}' from {who} rejected: {error.Code}: {error.Message}", data);
        }
    }

    /// <summary>Publishes the summaries of windows that closed without a later event to carry them.</summary>
    public void PublishClosedSummaries()
    {
        Summarise(_accepted.TakeClosedSummary(), "accepted commands");
        Summarise(_rejected.TakeClosedSummary(), "command rejections");
    }

    private bool Acquire(RejectionEventLimiter limiter, string what)
    {
        var acquired = limiter.TryAcquire(out var suppressedBefore);
        Summarise(suppressedBefore, what);
        return acquired;
    }

    private void Summarise(long suppressed, string what)
    {
        if (suppressed > 0)
        {
            publishEvent(EventKinds.Command, EventSeverities.Warning,
                $"{suppressed} further {what} not logged as events (more than {RejectionEventLimiter.PerSecond} per second)",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["suppressed"] = suppressed.ToString(CultureInfo.InvariantCulture) });
        }
    }
}
