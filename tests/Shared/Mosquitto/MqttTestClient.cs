using System.Runtime.ExceptionServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EdgeBci.Tests.Shared.Mosquitto;

/// <summary>A message as a test sees it: copied out of MQTTnet's buffers when it arrived.</summary>
internal sealed record ReceivedMessage(string Topic, string Payload, bool Retain, MqttQualityOfServiceLevel QualityOfService, string? ResponseTopic, byte[]? CorrelationData);

/// <summary>
/// A plain MQTTnet 5 client (MQTT 5) for broker tests: connects over the broker's TLS or password listener,
/// records every message it receives, and waits for the one a test expects with a generous timeout.
/// </summary>
internal sealed class MqttTestClient : IAsyncDisposable
{
    /// <summary>Long enough for a loaded 2-core CI machine; a test waiting this long has failed anyway.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private readonly List<ReceivedMessage> _received = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MqttTestClient(IMqttClient client)
    {
        Client = client;
        Client.ApplicationMessageReceivedAsync += args =>
        {
            var message = args.ApplicationMessage;
            var received = new ReceivedMessage(
                message.Topic,
                Encoding.UTF8.GetString(message.Payload),
                message.Retain,
                message.QualityOfServiceLevel,
                message.ResponseTopic,
                message.CorrelationData?.ToArray());
            TaskCompletionSource arrived;
            lock (_gate)
            {
                _received.Add(received);
                arrived = _arrived;
                _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            arrived.TrySetResult();
            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public IReadOnlyList<ReceivedMessage> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>
    /// Options for the mutual-TLS listener: MQTT 5, the given client certificate (none: the handshake has nothing to
    /// offer), and the server checked against <paramref name="trustedAuthority"/> only.
    /// </summary>
    public static MqttClientOptionsBuilder TlsOptions(int port, PemCertificate? clientCertificate, X509Certificate2 trustedAuthority, string clientId)
    {
        return new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTcpServer("localhost", port)
            .WithClientId(clientId)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithTlsOptions(tls =>
            {
                tls.UseTls(true)
                    .WithTargetHost("localhost")
                    .WithCertificateValidationHandler(check => TestCertificates.IsServerTrusted(check.Certificate, check.SslPolicyErrors, trustedAuthority));
                if (clientCertificate is not null)
                {
                    tls.WithClientCertificates([clientCertificate.Certificate]);
                }
            });
    }

    /// <summary>Options for a certificate identity on <paramref name="broker"/>'s TLS listener (certificate issued now).</summary>
    public static MqttClientOptionsBuilder TlsOptions(MosquittoBroker broker, string identity, string? clientId = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return TlsOptions(broker.TlsPort, broker.ClientCertificate(identity), broker.Certificates.Authority, clientId ?? $"{identity}-{Guid.NewGuid():N}");
    }

    /// <summary>Options for a username/password identity on <paramref name="broker"/>'s plain listener.</summary>
    public static MqttClientOptionsBuilder PasswordOptions(MosquittoBroker broker, string identity, string? password = null, string? clientId = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", broker.PlainPort)
            .WithClientId(clientId ?? $"{identity}-{Guid.NewGuid():N}")
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithCredentials(identity, password ?? broker.PasswordOf(identity));
    }

    /// <summary>Connects with <paramref name="options"/>; throws whatever MQTTnet throws when the broker refuses.</summary>
    public static async Task<MqttTestClient> ConnectAsync(MqttClientOptions options, CancellationToken cancellationToken = default)
    {
        var client = new MqttTestClient(new MqttClientFactory().CreateMqttClient());
        try
        {
            MqttClientConnectResult result;
            try
            {
                result = await client.Client.ConnectAsync(options, cancellationToken);
            }
            catch (MqttConnectingFailedException failed)
            {
                // MQTTnet wraps a TLS failure that surfaces after the handshake (TLS 1.3 checks the client
                // certificate late) in the same exception as a CONNACK refusal: tell them apart, so a test sees a
                // transport failure as MqttCommunicationException and a refusal as ConnectionRefusedException.
                var transport = TransportFailure(failed);
                if (transport is not null)
                {
                    ExceptionDispatchInfo.Throw(transport);
                }

                throw new ConnectionRefusedException(failed.Message, failed);
            }

            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new ConnectionRefusedException($"The broker refused the connection: CONNACK {result.ResultCode} {result.ReasonString}", innerException: null);
            }

            return client;
        }
        catch
        {
            client.Client.Dispose();
            throw;
        }
    }

    public static Task<MqttTestClient> ConnectTlsAsync(MosquittoBroker broker, string identity, CancellationToken cancellationToken = default) =>
        ConnectAsync(TlsOptions(broker, identity).Build(), cancellationToken);

    /// <summary>Subscribes at QoS 1 and fails unless the broker granted QoS 0 or 1.</summary>
    public async Task<MqttClientSubscribeResultCode> SubscribeAsync(string topicFilter, CancellationToken cancellationToken = default)
    {
        var result = await Client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topicFilter, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            cancellationToken);
        return result.Items.Single().ResultCode;
    }

    public Task<MqttClientPublishResult> PublishAsync(string topic, string payload, MqttQualityOfServiceLevel qualityOfService = MqttQualityOfServiceLevel.AtLeastOnce, bool retain = false, CancellationToken cancellationToken = default) =>
        Client.PublishAsync(
            new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qualityOfService).WithRetainFlag(retain).Build(),
            cancellationToken);

