using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Journal;
using EdgeBci.Telemetry.Payloads;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Uplink;

/// <summary>
/// The unit's MQTT client. Callers only ever touch in-memory queues: <see cref="PublishTelemetry"/> and
/// <see cref="PublishEvent"/> never wait on the network or the disk. One task persists events to the
/// <see cref="EventJournal"/>; another owns the connection: connect (MQTT 5, clean start, keep-alive, will = status
/// offline), announce, subscribe to commands, then deliver journal events in order (QoS 1, acknowledged in the journal
/// only after a successful PUBACK), telemetry and command responses; on loss it reconnects with exponential backoff
/// and jitter.
/// </summary>
public sealed partial class MqttUplink : IAsyncDisposable
{
    /// <summary>Events waiting in memory for the journal writer; beyond this the oldest is dropped (counted).</summary>
    public const int PendingEventCapacity = 1024;

    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(250);

    /// <summary>Answers, and events, sent per pass of the connection loop before the other gets its turn.</summary>
    private const int BatchPerPass = 32;

    /// <summary>How often the journal writer tries the disk again while it refuses writes.</summary>
    private static readonly TimeSpan JournalRetryInterval = TimeSpan.FromSeconds(1);

    private readonly MqttOptions _options;
    private readonly UplinkIdentity _identity;
    private readonly CommandDispatcher _commands;
    private readonly string _eventQueueFolder;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BrokerEndpoint _endpoint;
    private readonly string _clientId;
    private readonly string _bootId = Guid.NewGuid().ToString("N");
    private readonly TelemetryQueue _telemetry;
    private readonly Channel<EventMessage> _pendingEvents;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ResponseQueue _responses;
    private readonly CommandEventLog _commandEvents;
    private readonly CommandIntake _intake;
    private readonly Lock _seqGate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private EventJournal? _journal;
    private Task _writerTask = Task.CompletedTask;
    private Task _loopTask = Task.CompletedTask;
    private X509Certificate2Collection? _trustedCas;
    private X509Certificate2? _clientCertificate;
    private long _seq;
    private int _statusDirty;
    private int _started;
    private int _stopped;
    private int _disposed;
    private volatile bool _connected;
    private volatile string? _lastError;
    private volatile string? _lastDisconnectReason;
    private long _connects;
    private long _reconnects;
    private long _telemetrySent;
    private long _telemetryLost;
    private long _eventsAccepted;
    private long _eventsDelivered;
    private long _eventsDroppedInMemory;
    private long _eventsRefusedByJournal;

    public MqttUplink(MqttOptions options, UplinkIdentity identity, CommandDispatcher? commands, string eventQueueFolder, TimeProvider time, ILogger<MqttUplink> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("invalid Mqtt options: " + string.Join("; ", errors), nameof(options));
        }

        var folder = options.EventQueuePath.Length > 0 ? options.EventQueuePath : eventQueueFolder;
        if (string.IsNullOrWhiteSpace(folder))
        {
            throw new ArgumentException($"{MqttOptions.SectionName}:EventQueuePath is empty and no event queue folder was passed: the uplink needs a folder for its event journal", nameof(eventQueueFolder));
        }

