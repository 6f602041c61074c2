using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EdgeBci.Telemetry.Uplink;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace EdgeBci.Cli.Monitor;

/// <summary>The broker could not be reached or refused the monitor; the message names the broker and the cause.</summary>
internal sealed class BrokerConnectionException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The monitor's MQTT 5 session: connects, subscribes to the units' status, telemetry and events, feeds every message
/// to the board and, when the broker drops it, reconnects with a growing pause in the background.
/// </summary>
internal sealed class BrokerConnection : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    // An engineer is watching: a broker that comes back is shown within seconds, and one attempt every 5 s costs nothing.
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    private readonly MonitorSettings settings;
    private readonly MonitorBoard board;
    private readonly TimeProvider time;
    private readonly Action<UnitEvent> onEvent;
    private readonly MqttClientFactory factory = new();
    private readonly IMqttClient client;
    private readonly MqttClientOptions options;
    private readonly SemaphoreSlim dropped = new(0, 1);
    private readonly CancellationTokenSource stopping = new();
    private Task? keepConnected;
    private volatile string state = "connecting";
    private int reconnectRequested;

    // The broker accepted a session at least once: from then on a lost connection is a drop to reconnect from.
    private bool accepted;

    public BrokerConnection(MonitorSettings settings, MonitorBoard board, TimeProvider time, Action<UnitEvent> onEvent)
    {
        this.settings = settings;
        this.board = board;
        this.time = time;
        this.onEvent = onEvent;
        ClientId = "edgebci-monitor-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        options = BuildOptions();
        client = factory.CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessage;
        client.DisconnectedAsync += OnDisconnected;
    }

    public string ClientId { get; }

    /// <summary>"connected", or "reconnecting (...)" with the attempt and the last error, for the header line.</summary>
    public string State => state;

    /// <summary>The first connection: a broker that cannot be reached or refuses ends the command, naming the broker and the error; one that accepted and then dropped is retried.</summary>
    public async Task ConnectAsync(CancellationToken cancel)
    {
        state = "connected";
        try
        {
            await ConnectAndSubscribeAsync(cancel);
        }
        catch (Exception exception) when (!cancel.IsCancellationRequested && IsConnectionFailure(exception))
        {
            if (!accepted)
            {
                throw new BrokerConnectionException($"cannot connect to the MQTT broker at {settings.Broker}: {Describe(exception)}", exception);
            }

            // The broker accepted the session and went away before acknowledging the subscription: a drop like any
            // later one (OnDisconnected has asked for the reconnect), not a broker that cannot be reached.
            state = $"reconnecting ({Describe(exception)})";
        }

        keepConnected = Task.Run(() => KeepConnectedAsync(stopping.Token), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (keepConnected is not null)
        {
            try
            {
                await keepConnected;
            }
            catch (OperationCanceledException)
            {
                // Stopping is the expected end of the reconnect loop.
            }
        }

        if (client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync(factory.CreateClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
            }
            catch (Exception exception) when (IsConnectionFailure(exception))
            {
                // The broker went away first; there is nothing left to close politely.
            }
        }

        client.Dispose();
        stopping.Dispose();
        dropped.Dispose();
    }

    private MqttClientOptions BuildOptions()
    {
        var builder = factory.CreateClientOptionsBuilder()
            .WithTcpServer(settings.Broker.Host, settings.Broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(ClientId)
            .WithCleanStart(true)
            .WithTimeout(ConnectTimeout)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15));
        if (settings.Username is not null)
        {
            builder.WithCredentials(settings.Username, settings.Password);
        }

        if (settings.UseTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls(true).WithTargetHost(settings.Broker.Host);
                if (settings.ClientCertificate is not null)
                {
                    tls.WithClientCertificates([settings.ClientCertificate]);
                }

                if (settings.TrustedAuthorities is { } authorities)
                {
                    tls.WithCertificateValidationHandler(args => BrokerCertificates.ChainsToAuthorities(args, authorities));
                }
            });
        }

        return builder.Build();
    }

    private async Task ConnectAndSubscribeAsync(CancellationToken cancel)
    {
        // MQTTnet 5 returns a refusal (bad credentials, not authorised, ...) as a result code rather than throwing it.
        var connected = await client.ConnectAsync(options, cancel);
        if (connected.ResultCode != MqttClientConnectResultCode.Success)
        {
            var reason = string.IsNullOrEmpty(connected.ReasonString) ? string.Empty : $" ({connected.ReasonString})";
            var refusedLogin = connected.ResultCode is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized;
            var hint = !refusedLogin ? string.Empty
                : settings.Username is null
                    ? "; a unit's embedded broker wants a user: give --credentials with the file the firmware names at start (\"users and passwords in ...\")"
                    : settings.CredentialsByDefault
                        ? $"; the password came from {settings.CredentialsFile} (this unit's own file, used by default for a loopback broker): for another firmware's broker give --credentials with the file it names at start (\"users and passwords in ...\")"
                        : string.Empty;
            throw new BrokerConnectionException($"the broker refused the connection: {connected.ResultCode}{reason}{hint}", new InvalidOperationException(connected.ResultCode.ToString()));
        }

        accepted = true;
        var device = settings.DeviceFilter ?? "+";
        var subscription = factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic($"{MonitorBoard.TopicPrefix}{device}/status").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .WithTopicFilter(f => f.WithTopic($"{MonitorBoard.TopicPrefix}{device}/telemetry").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce))
            .WithTopicFilter(f => f.WithTopic($"{MonitorBoard.TopicPrefix}{device}/events").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
            .Build();
        var result = await client.SubscribeAsync(subscription, cancel);
        foreach (var item in result.Items)
        {
            if ((int)item.ResultCode > (int)MqttClientSubscribeResultCode.GrantedQoS2)
            {
                throw new BrokerConnectionException($"the broker at {settings.Broker} refused the subscription {item.TopicFilter.Topic}: {item.ResultCode}", new InvalidOperationException(item.ResultCode.ToString()));
            }
        }
    }

    private Task OnMessage(MqttApplicationMessageReceivedEventArgs args)
    {
        // The board parses and stores under its own short lock; nothing here waits on the screen or the network.
        var message = args.ApplicationMessage;
        if (board.Apply(message.Topic, message.Payload, time.GetUtcNow()) is { } unitEvent)
        {
            onEvent(unitEvent);
        }

        return Task.CompletedTask;
    }

    private Task OnDisconnected(MqttClientDisconnectedEventArgs args)
    {
        // Failed reconnect attempts also end here, with ClientWasConnected false; only a lost session starts a reconnect.
        if (args.ClientWasConnected && !stopping.IsCancellationRequested)
        {
            state = $"reconnecting ({Describe(args.Exception) ?? args.Reason.ToString()})";
            // One pending request is enough: the reconnect loop takes it and retries until the session is back.
            if (Interlocked.Exchange(ref reconnectRequested, 1) == 0)
            {
                dropped.Release();
            }
        }

        return Task.CompletedTask;
    }

    private async Task KeepConnectedAsync(CancellationToken cancel)
    {
        while (!cancel.IsCancellationRequested)
        {
            await dropped.WaitAsync(cancel);
            Interlocked.Exchange(ref reconnectRequested, 0);
            for (var attempt = 1; !cancel.IsCancellationRequested; attempt++)
            {
                if (client.IsConnected)
                {
                    state = "connected";
                    break;
                }

                var pause = TimeSpan.FromSeconds(Math.Min(LongestPause.TotalSeconds, Math.Pow(2, attempt - 1)));
                await Task.Delay(pause, time, cancel);
                try
                {
                    await ConnectAndSubscribeAsync(cancel);
                    state = "connected";
                    break;
                }
                catch (Exception exception) when (!cancel.IsCancellationRequested)
                {
                    // Whatever stopped this attempt, the next one may succeed; the header shows why it failed.
                    state = $"reconnecting (attempt {attempt}: {Describe(exception)})";
                    if (client.IsConnected)
                    {
                        // Connected but not subscribed: the next attempt starts from a fresh session, and a connected
                        // client at the top of the loop always means a subscribed one.
                        await client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.NormalDisconnection, "subscription failed");
                    }
                }
            }
        }
    }

    private static bool IsConnectionFailure(Exception exception) =>
        exception is MQTTnet.Exceptions.MqttCommunicationException or SocketException or IOException or AuthenticationException
            or OperationCanceledException or BrokerConnectionException or InvalidOperationException;

    /// <summary>The socket or TLS error underneath MQTTnet's wrapper, which is what an engineer can act on.</summary>
    private static string? Describe(Exception? exception)
    {
        if (exception is null)
        {
            return null;
        }

        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case SocketException socket:
                    return $"{socket.Message} ({socket.SocketErrorCode})";
                case AuthenticationException tls:
                    return $"TLS: {tls.Message}";
                case BrokerConnectionException refused:
                    return refused.Message;
            }
        }

        return exception is OperationCanceledException or TimeoutException
            ? $"no answer within {ConnectTimeout.TotalSeconds:0} s"
            : exception.GetBaseException().Message;
    }
}
