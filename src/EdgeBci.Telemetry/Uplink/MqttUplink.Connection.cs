using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeBci.Telemetry.Journal;
using EdgeBci.Telemetry.Payloads;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBci.Telemetry.Uplink;

public sealed partial class MqttUplink
{
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
            // Retain as published: the intake must see a retained command as retained, live and on replay, to refuse it.
            .WithTopicFilter(filter => filter.WithTopic(MqttTopics.CommandFilter(_identity.DeviceId))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainAsPublished(true))
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

            if (await SendPendingAsync(client).ConfigureAwait(false))
            {
                Wake();
            }

            _commandEvents.PublishClosedSummaries();

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

    /// <summary>Sends one batch of answers and events and all telemetry; true when answers or events are still waiting.</summary>
    private async Task<bool> SendPendingAsync(IMqttClient client)
    {
        var token = _abort.Token;
        if (Interlocked.Exchange(ref _statusDirty, 0) != 0)
        {
            await PublishCheckedAsync(client, StatusMessage(true), token).ConfigureAwait(false);
        }

        // Answers, events and telemetry take turns, a batch each per pass: a flood of commands and their answers must
        // not hold back the events (a STOP's among them) nor telemetry. Stop and disarm answers leave the queue first.
        var answered = 0;
        while (answered++ < BatchPerPass && _responses.TryDequeue(out var response))
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
        var delivered = 0;
        while (delivered++ < BatchPerPass && journal.TryPeek(out JournalEntry entry))
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

        return _responses.Count > 0 || journal.TryPeek(out JournalEntry _);
    }

    private async Task FinishAsync(IMqttClient client)
    {
        try
        {
            while (await SendPendingAsync(client).ConfigureAwait(false))
            {
            }
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

    /// <summary>MQTTnet's receive thread: the intake takes the command and returns at once (no handler runs here but stop and disarm's hand-over).</summary>
    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs args)
    {
        _intake.Receive(args.ApplicationMessage);
        return Task.CompletedTask;
    }

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
}
