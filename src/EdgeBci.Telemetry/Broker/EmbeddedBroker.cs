using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Packets;
using MQTTnet.Server;

namespace EdgeBci.Telemetry.Broker;

/// <summary>
/// The in-process MQTTnet broker used when <c>Mqtt:Broker</c> is <c>embedded</c>. It has no authentication, so it binds
/// only to a loopback address unless <see cref="MqttOptions.EmbeddedAllowRemote"/> is set, and it verifies identity the
/// only way it can: on every publish to a command topic it replaces the user property <c>sender</c> with the
/// publishing client's ClientId, whatever the client claimed. Retained messages live in memory.
/// </summary>
public sealed partial class EmbeddedBroker : IAsyncDisposable
{
    private readonly IPAddress _bindAddress;
    private readonly int _requestedPort;
    private readonly ILogger _logger;
    private readonly BrokerCredentials _credentials;
    private MqttServer? _server;

    /// <summary>The users of the fleet ACL besides the units: they get passwords in the credentials file too.</summary>
    public static IReadOnlyList<string> ServiceIdentities { get; } = ["dashboard", "observer"];

    public EmbeddedBroker(MqttOptions options, BrokerCredentials credentials, ILogger<EmbeddedBroker>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(credentials);
        _credentials = credentials;
        if (!IPAddress.TryParse(options.EmbeddedBindAddress, out var address))
        {
            throw new ArgumentException($"{MqttOptions.SectionName}:EmbeddedBindAddress is '{options.EmbeddedBindAddress}': use an IP address such as 127.0.0.1", nameof(options));
        }

        if (!IPAddress.IsLoopback(address) && !options.EmbeddedAllowRemote)
        {
            throw new ArgumentException(
                $"{MqttOptions.SectionName}:EmbeddedBindAddress is '{options.EmbeddedBindAddress}': the embedded broker has no authentication and binds only to a loopback address unless {MqttOptions.SectionName}:EmbeddedAllowRemote is true",
                nameof(options));
        }

        if (options.EmbeddedPort is < 0 or > 65535)
        {
            throw new ArgumentException($"{MqttOptions.SectionName}:EmbeddedPort is {options.EmbeddedPort}: use 0 to 65535", nameof(options));
        }

        _bindAddress = address;
        _requestedPort = options.EmbeddedPort;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The port the broker listens on (the free one picked when 0 was asked for); 0 before start.</summary>
    public int Port { get; private set; }

    public bool IsStarted => _server?.IsStarted ?? false;

    /// <summary>Test seam: sees the MQTTnet server before it starts (e.g. to refuse a client for a while).</summary>
    internal Action<MqttServer>? BeforeStart { get; set; }

    public async Task StartAsync()
    {
        if (_server is not null)
        {
            throw new InvalidOperationException("the embedded broker is started already");
        }

        // MQTTnet does not report the port it bound, so a free one is found first; the short window in which another
        // process could take it is acceptable for port 0, which is meant for tests and tools.
        var port = _requestedPort == 0 ? FindFreePort(_bindAddress) : _requestedPort;
        var factory = new MqttServerFactory();
        var builder = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointPort(port);
        builder = _bindAddress.AddressFamily == AddressFamily.InterNetworkV6
            ? builder.WithDefaultEndpointBoundIPV6Address(_bindAddress).WithDefaultEndpointBoundIPAddress(IPAddress.None)
            : builder.WithDefaultEndpointBoundIPAddress(_bindAddress).WithDefaultEndpointBoundIPV6Address(IPAddress.None);
        var server = factory.CreateMqttServer(builder.Build());
        server.InterceptingPublishAsync += StampSender;
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
        Port = port;
        LogStarted(_logger, _bindAddress, port);
    }

    public async Task StopAsync()
    {
        var server = _server;
        _server = null;
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

    private static Task StampSender(InterceptingPublishEventArgs args)
    {
        var message = args.ApplicationMessage;
        if (!MqttTopics.TryParseCommand(message.Topic, out _, out _))
        {
            return Task.CompletedTask;
        }

        var properties = message.UserProperties ??= [];
        properties.RemoveAll(static p => string.Equals(p.Name, "sender", StringComparison.Ordinal));
        properties.Add(new MqttUserProperty("sender", new ReadOnlyMemory<byte>(System.Text.Encoding.UTF8.GetBytes(args.ClientId ?? string.Empty))));
        return Task.CompletedTask;
    }

    private static int FindFreePort(IPAddress address)
    {
        using var probe = new TcpListener(address, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded MQTT broker listening on {Address}:{Port}")]
    private static partial void LogStarted(ILogger logger, IPAddress address, int port);
}
