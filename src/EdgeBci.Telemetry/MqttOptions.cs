using System.Net;
using EdgeBci.Telemetry.Commands;

namespace EdgeBci.Telemetry;

/// <summary>Per-command switch and sender allow-list (<c>Mqtt:Commands:&lt;name&gt;</c>).</summary>
public sealed class CommandPermission
{
    public bool Enabled { get; set; } = true;

    /// <summary>Identities allowed to send the command; empty = any identity the broker let through.</summary>
    public string[] AllowedSenders { get; set; } = [];
}

/// <summary>The <c>Mqtt</c> configuration section.</summary>
public sealed class MqttOptions
{
    public const string SectionName = "Mqtt";

    /// <summary><c>embedded</c>, <c>mqtt://host:port</c> or <c>mqtts://host:port</c>.</summary>
    public string Broker { get; set; } = "embedded";

    /// <summary>Port of the embedded broker; 0 picks a free one (see <see cref="Broker.EmbeddedBroker.Port"/>).</summary>
    public int EmbeddedPort { get; set; } = 1883;

    public string EmbeddedBindAddress { get; set; } = "127.0.0.1";

    /// <summary>The embedded broker has no TLS (passwords would cross the network in clear), so binding it to a non-loopback address needs this.</summary>
    public bool EmbeddedAllowRemote { get; set; }

    /// <summary>Empty = derived from the machine name (<see cref="DeviceIds.FromMachineName"/>).</summary>
    public string DeviceId { get; set; } = string.Empty;

    /// <summary>Empty = <c>edgebci-&lt;deviceId&gt;</c>.</summary>
    public string ClientId { get; set; } = string.Empty;

    public string Username { get; set; } = string.Empty;

    public string Password { get; set; } = string.Empty;

    /// <summary>PEM file of the CA that signed the broker's certificate; the server chain is checked against it only.</summary>
    public string CaCertificate { get; set; } = string.Empty;

    public string ClientCertificate { get; set; } = string.Empty;

    public string ClientKey { get; set; } = string.Empty;

    public bool AllowUntrustedServer { get; set; }

    public int KeepAliveSeconds { get; set; } = 15;

    public int ConnectTimeoutMs { get; set; } = 5000;

    public int ReconnectMinDelayMs { get; set; } = 500;

    public int ReconnectMaxDelayMs { get; set; } = 30000;

    public int TelemetryIntervalMs { get; set; } = 1000;

    public int TelemetryQueueCapacity { get; set; } = 16;

    /// <summary>Empty = the folder the firmware passes to <see cref="Uplink.MqttUplink"/>.</summary>
    public string EventQueuePath { get; set; } = string.Empty;

    public int EventQueueMaxEvents { get; set; } = 10000;

    public long EventQueueMaxBytes { get; set; } = 16L * 1024 * 1024;

    public int MaxCommandBytes { get; set; } = 4096;

    /// <summary>
    /// The embedded broker's user names and passwords (JSON, mode 0600), generated at first start. Empty =
    /// /var/lib/edgebci/broker/credentials.json on a unit, else the temp folder's edgebci-broker-&lt;device&gt;/credentials.json.
    /// The CLI and the tests read the same file (<see cref="Broker.BrokerCredentials"/>).
    /// </summary>
    public string EmbeddedCredentialsFile { get; set; } = string.Empty;

    /// <summary>The access control list the embedded broker applies, in mosquitto's acl_file format. Empty = mosquitto.acl beside the firmware (deploy/mosquitto/acl).</summary>
    public string EmbeddedAclFile { get; set; } = string.Empty;

    /// <summary>The largest MQTT packet the embedded broker reads; a client announcing a larger one is disconnected unread.</summary>
    public int EmbeddedMaxPacketBytes { get; set; } = 65536;

    /// <summary>How many retained messages the embedded broker keeps; a retained publish beyond it is refused (quota exceeded).</summary>
    public int EmbeddedMaxRetainedMessages { get; set; } = 256;

    /// <summary>How many payload bytes the embedded broker's retained messages may hold together.</summary>
    public long EmbeddedMaxRetainedBytes { get; set; } = 1024 * 1024;

    /// <summary>How many clients may be connected to the embedded broker at once (connections beyond are refused).</summary>
    public int EmbeddedMaxSessions { get; set; } = 32;

    /// <summary>Messages the embedded broker queues for one slow subscriber before it drops the oldest.</summary>
    public int EmbeddedMaxPendingMessagesPerClient { get; set; } = 1000;

