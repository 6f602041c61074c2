using System.Globalization;
using EdgeBci.Telemetry.Journal;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Uplink;

public sealed partial class MqttUplink
{
    /// <summary>
    /// Appends handed-over events to the journal. When the disk refuses (full), the journal holds them in memory and
    /// the connection loop delivers them live; this loop then retries the disk every <see cref="JournalRetryInterval"/>
    /// even when no new event comes, and reports the change both ways (log, lastError, an uplink event).
    /// </summary>
    private async Task WriteJournalAsync()
    {
        var journal = _journal!;
        var diskRefusing = false;
        try
        {
            while (await WaitForEventsAsync(diskRefusing).ConfigureAwait(false))
            {
                while (_pendingEvents.Reader.TryRead(out var message))
                {
                    try
                    {
                        journal.Append(message);
                    }
                    catch (ArgumentException ex)
                    {
                        Interlocked.Increment(ref _eventsRefusedByJournal);
                        _lastError = $"event journal: {ex.Message}";
                        LogJournalRefused(_logger, message.Id, ex.Message);
                    }

                    Wake();
                }

                var refusing = !journal.RetryHeld();
                if (refusing != diskRefusing)
                {
                    diskRefusing = refusing;
                    ReportJournalDisk(journal, refusing);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Aborted by StopAsync's token or DisposeAsync.
        }
    }

    /// <summary>True when there are events to append or, while the disk refuses, when it is time to retry it.</summary>
    private async Task<bool> WaitForEventsAsync(bool retrySoon)
    {
        if (!retrySoon)
        {
            return await _pendingEvents.Reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false);
        }

        using var retry = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        retry.CancelAfter(JournalRetryInterval);
        try
        {
            // Completed (stopping): the held events stay in memory for the final flush; nothing more to append.
            return await _pendingEvents.Reader.WaitToReadAsync(retry.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_abort.IsCancellationRequested)
        {
            return true;
        }
    }

    private void ReportJournalDisk(EventJournal journal, bool refusing)
    {
        if (refusing)
        {
            var reason = journal.LastError ?? "the disk refused a write";
            _lastError = $"event journal: {reason}";
            LogJournalWriteFailed(_logger, reason);
            PublishEvent(EventKinds.Uplink, EventSeverities.Warning,
                $"event journal cannot write ({reason}): events are delivered live and held in memory until the disk takes writes again",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["held"] = journal.HeldInMemory.ToString(CultureInfo.InvariantCulture) });
        }
        else
        {
            LogJournalWritesAgain(_logger, journal.WriteFailures);
            PublishEvent(EventKinds.Uplink, EventSeverities.Info,
                $"event journal writes again after {journal.WriteFailures} refused writes; the events held in memory are on disk",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["writeFailures"] = journal.WriteFailures.ToString(CultureInfo.InvariantCulture) });
        }
    }
}