        _options = options;
        _identity = identity;
        _time = time;
        _commands = commands ?? new CommandDispatcher(options, time);
        _eventQueueFolder = folder;
        _logger = logger;
        _endpoint = BrokerEndpoint.Parse(options.Broker);
        _clientId = options.ClientId.Length > 0 ? options.ClientId : $"edgebci-{identity.DeviceId}";
        _telemetry = new TelemetryQueue(options.TelemetryQueueCapacity);
        _responses = new ResponseQueue(options.MaxPendingResponses);
        _commandEvents = new CommandEventLog(time, PublishEvent);
        _intake = new CommandIntake(options, _commands, _responses, _commandEvents, Wake);
        _pendingEvents = Channel.CreateBounded<EventMessage>(
            new BoundedChannelOptions(PendingEventCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _eventsDroppedInMemory));
    }

    /// <summary>Raised with true after each successful connect and with false when the connection is lost or closed.</summary>
    public event Action<bool>? ConnectionChanged;

    public string BootId => _bootId;

    public string DeviceId => _identity.DeviceId;

    public bool IsConnected => _connected;

    /// <summary>A snapshot of the counters; reading it never waits on the disk or the network.</summary>
    public UplinkCounters Counters => new(
        _connected,
        Interlocked.Read(ref _connects),
        Interlocked.Read(ref _reconnects),
        Interlocked.Read(ref _telemetrySent),
        _telemetry.Dropped + Interlocked.Read(ref _telemetryLost),
        Interlocked.Read(ref _eventsAccepted),
        Interlocked.Read(ref _eventsDelivered),
        EventsDropped,
        (_journal?.Count ?? 0) + _pendingEvents.Reader.Count,
        _intake.Received,
        _intake.Rejected,
        _journal?.WriteFailures ?? 0,
        _lastError)
    {
        ResponsesDropped = _responses.Dropped,
        CommandsBusy = _intake.Busy,
    };

    /// <summary>
    /// Events dropped before reaching the broker: by the journal bound, by a full in-memory hand-over queue, or refused
    /// by the journal (an event too large to store).
    /// </summary>
    private long EventsDropped =>
        (_journal?.Dropped ?? 0) + Interlocked.Read(ref _eventsDroppedInMemory) + Interlocked.Read(ref _eventsRefusedByJournal);

    /// <summary>
    /// Opens the event journal and starts the writer and connection tasks, then returns. An unreachable broker is not
    /// an error (the loop keeps retrying); an unusable journal folder or TLS file is.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("the uplink is started already");
        }

        LoadTlsMaterial();
        _journal = EventJournal.Open(_eventQueueFolder, _options.EventQueueMaxEvents, _options.EventQueueMaxBytes);
        foreach (var note in _journal.RecoveryNotes)
        {
            LogJournalRepair(_logger, _eventQueueFolder, note);
        }

        if (_journal.Recovered > 0)
        {
            LogJournalRecovered(_logger, _journal.Recovered, _eventQueueFolder);
        }

        if (_journal.CorruptRecords > 0 || _journal.TruncatedBytes > 0 || _journal.SkippedBytes > 0)
        {
            PublishEvent(EventKinds.Uplink, EventSeverities.Warning,
                $"event journal repaired at start: {_journal.CorruptRecords} corrupt records, {_journal.SkippedBytes} bytes skipped, {_journal.TruncatedBytes} bytes cut",
                new Dictionary<string, string>(StringComparer.Ordinal) { ["notes"] = string.Join(" | ", _journal.RecoveryNotes) });
        }

        _intake.Start();
        _writerTask = Task.Run(WriteJournalAsync, CancellationToken.None);
        _loopTask = Task.Run(RunConnectionLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Queues a telemetry snapshot; never blocks. False when it displaced the oldest queued one (counted).</summary>
    public bool PublishTelemetry(TelemetryMessage message)
    {
        var kept = _telemetry.Enqueue(message);
        Wake();
        return kept;
    }

    /// <summary>
    /// Stamps an event with the time now and the next seq and hands it to the journal writer; never blocks on disk or
    /// network. If the in-memory hand-over queue is full (the disk stalled), its oldest event is dropped and counted.
    /// </summary>
    public void PublishEvent(string kind, string severity, string message, IReadOnlyDictionary<string, string>? data = null)
    {
        if (!IsKnownKind(kind))
        {
            throw new ArgumentException($"event kind '{kind}' is not one of {string.Join(", ", EventKinds.All)}", nameof(kind));
        }

        if (severity is not (EventSeverities.Info or EventSeverities.Warning or EventSeverities.Critical))
        {
            throw new ArgumentException($"event severity '{severity}' is not one of {string.Join(", ", EventSeverities.All)}", nameof(severity));
        }

        ArgumentNullException.ThrowIfNull(message);
        var copy = data is null ? EventMessage.EmptyData : new Dictionary<string, string>(data, StringComparer.Ordinal);
        lock (_seqGate)
        {
            var seq = ++_seq;
            var stamped = new EventMessage
            {
                Id = $"{_bootId}-{seq.ToString(CultureInfo.InvariantCulture)}",
                Seq = seq,
                BootId = _bootId,
                DeviceId = _identity.DeviceId,
                Time = _time.GetUtcNow(),
                Kind = kind,
                Severity = severity,
                Message = message,
                Data = copy,
            };

            // Written under the same lock as the seq so the journal sees events in seq order.
            if (!_pendingEvents.Writer.TryWrite(stamped))
            {
                Interlocked.Increment(ref _eventsDroppedInMemory);
                return;
            }
        }

        Interlocked.Increment(ref _eventsAccepted);
    }

    /// <summary>Changes the model in the status document and republishes it (retained).</summary>
    public void SetModel(string? id, string? version)
    {
        _identity.SetModel(id, version);
        Interlocked.Exchange(ref _statusDirty, 1);
        Wake();
    }

    /// <summary>
    /// Persists pending events, delivers what it can before <paramref name="cancellationToken"/> fires, publishes
    /// status offline (retained) and disconnects normally, so the broker does not send the will.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _pendingEvents.Writer.TryComplete();
        using var abortOnTimeout = cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _abort);
        try
        {
            await _writerTask.WaitAsync(_abort.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Out of time: whatever is not in the journal yet is lost, and counted below.
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        Wake();
        try
        {
            await _loopTask.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop was aborted by the caller's token.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _abort.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_writerTask, _loopTask).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Expected after the abort.
        }

        await _intake.DisposeAsync().ConfigureAwait(false);
        _journal?.Dispose();
        _stop.Dispose();
        _abort.Dispose();
        _clientCertificate?.Dispose();
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private static bool IsKnownKind(string kind) => kind is EventKinds.Supervisor or EventKinds.Fault or EventKinds.Model
        or EventKinds.Recording or EventKinds.SelfTest or EventKinds.Command or EventKinds.Uplink or EventKinds.Release;
}