    /// <summary>
    /// Commands other than stop one client may publish per second on the embedded broker (a bucket of twice as many); beyond,
    /// the publish is refused (quota exceeded). A flood then cannot fill the unit's queue, where the broker would drop the
    /// oldest message, which could be a stop.
    /// </summary>
    public int EmbeddedCommandsPerClientPerSecond { get; set; } = 20;

    /// <summary>
    /// A command other than stop must carry an MQTT 5 message expiry of 1 to this many seconds; one without an expiry, with
    /// a longer one, or whose expiry has passed is refused (a stale disarm or recording must not replay).
    /// </summary>
    public int CommandMaxExpirySeconds { get; set; } = 300;

    /// <summary>Slow commands (self-test, set-log-level, report-configuration, recordings) waiting to run one at a time; beyond this they are refused as busy.</summary>
    public int QueuedCommandCapacity { get; set; } = 8;

    /// <summary>How many slow commands may start per second (a token bucket holding <see cref="QueuedCommandCapacity"/>).</summary>
    public int QueuedCommandsPerSecond { get; set; } = 2;

    /// <summary>Command answers waiting to be published; beyond this the oldest is dropped (counted; the result is still in the events).</summary>
    public int MaxPendingResponses { get; set; } = 256;

    public bool HomeAssistantDiscovery { get; set; }

    public bool Enabled { get; set; } = true;

    public Dictionary<string, CommandPermission> Commands { get; set; } = new(StringComparer.Ordinal);

    /// <summary><see cref="DeviceId"/> or the one derived from the machine name.</summary>
    public string ResolveDeviceId() =>
        string.IsNullOrEmpty(DeviceId) ? DeviceIds.FromMachineName(Environment.MachineName) : DeviceId;

    public string ResolveClientId() => string.IsNullOrEmpty(ClientId) ? $"edgebci-{ResolveDeviceId()}" : ClientId;

    /// <summary>The permission configured for <paramref name="name"/>, or the default (enabled, any sender).</summary>
    public CommandPermission PermissionFor(string name) =>
        Commands.TryGetValue(name, out var permission) && permission is not null ? permission : DefaultPermission;

    private static readonly CommandPermission DefaultPermission = new();

    /// <summary>Every configuration error, each naming the key and its value; empty when the section is usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        const string S = SectionName;

        if (!BrokerEndpoint.TryParse(Broker, out var endpoint, out var brokerError))
        {
            errors.Add(brokerError);
        }

        if (EmbeddedPort is < 0 or > 65535)
        {
            errors.Add($"{S}:EmbeddedPort is {EmbeddedPort}: use 0 (pick a free port) to 65535");
        }

        if (!IPAddress.TryParse(EmbeddedBindAddress, out var bindAddress))
        {
            errors.Add($"{S}:EmbeddedBindAddress is '{EmbeddedBindAddress}': use an IP address such as 127.0.0.1");
        }
        else if (!IPAddress.IsLoopback(bindAddress) && !EmbeddedAllowRemote)
        {
            errors.Add($"{S}:EmbeddedBindAddress is '{EmbeddedBindAddress}': the embedded broker has no TLS (passwords would cross the network in clear), so it binds only to a loopback address unless {S}:EmbeddedAllowRemote is true");
        }

        if (!string.IsNullOrEmpty(DeviceId) && !DeviceIds.IsValid(DeviceId))
        {
            errors.Add($"{S}:DeviceId is '{DeviceId}': use 1 to 64 characters of a-z, 0-9 and '-'");
        }

        if (ClientId.Length > 128 || (ClientId.Length > 0 && string.IsNullOrWhiteSpace(ClientId)))
        {
            errors.Add($"{S}:ClientId is '{ClientId}': use 1 to 128 visible characters, or empty for edgebci-<deviceId>");
        }

        if (Password.Length > 0 && Username.Length == 0)
        {
            errors.Add($"{S}:Password is set but {S}:Username is empty: MQTT sends a password only with a user name");
        }

        var usesTls = endpoint is { IsEmbedded: false, UseTls: true };
        CheckTlsFile(errors, "CaCertificate", CaCertificate, usesTls);
        CheckTlsFile(errors, "ClientCertificate", ClientCertificate, usesTls);
        CheckTlsFile(errors, "ClientKey", ClientKey, usesTls);
        if (ClientCertificate.Length > 0 != ClientKey.Length > 0)
        {
            errors.Add($"{S}:ClientCertificate is '{ClientCertificate}' and {S}:ClientKey is '{ClientKey}': set both (PEM files) or neither");
        }

