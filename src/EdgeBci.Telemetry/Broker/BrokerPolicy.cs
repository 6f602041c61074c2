using System.Collections.Concurrent;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeBci.Telemetry.Broker;

/// <summary>
/// Who may do what on the embedded broker, as MQTTnet's interceptors: every CONNECT authenticates against
/// <see cref="BrokerCredentials"/>; the unit's client id belongs to the unit's user alone (and that user to that id);
/// publishes, subscriptions and every delivered message are judged by the fleet ACL (<see cref="BrokerAccessList"/>);
/// retained messages stay within <see cref="RetainedBudget"/> and retained commands are never stored; the
/// <c>sender</c> of a command is the authenticated user name.
/// </summary>
internal sealed partial class BrokerPolicy
{
    private const string RepliesPrefix = MqttTopics.Prefix + "/replies/";
    private const string CommandRateKey = "edgebci.command-rate";

    private readonly BrokerCredentials _credentials;
    private readonly BrokerAccessList _accessList;
    private readonly RetainedBudget _retained;
    private readonly string _unitUser;
    private readonly string _unitClientId;
    private readonly int _maxSessions;
    private readonly int _commandsPerSecond;
    private readonly ILogger _logger;
    // Apart, so that a publish flood cannot hide a refused login from the log, nor the other way round.
    private readonly LogThrottle _connectRefusals = new(10, TimeSpan.FromSeconds(10));
    private readonly LogThrottle _publishRefusals = new(10, TimeSpan.FromSeconds(10));

    // Receiver client id -> its authenticated user: MQTTnet's enqueue interceptor names only the client id.
    private readonly ConcurrentDictionary<string, string> _users = new(StringComparer.Ordinal);

    public BrokerPolicy(BrokerCredentials credentials, BrokerAccessList accessList, RetainedBudget retained, string unitUser, string unitClientId, int maxSessions, int commandsPerSecond, ILogger logger)
    {
        _commandsPerSecond = commandsPerSecond;
        _credentials = credentials;
        _accessList = accessList;
        _retained = retained;
        _unitUser = unitUser;
        _unitClientId = unitClientId;
        _maxSessions = maxSessions;
        _logger = logger;
    }

    /// <summary>The sessions MQTTnet holds (connected or kept for a client that left), for the session limit.</summary>
    public Func<Task<IList<MqttSessionStatus>>>? Sessions { get; set; }

    public void Attach(MqttServer server)
    {
        server.ValidatingConnectionAsync += ValidateConnectionAsync;
        server.ClientConnectedAsync += OnConnected;
        server.SessionDeletedAsync += OnSessionDeleted;
        server.InterceptingPublishAsync += InterceptPublish;
        server.InterceptingSubscriptionAsync += InterceptSubscription;
        server.InterceptingClientEnqueueAsync += InterceptEnqueue;
        Sessions = server.GetSessionsAsync;
    }

    private async Task ValidateConnectionAsync(ValidatingConnectionEventArgs args)
    {
        var user = args.UserName;
        if (!_credentials.Verify(user, args.Password))
        {
            Refuse(args, MqttConnectReasonCode.BadUserNameOrPassword, "unknown user name or wrong password");
            return;
        }

        var isUnit = string.Equals(user, _unitUser, StringComparison.Ordinal);
        var claimsUnitId = string.Equals(args.ClientId, _unitClientId, StringComparison.Ordinal);
        if (claimsUnitId && !isUnit)
        {
            Refuse(args, MqttConnectReasonCode.NotAuthorized, $"the client id {_unitClientId} is the unit's own");
            return;
        }

        if (isUnit && !claimsUnitId)
        {
            Refuse(args, MqttConnectReasonCode.NotAuthorized, $"the unit's user connects only as {_unitClientId}");
            return;
        }

        // Sessions, not just connections, are counted: a session kept for a client that left still queues messages.
        // One place is always kept for the unit: an attacker filling the sessions cannot keep it from reconnecting.
        if (!isUnit && Sessions is { } sessions)
        {
            var held = await sessions().ConfigureAwait(false);
            var others = 0;
            foreach (var session in held)
            {
                if (!string.Equals(session.Id, args.ClientId, StringComparison.Ordinal) && !string.Equals(session.Id, _unitClientId, StringComparison.Ordinal))
                {
                    others++;
                }
            }

            if (others >= _maxSessions - 1)
            {
                Refuse(args, MqttConnectReasonCode.QuotaExceeded, $"{_maxSessions} sessions are open (Mqtt:EmbeddedMaxSessions)");
            }
        }
    }

    private void Refuse(ValidatingConnectionEventArgs args, MqttConnectReasonCode code, string reason)
    {
        args.ReasonCode = code;
        args.ReasonString = reason;
        if (_connectRefusals.TryEnter(out var suppressed))
        {
            LogConnectRefused(_logger, args.RemoteEndPoint?.ToString() ?? "(unknown)", LogThrottle.Printable(args.UserName), LogThrottle.Printable(args.ClientId), code, reason, suppressed);
        }
    }

    private Task OnConnected(ClientConnectedEventArgs args)
    {
        _users[args.ClientId] = args.UserName ?? string.Empty;
        return Task.CompletedTask;
    }

