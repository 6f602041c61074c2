using System.Collections.Concurrent;
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
    private readonly ConcurrentQueue<PendingResponse> _responses = new();
    private readonly RejectionEventLimiter _rejectionLimiter;
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
    private long _commandsReceived;
    private long _commandsRejected;

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
        _rejectionLimiter = new RejectionEventLimiter(time);
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
        Interlocked.Read(ref _commandsReceived),
        Interlocked.Read(ref _commandsRejected),
        _journal?.WriteFailures ?? 0,
        _lastError);

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

        _journal?.Dispose();
        _stop.Dispose();
        _abort.Dispose();
        _clientCertificate?.Dispose();
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private static bool IsKnownKind(string kind) => kind is EventKinds.Supervisor or EventKinds.Fault or EventKinds.Model
        or EventKinds.Recording or EventKinds.SelfTest or EventKinds.Command or EventKinds.Uplink;

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

    private async Task RunConnectionLoopAsync()
    {
        var factory = new MqttClientFactory();
        var attempt = 0;
        string? lastReason = null;
        var everConnected = false;
        while (!_stop.IsCancellationRequested && !_abort.IsCancellationRequested)
        {
            using var client = factory.CreateMqttClient();
            client.DisconnectedAsync += OnDisconnectedAsync;
            client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
            var wasConnected = false;
            try
            {
                using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, _abort.Token))
                {
                    connectTimeout.CancelAfter(_options.ConnectTimeoutMs);
                    var result = await client.ConnectAsync(BuildClientOptions(), connectTimeout.Token).ConfigureAwait(false);
                    if (result.ResultCode != MqttClientConnectResultCode.Success)
                    {
                        throw new IOException($"broker refused the connection: {result.ResultCode} {result.ReasonString}");
                    }
                }

                wasConnected = true;
                _lastDisconnectReason = null;
                Interlocked.Increment(ref _connects);
                if (everConnected)
                {
                    Interlocked.Increment(ref _reconnects);
                }

                everConnected = true;
                attempt = 0;
                lastReason = null;
                LogConnected(_logger, Describe(_endpoint), _clientId);

                // Connected, for callers, means announced: status online retained and commands subscribed.
                await AnnounceAsync(client).ConfigureAwait(false);
                _connected = true;
                RaiseConnectionChanged(true);
                await ServeAsync(client).ConfigureAwait(false);
            }
            catch (Exception ex) when (!_abort.IsCancellationRequested && (!_stop.IsCancellationRequested || wasConnected))
            {
                var reason = wasConnected ? $"connection lost: {_lastDisconnectReason ?? ex.Message}" : $"cannot connect to {Describe(_endpoint)}: {ex.Message}";
                _lastError = reason;
                if (!string.Equals(reason, lastReason, StringComparison.Ordinal))
                {
                    LogConnectionProblem(_logger, reason);
                    lastReason = reason;
                }
                else
                {
                    LogConnectionProblemRepeated(_logger, reason);
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested || _abort.IsCancellationRequested)
            {
                // Stop or abort requested while connecting, or the caller's time for the final flush ran out.
            }
            finally
            {
                if (_connected)
                {
                    _connected = false;
                    RaiseConnectionChanged(false);
                }
            }

            if (_stop.IsCancellationRequested || _abort.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(NextBackoff(attempt++), _time, _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private TimeSpan NextBackoff(int attempt)
    {
        // Exponential from min to max, then a random 50-100 % of it so a fleet does not reconnect in step.
        var ceiling = Math.Min(_options.ReconnectMaxDelayMs, _options.ReconnectMinDelayMs * Math.Pow(2, Math.Min(attempt, 30)));
        var jittered = ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5));
        return TimeSpan.FromMilliseconds(Math.Max(_options.ReconnectMinDelayMs, jittered));
    }

    private async Task AnnounceAsync(IMqttClient client)
    {
        var token = _abort.Token;
        Interlocked.Exchange(ref _statusDirty, 0);
        await PublishCheckedAsync(client, StatusMessage(true), token).ConfigureAwait(false);
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(MqttTopics.CommandFilter(_identity.DeviceId), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var subscribed = await client.SubscribeAsync(subscribe, token).ConfigureAwait(false);
        foreach (var item in subscribed.Items)
        {
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                LogCommandSubscriptionRefused(_logger, item.TopicFilter.Topic, item.ResultCode.ToString());
            }
        }

        if (_options.HomeAssistantDiscovery)
        {
            foreach (var discovery in HomeAssistantDiscovery.Build(_identity.DeviceId, _identity.FirmwareVersion, _identity.Board))
            {
                var message = new MqttApplicationMessageBuilder()
                    .WithTopic(discovery.Topic)
                    .WithPayload(discovery.Payload)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .WithRetainFlag()
                    .Build();
                await PublishCheckedAsync(client, message, token).ConfigureAwait(false);
            }
        }
    }

    private async Task ServeAsync(IMqttClient client)
    {
        while (true)
        {
            if (!client.IsConnected)
            {
                throw new IOException(_lastDisconnectReason ?? "the broker closed the connection");
            }

            if (_stop.IsCancellationRequested)
            {
                await FinishAsync(client).ConfigureAwait(false);
                return;
            }

            await SendPendingAsync(client).ConfigureAwait(false);
            var suppressed = _rejectionLimiter.TakeClosedSummary();
            if (suppressed > 0)
            {
                PublishSuppressedSummary(suppressed);
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            wait.CancelAfter(IdleWait);
            try
            {
                if (await _wake.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                {
                    _wake.Reader.TryRead(out _);
                }
            }
            catch (OperationCanceledException)
            {
                // Idle timeout or stop: loop round and look again.
            }
        }
    }

    private async Task SendPendingAsync(IMqttClient client)
    {
        var token = _abort.Token;
        if (Interlocked.Exchange(ref _statusDirty, 0) != 0)
        {
            await PublishCheckedAsync(client, StatusMessage(true), token).ConfigureAwait(false);
        }

        while (_responses.TryDequeue(out var response))
        {
            var builder = new MqttApplicationMessageBuilder()
                .WithTopic(response.Topic)
                .WithPayload(response.Payload)
                .WithContentType("application/json")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
            if (response.CorrelationData is not null)
            {
                builder.WithCorrelationData(response.CorrelationData);
            }

            // A response that fails is not retried on the next connection: the requester has timed out by then, and
            // the result is in the events topic anyway.
            await client.PublishAsync(builder.Build(), token).ConfigureAwait(false);
        }

        var journal = _journal!;
        var eventsTopic = MqttTopics.Events(_identity.DeviceId);
        while (journal.TryPeek(out JournalEntry entry))
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(eventsTopic)
                .WithPayload(TelemetryJson.SerializeEvent(entry.Message))
                .WithContentType("application/json")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await PublishCheckedAsync(client, message, token).ConfigureAwait(false);
            journal.Acknowledge(entry.Position);
            if (!entry.IsDropNotice)
            {
                Interlocked.Increment(ref _eventsDelivered);
            }
        }

        var telemetryTopic = MqttTopics.Telemetry(_identity.DeviceId);
        while (_telemetry.TryDequeue(out var snapshot))
        {
            var withCounters = snapshot with
            {
                Uplink = new UplinkTelemetry(
                    _telemetry.Dropped + Interlocked.Read(ref _telemetryLost),
                    journal.Count + _pendingEvents.Reader.Count,
                    EventsDropped,
                    Interlocked.Read(ref _reconnects)),
            };
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(telemetryTopic)
                .WithPayload(TelemetryJson.SerializeTelemetry(withCounters))
                .WithContentType("application/json")
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                .Build();
            try
            {
                await client.PublishAsync(message, token).ConfigureAwait(false);
                Interlocked.Increment(ref _telemetrySent);
            }
            catch
            {
                Interlocked.Increment(ref _telemetryLost);
                throw;
            }
        }
    }

    private async Task FinishAsync(IMqttClient client)
    {
        try
        {
            await SendPendingAsync(client).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_abort.IsCancellationRequested)
        {
            LogFinalFlushIncomplete(_logger, ex.Message);
        }
        catch (OperationCanceledException)
        {
            LogFinalFlushIncomplete(_logger, "out of time");
        }

        // Offline status and a normal DISCONNECT even when the flush ran out of time: a short grace of its own.
        using var grace = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(1000, _options.ConnectTimeoutMs)));
        try
        {
            await PublishCheckedAsync(client, StatusMessage(false), grace.Token).ConfigureAwait(false);
            await client.DisconnectAsync(
                new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).WithReasonString("shutdown").Build(),
                grace.Token).ConfigureAwait(false);
            LogDisconnected(_logger);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFinalFlushIncomplete(_logger, $"offline status or disconnect failed: {ex.Message}");
        }
    }

    private static async Task PublishCheckedAsync(IMqttClient client, MqttApplicationMessage message, CancellationToken token)
    {
        var result = await client.PublishAsync(message, token).ConfigureAwait(false);
        if (!result.IsSuccess)
        {
            throw new IOException($"publish to {message.Topic} refused by the broker: {result.ReasonCode} {result.ReasonString}");
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        if (args.ClientWasConnected)
        {
            _lastDisconnectReason = args.Exception is null
                ? $"disconnected ({args.Reason}{(string.IsNullOrEmpty(args.ReasonString) ? string.Empty : ": " + args.ReasonString)})"
                : $"disconnected ({args.Reason}): {args.Exception.Message}";
        }

        Wake();
        return Task.CompletedTask;
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        var message = args.ApplicationMessage;
        Interlocked.Increment(ref _commandsReceived);
        string? sender = null;
        if (message.UserProperties is { } properties)
        {
            foreach (var property in properties)
            {
                if (string.Equals(property.Name, "sender", StringComparison.Ordinal))
                {
                    sender = property.ReadValueAsString();
                }
            }
        }

        var result = _commands.Dispatch(message.Topic, message.Payload, sender);
        if (!result.Ok)
        {
            Interlocked.Increment(ref _commandsRejected);
        }

        var responseTopic = message.ResponseTopic;
        var responseRefusal = string.IsNullOrEmpty(responseTopic) ? null : CheckResponseTopic(responseTopic);
        if (!string.IsNullOrEmpty(responseTopic) && responseRefusal is null)
        {
            _responses.Enqueue(new PendingResponse(responseTopic, TelemetryJson.SerializeCommandResult(result), message.CorrelationData));
            Wake();
        }

        LogCommandEvent(result, sender, responseRefusal);
        return Task.CompletedTask;
    }

    /// <summary>Refuses response topics that would let a requester write into this unit's own topics or use wildcards.</summary>
    private string? CheckResponseTopic(string topic)
    {
        if (topic.Contains('+', StringComparison.Ordinal) || topic.Contains('#', StringComparison.Ordinal))
        {
            return "the response topic contains a wildcard";
        }

        if (topic.StartsWith($"{MqttTopics.Prefix}/{_identity.DeviceId}/", StringComparison.Ordinal) ||
            topic.StartsWith(HomeAssistantDiscovery.Prefix + "/", StringComparison.Ordinal))
        {
            return "the response topic is inside the unit's own topics";
        }

        return topic.Length > 512 ? "the response topic is longer than 512 characters" : null;
    }

    private void LogCommandEvent(CommandResult result, string? sender, string? responseRefusal)
    {
        var who = sender is null ? "an unnamed sender" : $"'{CommandDispatcher.Printable(sender)}'";
        var data = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["command"] = result.Command,
            ["sender"] = sender is null ? string.Empty : CommandDispatcher.Printable(sender),
            ["ok"] = result.Ok ? "true" : "false",
        };
        if (responseRefusal is not null)
        {
            data["responseNotSent"] = responseRefusal;
        }

        if (result.Ok)
        {
            if (result.Result is not null)
            {
                data["result"] = result.Result.ToJsonString();
            }

            PublishEvent(EventKinds.Command, EventSeverities.Info, $"command {result.Command} from {who}: ok", data);
            return;
        }

        var error = result.Error!;
        data["code"] = error.Code;
        data["error"] = error.Message;
        if (_rejectionLimiter.TryAcquire(out var suppressedBefore))
        {
            if (suppressedBefore > 0)
            {
                PublishSuppressedSummary(suppressedBefore);
            }

            PublishEvent(EventKinds.Command, EventSeverities.Warning, $"command '{result.Command}' from {who} rejected: {error.Code}: {error.Message}", data);
        }
    }

    private void PublishSuppressedSummary(long suppressed) =>
        PublishEvent(EventKinds.Command, EventSeverities.Warning,
            $"{suppressed} further command rejections not logged as events (more than {RejectionEventLimiter.PerSecond} per second)",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["suppressed"] = suppressed.ToString(CultureInfo.InvariantCulture) });

    private void RaiseConnectionChanged(bool connected)
    {
        try
        {
            ConnectionChanged?.Invoke(connected);
        }
#pragma warning disable CA1031 // A subscriber's exception must not stop the connection loop.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogSubscriberFailed(_logger, ex.Message);
        }
    }

    private MqttApplicationMessage StatusMessage(bool online) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(MqttTopics.Status(_identity.DeviceId))
            .WithPayload(TelemetryJson.SerializeStatus(BuildStatus(online)))
            .WithContentType("application/json")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag()
            .Build();

    private StatusMessage BuildStatus(bool online) => new()
    {
        DeviceId = _identity.DeviceId,
        Online = online,
        FirmwareVersion = _identity.FirmwareVersion,
        Board = _identity.Board,
        Model = _identity.Model,
        StartedAt = _identity.StartedAt,
        Time = _time.GetUtcNow(),
    };

    private MqttClientOptions BuildClientOptions()
    {
        var host = _endpoint.IsEmbedded ? EmbeddedHost(_options.EmbeddedBindAddress) : _endpoint.Host;
        var port = _endpoint.IsEmbedded ? _options.EmbeddedPort : _endpoint.Port;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(_clientId)
            .WithCleanStart(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromMilliseconds(_options.ConnectTimeoutMs))
            .WithWillTopic(MqttTopics.Status(_identity.DeviceId))
            .WithWillPayload(TelemetryJson.SerializeStatus(BuildStatus(false)))
            .WithWillContentType("application/json")
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true);
        if (_options.Username.Length > 0)
        {
            builder.WithCredentials(_options.Username, _options.Password);
        }

        if (!_endpoint.IsEmbedded && _endpoint.UseTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls(true).WithTargetHost(_endpoint.Host);
                if (_options.AllowUntrustedServer)
                {
                    tls.WithCertificateValidationHandler(static _ => true);
                }
                else if (_trustedCas is not null)
                {
                    tls.WithCertificateValidationHandler(args => BrokerCertificates.ChainsToAuthorities(args, _trustedCas));
                }

                if (_clientCertificate is not null)
                {
                    tls.WithClientCertificates(new X509Certificate2Collection(_clientCertificate));
                }
            });
        }

        return builder.Build();
    }

    private static string EmbeddedHost(string bindAddress) =>
        IPAddress.TryParse(bindAddress, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
            ? "127.0.0.1"
            : bindAddress;

    private void LoadTlsMaterial()
    {
        if (_endpoint.IsEmbedded || !_endpoint.UseTls)
        {
            return;
        }

        if (_options.CaCertificate.Length > 0)
        {
            try
            {
                var cas = new X509Certificate2Collection();
                cas.ImportFromPemFile(_options.CaCertificate);
                if (cas.Count == 0)
                {
                    throw new InvalidOperationException("no certificate in the file");
                }

                _trustedCas = cas;
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or InvalidOperationException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"{MqttOptions.SectionName}:CaCertificate is '{_options.CaCertificate}': cannot read a PEM certificate ({ex.Message})", ex);
            }
        }

        if (_options.ClientCertificate.Length > 0)
        {
            try
            {
                using var pem = X509Certificate2.CreateFromPemFile(_options.ClientCertificate, _options.ClientKey);

                // SslStream on Linux wants the private key in a form it can hand to OpenSSL; a PKCS#12 round trip gives that.
                _clientCertificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException(
                    $"{MqttOptions.SectionName}:ClientCertificate '{_options.ClientCertificate}' with {MqttOptions.SectionName}:ClientKey '{_options.ClientKey}': cannot load the PEM pair ({ex.Message})", ex);
            }
        }
    }

    private static string Describe(BrokerEndpoint endpoint) =>
        endpoint.IsEmbedded ? "the embedded broker" : $"{(endpoint.UseTls ? "mqtts" : "mqtt")}://{endpoint.Host}:{endpoint.Port}";

    private sealed record PendingResponse(string Topic, byte[] Payload, byte[]? CorrelationData);

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