        if (AllowUntrustedServer && CaCertificate.Length > 0)
        {
            errors.Add($"{S}:AllowUntrustedServer is true while {S}:CaCertificate is '{CaCertificate}': either check the server against that CA or trust any server, not both");
        }

        if (AllowUntrustedServer && !usesTls)
        {
            errors.Add($"{S}:AllowUntrustedServer is true but {S}:Broker is '{Broker}': it applies only to mqtts://");
        }

        CheckRange(errors, "KeepAliveSeconds", KeepAliveSeconds, 1, 65535);
        CheckRange(errors, "ConnectTimeoutMs", ConnectTimeoutMs, 100, 120_000);
        CheckRange(errors, "ReconnectMinDelayMs", ReconnectMinDelayMs, 10, 3_600_000);
        CheckRange(errors, "ReconnectMaxDelayMs", ReconnectMaxDelayMs, 10, 3_600_000);
        if (ReconnectMaxDelayMs < ReconnectMinDelayMs)
        {
            errors.Add($"{S}:ReconnectMaxDelayMs is {ReconnectMaxDelayMs}: it must be at least {S}:ReconnectMinDelayMs ({ReconnectMinDelayMs})");
        }

        CheckRange(errors, "TelemetryIntervalMs", TelemetryIntervalMs, 100, 3_600_000);
        CheckRange(errors, "TelemetryQueueCapacity", TelemetryQueueCapacity, 1, 10_000);
        CheckRange(errors, "EventQueueMaxEvents", EventQueueMaxEvents, 1, 10_000_000);
        if (EventQueueMaxBytes is < Journal.EventJournal.MinimumMaxBytes or > 1L << 30)
        {
            errors.Add($"{S}:EventQueueMaxBytes is {EventQueueMaxBytes}: use {Journal.EventJournal.MinimumMaxBytes} to {1L << 30}");
        }

        CheckRange(errors, "MaxCommandBytes", MaxCommandBytes, 2, 1 << 20);

        CheckRange(errors, "EmbeddedMaxPacketBytes", EmbeddedMaxPacketBytes, 1024, 16 << 20);
        CheckRange(errors, "EmbeddedMaxRetainedMessages", EmbeddedMaxRetainedMessages, 1, 100_000);
        if (EmbeddedMaxRetainedBytes is < 1024 or > 256L << 20)
        {
            errors.Add($"{S}:EmbeddedMaxRetainedBytes is {EmbeddedMaxRetainedBytes}: use 1024 to {256L << 20}");
        }

        CheckRange(errors, "EmbeddedMaxSessions", EmbeddedMaxSessions, 2, 10_000);
        CheckRange(errors, "EmbeddedMaxPendingMessagesPerClient", EmbeddedMaxPendingMessagesPerClient, 10, 1_000_000);
        CheckRange(errors, "EmbeddedCommandsPerClientPerSecond", EmbeddedCommandsPerClientPerSecond, 1, 100_000);
        CheckRange(errors, "CommandMaxExpirySeconds", CommandMaxExpirySeconds, 1, 86_400);
        CheckRange(errors, "QueuedCommandCapacity", QueuedCommandCapacity, 1, 1000);
        CheckRange(errors, "QueuedCommandsPerSecond", QueuedCommandsPerSecond, 1, 1000);
        CheckRange(errors, "MaxPendingResponses", MaxPendingResponses, 1, 100_000);
        CheckPath(errors, "EmbeddedCredentialsFile", EmbeddedCredentialsFile);
        CheckPath(errors, "EmbeddedAclFile", EmbeddedAclFile);

        if (EventQueuePath.Length > 0 && (string.IsNullOrWhiteSpace(EventQueuePath) || EventQueuePath.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            errors.Add($"{S}:EventQueuePath is '{EventQueuePath}': not a usable folder path");
        }

        foreach (var (name, permission) in Commands)
        {
            if (!CommandNames.IsKnown(name))
            {
                errors.Add($"{S}:Commands:{name} is not a command; commands are {string.Join(", ", CommandNames.All)}");
                continue;
            }

            if (permission is null)
            {
                continue;
            }

            var senders = permission.AllowedSenders ?? [];
            for (var i = 0; i < senders.Length; i++)
            {
                if (string.IsNullOrWhiteSpace(senders[i]))
                {
                    errors.Add($"{S}:Commands:{name}:AllowedSenders:{i} is '{senders[i]}': a sender identity cannot be empty");
                }
            }
        }

        return errors;
    }