    private Task OnSessionDeleted(SessionDeletedEventArgs args)
    {
        if (args.SessionItems?[CommandRateKey] is IDisposable rate)
        {
            rate.Dispose();
        }

        // Kept while the session lives (messages are queued for a client that left); a takeover overwrote it at connect.
        _users.TryRemove(args.Id, out _);
        return Task.CompletedTask;
    }

    private Task InterceptPublish(InterceptingPublishEventArgs args)
    {
        var message = args.ApplicationMessage;
        var topic = message.Topic;
        if (!_accessList.CanWrite(args.UserName, args.ClientId, topic))
        {
            Drop(args, MqttPubAckReasonCode.NotAuthorized, $"{args.UserName} may not publish to {topic}");
            return Task.CompletedTask;
        }

        var isCommand = MqttTopics.TryParseCommand(topic, out _, out var command);
        if (message.Retain && isCommand)
        {
            // A retained command would replay at every (re)connect of the unit. A stop is delivered (stop is always
            // honoured) but not kept; any other command is refused here.
            if (!string.Equals(command, "stop", StringComparison.Ordinal))
            {
                Drop(args, MqttPubAckReasonCode.NotAuthorized, "retained commands are not accepted");
                return Task.CompletedTask;
            }

            message.Retain = false;
        }

        // An answer is for the one request it correlates with: kept, it would replay to the next subscriber, and a
        // retained message reaches a new subscription without the per-message read check (MQTTnet sends it directly).
        if (message.Retain && topic.StartsWith(RepliesPrefix, StringComparison.Ordinal))
        {
            message.Retain = false;
        }

        if (message.Retain)
        {
            var refusal = _retained.TryAccount(topic, message.Payload.Length, force: string.Equals(args.UserName, _unitUser, StringComparison.Ordinal));
            if (refusal is not null)
            {
                Drop(args, MqttPubAckReasonCode.QuotaExceeded, refusal);
                return Task.CompletedTask;
            }
        }

        if (isCommand && !string.Equals(command, "stop", StringComparison.Ordinal) && !CommandRate(args).AttemptAcquire().IsAcquired)
        {
            Drop(args, MqttPubAckReasonCode.QuotaExceeded, $"more than {_commandsPerSecond} commands a second from this client (Mqtt:EmbeddedCommandsPerClientPerSecond); stop is never limited");
            return Task.CompletedTask;
        }

        if (isCommand)
        {
            StampSender(message, args.UserName);
        }

        return Task.CompletedTask;
    }

    /// <summary>The client's command bucket, kept in its session (a reconnect with a clean session starts a full one).</summary>
    private TokenBucketRateLimiter CommandRate(InterceptingPublishEventArgs args)
    {
        const string Key = CommandRateKey;
        var items = args.SessionItems;
        lock (items)
        {
            if (items[Key] is TokenBucketRateLimiter existing)
            {
                return existing;
            }

            var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
            {
                TokenLimit = 2 * _commandsPerSecond,
                TokensPerPeriod = _commandsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            });
            items[Key] = limiter;
            return limiter;
        }
    }

    private Task InterceptSubscription(InterceptingSubscriptionEventArgs args)
    {
        var filter = args.TopicFilter.Topic;
        if (!_accessList.CanSubscribe(args.UserName, args.ClientId, filter))
        {
            args.ProcessSubscription = false;
            args.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            args.ReasonString = $"{args.UserName} may not read {filter}";
        }

        return Task.CompletedTask;
    }

    private Task InterceptEnqueue(InterceptingClientApplicationMessageEnqueueEventArgs args)
    {
        // Deny lines hold per message: a subscription granted by a broad read can still not deliver a denied topic.
        var user = _users.TryGetValue(args.ReceiverClientId, out var known) ? known : null;
        if (user is null || !_accessList.CanRead(user, args.ReceiverClientId, args.ApplicationMessage.Topic))
        {
            args.AcceptEnqueue = false;
        }

        return Task.CompletedTask;
    }

    private void Drop(InterceptingPublishEventArgs args, MqttPubAckReasonCode code, string reason)
    {
        args.ProcessPublish = false;
        args.Response.ReasonCode = code;
        args.Response.ReasonString = reason;
        if (_publishRefusals.TryEnter(out var suppressed))
        {
            LogPublishRefused(_logger, LogThrottle.Printable(args.UserName), LogThrottle.Printable(args.ClientId), LogThrottle.Printable(args.ApplicationMessage.Topic), reason, suppressed);
        }
    }

    /// <summary>The command's <c>sender</c> is who authenticated, whatever the client wrote: AllowedSenders lists identities.</summary>
    private static void StampSender(MQTTnet.MqttApplicationMessage message, string? user)
    {
        var properties = message.UserProperties ??= [];
        properties.RemoveAll(static p => string.Equals(p.Name, "sender", StringComparison.Ordinal));
        properties.Add(new MqttUserProperty("sender", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(user ?? string.Empty))));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded MQTT broker refused a connection from {Remote} (user {User}, client id {ClientId}): {Code}, {Reason} ({Suppressed} similar refusals not logged before this one)")]
    private static partial void LogConnectRefused(ILogger logger, string remote, string user, string clientId, MqttConnectReasonCode code, string reason, int suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded MQTT broker dropped a publish by {User} (client id {ClientId}) to {Topic}: {Reason} ({Suppressed} similar refusals not logged before this one)")]
    private static partial void LogPublishRefused(ILogger logger, string user, string clientId, string topic, string reason, int suppressed);
}
