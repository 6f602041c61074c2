using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Server;

namespace EdgeBci.Telemetry.Broker;

/// <summary>
/// The embedded broker's TCP listener, in place of MQTTnet's: it binds the one configured address, closes at once any
/// connection beyond <see cref="MaxConnections"/> (idle sockets cannot pile up), and gives MQTTnet each client's stream
/// behind a <see cref="PacketSizeGuardStream"/>, so no client can make the broker buffer an oversized packet.
/// </summary>
internal sealed partial class GuardedTcpServerAdapter : IMqttServerAdapter
{
    private readonly IPEndPoint _requested;
    private readonly int _maxPacketBytes;
    private readonly ILogger _logger;
    private readonly LogThrottle _warnings = new(10, TimeSpan.FromSeconds(10));
    private Socket? _listener;
    private CancellationTokenSource? _stopping;
    private Task? _acceptLoop;
    private int _connections;
    private MqttServerOptions? _serverOptions;
    private IMqttNetLogger? _mqttLogger;

    public GuardedTcpServerAdapter(IPEndPoint endpoint, int maxPacketBytes, int maxConnections, ILogger logger)
    {
        _requested = endpoint;
        _maxPacketBytes = maxPacketBytes;
        MaxConnections = maxConnections;
        _logger = logger;
    }

    public Func<IMqttChannelAdapter, Task>? ClientHandler { get; set; }

    /// <summary>Open TCP connections allowed at once; the next is closed as soon as it is accepted.</summary>
    public int MaxConnections { get; }

    /// <summary>The bound endpoint (the free port picked when 0 was asked for).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Connections closed at accept because <see cref="MaxConnections"/> were open.</summary>
    public long RefusedConnections => Interlocked.Read(ref _refused);

    private long _refused;

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("the embedded broker's listener is started already");
        }

        _serverOptions = options;
        _mqttLogger = logger;
        var listener = new Socket(_requested.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(_requested);
            listener.Listen(MaxConnections);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        var stopping = new CancellationTokenSource();
        _stopping = stopping;
        var token = stopping.Token;
        _acceptLoop = Task.Run(() => AcceptLoopAsync(listener, token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync()
    {
        var stopping = _stopping;
        var listener = _listener;
        _stopping = null;
        _listener = null;
        if (stopping is null || listener is null)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Dispose();
        if (_acceptLoop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }

        stopping.Dispose();
    }

    public void Dispose() => StopAsync().GetAwaiter().GetResult();

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception)
            {
                // Out of file descriptors and the like: the listener lives on and tries again shortly.
                LogAcceptFailed(_logger, exception.SocketErrorCode, exception.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (Interlocked.Increment(ref _connections) > MaxConnections)
            {
                Interlocked.Decrement(ref _connections);
                Interlocked.Increment(ref _refused);
                if (_warnings.TryEnter(out var suppressed))
                {
                    LogTooManyConnections(_logger, client.RemoteEndPoint, MaxConnections, suppressed);
                }

                client.Dispose();
                continue;
            }

            _ = Task.Run(() => ServeAsync(client), CancellationToken.None);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var remote = client.RemoteEndPoint;
        try
        {
            client.NoDelay = true;
            await using var stream = new PacketSizeGuardStream(new NetworkStream(client, ownsSocket: true), _maxPacketBytes, refused =>
            {
                if (_warnings.TryEnter(out var suppressed))
                {
                    LogPacketRefused(_logger, remote, refused.Message, suppressed);
                }
            });
            var handler = ClientHandler;
            if (handler is null || _serverOptions is not { } options || _mqttLogger is not { } mqttLogger)
            {
                return;
            }

            var channel = new MqttTcpChannel(stream, LocalEndPoint, remote, null);
            var formatter = new MqttPacketFormatterAdapter(new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
            using var adapter = new MqttChannelAdapter(channel, formatter, mqttLogger);
            await handler(adapter).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            LogClientEnded(_logger, remote, exception.Message);
        }
        finally
        {
            client.Dispose();
            Interlocked.Decrement(ref _connections);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded MQTT broker: accepting a connection failed ({Error}: {Reason}); retrying")]
    private static partial void LogAcceptFailed(ILogger logger, SocketError error, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded MQTT broker: connection from {Remote} closed: {Limit} connections are open already ({Suppressed} similar warnings not logged before this one)")]
    private static partial void LogTooManyConnections(ILogger logger, EndPoint? remote, int limit, int suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded MQTT broker: connection from {Remote} closed: {Reason} ({Suppressed} similar warnings not logged before this one)")]
    private static partial void LogPacketRefused(ILogger logger, EndPoint? remote, string reason, int suppressed);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Embedded MQTT broker: connection from {Remote} ended: {Reason}")]
    private static partial void LogClientEnded(ILogger logger, EndPoint? remote, string reason);
}
