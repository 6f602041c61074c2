using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Server;

namespace EdgeBci.Telemetry.Broker;

/// <summary>
/// The in-process MQTTnet broker used when <c>Mqtt:Broker</c> is <c>embedded</c>. Every client authenticates with a
/// user name and password from <see cref="BrokerCredentials"/>, the fleet ACL (<see cref="BrokerAccessList"/>, the
/// deployed mosquitto file) decides what each may publish and read, the unit's client id is the unit's alone, and
/// packets, retained messages, sessions and per-client queues are bounded (<see cref="BrokerPolicy"/>,
/// <see cref="GuardedTcpServerAdapter"/>). It has no TLS, so it binds only to a loopback address unless
/// <see cref="MqttOptions.EmbeddedAllowRemote"/> is set. Retained messages live in memory.
/// </summary>
public sealed partial class EmbeddedBroker : IAsyncDisposable
{
    /// <summary>How long a new connection may take to send its CONNECT (and any packet its peer waits for).</summary>
    public static readonly TimeSpan CommunicationTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Raw TCP connections allowed beyond the session limit, so refusals can still be answered with a CONNACK.</summary>
    private const int ExtraConnections = 4;

    private readonly IPAddress _bindAddress;
    private readonly int _requestedPort;
    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly BrokerPolicy _policy;
    private MqttServer? _server;
    private GuardedTcpServerAdapter? _listener;

    public EmbeddedBroker(MqttOptions options, BrokerCredentials credentials, BrokerAccessList accessList, ILogger<EmbeddedBroker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(accessList);
        if (!IPAddress.TryParse(options.EmbeddedBindAddress, out var address))
        {
            throw new ArgumentException($"{MqttOptions.SectionName}:EmbeddedBindAddress is '{options.EmbeddedBindAddress}': use an IP address such as 127.0.0.1", nameof(options));
        }

        if (!IPAddress.IsLoopback(address) && !options.EmbeddedAllowRemote)
        {
            throw new ArgumentException(
                $"{MqttOptions.SectionName}:EmbeddedBindAddress is '{options.EmbeddedBindAddress}': the embedded broker has no TLS (passwords would cross the network in clear), so it binds only to a loopback address unless {MqttOptions.SectionName}:EmbeddedAllowRemote is true",
                nameof(options));
        }

        if (options.EmbeddedPort is < 0 or > 65535)
        {
            throw new ArgumentException($"{MqttOptions.SectionName}:EmbeddedPort is {options.EmbeddedPort}: use 0 to 65535", nameof(options));
        }

        _bindAddress = address;
        _requestedPort = options.EmbeddedPort;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Retained = new RetainedBudget(options.EmbeddedMaxRetainedMessages, options.EmbeddedMaxRetainedBytes);
        _policy = new BrokerPolicy(credentials, accessList, Retained, options.ResolveDeviceId(), options.ResolveClientId(), options.EmbeddedMaxSessions, options.EmbeddedCommandsPerClientPerSecond, _logger);
    }

    /// <summary>The port the broker listens on (the free one picked when 0 was asked for); 0 before start.</summary>
    public int Port { get; private set; }

    public bool IsStarted => _server?.IsStarted ?? false;

    /// <summary>What the retained store holds (count and payload bytes), as accounted before MQTTnet stores it.</summary>
    public RetainedBudget Retained { get; }

    /// <summary>Test seam: sees the MQTTnet server before it starts (e.g. to refuse a client for a while).</summary>
    internal Action<MqttServer>? BeforeStart { get; set; }

    /// <summary>
    /// The ACL the embedded broker applies: <c>Mqtt:EmbeddedAclFile</c>, or <c>mosquitto.acl</c> shipped beside the
    /// program (deploy/mosquitto/acl, the fleet broker's file).
    /// </summary>
    public static string AclPathFor(MqttOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrEmpty(options.EmbeddedAclFile) ? Path.Combine(AppContext.BaseDirectory, "mosquitto.acl") : options.EmbeddedAclFile;
    }

    public async Task StartAsync()
    {
        if (_server is not null)
        {
            throw new InvalidOperationException("the embedded broker is started already");
        }

        var listener = new GuardedTcpServerAdapter(new IPEndPoint(_bindAddress, _requestedPort), _options.EmbeddedMaxPacketBytes,
            _options.EmbeddedMaxSessions + ExtraConnections, _logger);
        var factory = new MqttServerFactory();
        var serverOptions = factory.CreateServerOptionsBuilder()
            .WithDefaultCommunicationTimeout(CommunicationTimeout)
            .WithMaxPendingMessagesPerClient(_options.EmbeddedMaxPendingMessagesPerClient)
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropOldestQueuedMessage)
            .Build();
        var server = factory.CreateMqttServer(serverOptions, [listener]);
        _policy.Attach(server);
        BeforeStart?.Invoke(server);
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch
        {
            server.Dispose();
            throw;
        }

        _server = server;
        _listener = listener;
        Port = listener.LocalEndPoint?.Port ?? 0;
        LogStarted(_logger, _bindAddress, Port);
    }

    public async Task StopAsync()
    {
        var server = _server;
        _server = null;
        _listener = null;
        if (server is null)
        {
            return;
        }

        try
        {
            await server.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            server.Dispose();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port}")]
    private static partial void LogStarted(ILogger logger, IPAddress address, int port);
}