    private static void CheckRange(List<string> errors, string key, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{SectionName}:{key} is {value}: use {min} to {max}");
        }
    }

    private static void CheckPath(List<string> errors, string key, string path)
    {
        if (path.Length > 0 && (string.IsNullOrWhiteSpace(path) || path.AsSpan().IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            errors.Add($"{SectionName}:{key} is '{path}': not a usable file path");
        }
    }

    private static void CheckTlsFile(List<string> errors, string key, string path, bool usesTls)
    {
        if (path.Length == 0)
        {
            return;
        }

        if (!usesTls)
        {
            errors.Add($"{SectionName}:{key} is '{path}' but the broker is not mqtts://: TLS files apply only to mqtts://host:port");
        }
        else if (!File.Exists(path))
        {
            errors.Add($"{SectionName}:{key} is '{path}': no such file");
        }
    }
}

/// <summary>Where the uplink connects: the in-process broker or a host and port, with or without TLS.</summary>
public sealed record BrokerEndpoint(bool IsEmbedded, string Host, int Port, bool UseTls)
{
    public const int DefaultPort = 1883;
    public const int DefaultTlsPort = 8883;

    public static BrokerEndpoint Parse(string broker)
    {
        if (!TryParse(broker, out var endpoint, out var error))
        {
            throw new FormatException(error);
        }

        return endpoint;
    }

    public static bool TryParse(string? broker, out BrokerEndpoint endpoint, out string error)
    {
        endpoint = new BrokerEndpoint(true, "127.0.0.1", DefaultPort, false);
        error = string.Empty;
        var hint = $"{MqttOptions.SectionName}:Broker is '{broker}': use embedded, mqtt://host:port or mqtts://host:port";
        if (string.Equals(broker, "embedded", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var parsed = BrokerUri.Parse(broker);
        switch (parsed.Problem)
        {
            case BrokerUriProblem.None:
                endpoint = new BrokerEndpoint(false, parsed.Host, parsed.Port, parsed.Tls);
                return true;
            case BrokerUriProblem.ExtraParts:
                error = $"{hint} (only a host and a port; credentials go in {MqttOptions.SectionName}:Username/Password)";
                return false;
            case BrokerUriProblem.Port:
                error = $"{hint} (port {parsed.Port} is outside 1 to 65535)";
                return false;
            default:
                error = hint;
                return false;
        }
    }
}

/// <summary>Why a broker URI was refused; each caller words it for its own setting or option.</summary>
public enum BrokerUriProblem
{
    None,

    /// <summary>Empty, or not an absolute URI with a host.</summary>
    NotAUri,

    /// <summary>A scheme other than mqtt or mqtts.</summary>
    Scheme,

    /// <summary>A path, query, fragment or user info beside the host and port.</summary>
    ExtraParts,

    /// <summary>Port 0.</summary>
    Port,
}

/// <summary>A parsed <c>mqtt://host:port</c> or <c>mqtts://host:port</c> (default ports 1883 and 8883), or why it is not one.</summary>
public readonly record struct BrokerUri(BrokerUriProblem Problem, string Host, int Port, bool Tls, string Scheme)
{
    public static BrokerUri Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return new BrokerUri(BrokerUriProblem.NotAUri, string.Empty, 0, false, string.Empty);
        }

        bool tls;
        switch (uri.Scheme)
        {
            case "mqtt":
                tls = false;
                break;
            case "mqtts":
                tls = true;
                break;
            default:
                return new BrokerUri(BrokerUriProblem.Scheme, string.Empty, 0, false, uri.Scheme);
        }

        if ((uri.AbsolutePath.Length > 0 && uri.AbsolutePath != "/") || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
        {
            return new BrokerUri(BrokerUriProblem.ExtraParts, string.Empty, 0, tls, uri.Scheme);
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? (tls ? BrokerEndpoint.DefaultTlsPort : BrokerEndpoint.DefaultPort) : uri.Port;
        return new BrokerUri(port is < 1 or > 65535 ? BrokerUriProblem.Port : BrokerUriProblem.None, uri.DnsSafeHost, port, tls, uri.Scheme);
    }
}