    /// <summary>The first received message (already arrived or arriving within <paramref name="timeout"/>) that matches.</summary>
    public async Task<ReceivedMessage> WaitForAsync(Func<ReceivedMessage, bool> match, string what, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(match);
        var limit = timeout ?? DefaultWait;
        using var expiry = new CancellationTokenSource(limit);
        while (true)
        {
            Task arrived;
            lock (_gate)
            {
                foreach (var message in _received)
                {
                    if (match(message))
                    {
                        return message;
                    }
                }

                arrived = _arrived.Task;
            }

            try
            {
                await arrived.WaitAsync(expiry.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No {what} arrived within {limit.TotalSeconds:0} s. Received: {Describe(Received)}");
            }
        }
    }

    public Task<ReceivedMessage> WaitForTopicAsync(string topic, TimeSpan? timeout = null) =>
        WaitForAsync(message => message.Topic == topic, $"message on {topic}", timeout);

    public async ValueTask DisposeAsync()
    {
        if (Client.IsConnected)
        {
            try
            {
                await Client.DisconnectAsync(DisconnectKeepingSession());
            }
            catch (MqttCommunicationException)
            {
                // The broker may already be gone (outage tests); the socket is released by Dispose below.
            }
        }

        Client.Dispose();
    }

    /// <summary>
    /// A DISCONNECT that keeps the session expiry the client connected with. MQTTnet's default DISCONNECT carries
    /// Session Expiry Interval 0, which makes the broker drop a persistent session on a graceful disconnect.
    /// </summary>
    public MqttClientDisconnectOptions DisconnectKeepingSession() =>
        new MqttClientDisconnectOptionsBuilder().WithSessionExpiryInterval(Client.Options?.SessionExpiryInterval ?? 0).Build();

    private static MqttCommunicationException? TransportFailure(Exception error)
    {
        if (error is AggregateException aggregate)
        {
            foreach (var inner in aggregate.InnerExceptions)
            {
                if (TransportFailure(inner) is { } found)
                {
                    return found;
                }
            }

            return null;
        }

        return error as MqttCommunicationException ?? (error.InnerException is null ? null : TransportFailure(error.InnerException));
    }

    private static string Describe(IReadOnlyList<ReceivedMessage> messages) =>
        messages.Count == 0 ? "nothing" : string.Join("; ", messages.Select(message => $"{message.Topic} {message.Payload}"));
}

/// <summary>The broker answered CONNECT with a refusal (CONNACK reason code in the message), as opposed to a TLS or network failure.</summary>
internal sealed class ConnectionRefusedException(string message, Exception? innerException) : Exception(message, innerException);
