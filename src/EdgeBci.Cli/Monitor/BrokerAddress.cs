using System.Globalization;

namespace EdgeBci.Cli.Monitor;

/// <summary>Where the broker is: <c>host</c>, <c>host:port</c>, <c>mqtt://host:port</c> or <c>mqtts://host:port</c>.</summary>
internal sealed record BrokerAddress(string Host, int Port, bool Tls, bool SchemeGiven)
{
    public const int PlainPort = 1883;
    public const int TlsPort = 8883;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}");

    public static BrokerAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            throw new ArgumentException("--broker: give a host, host:port, mqtt://host:port or mqtts://host:port.");
        }

        var schemeGiven = trimmed.Contains("://", StringComparison.Ordinal);
        if (!Uri.TryCreate(schemeGiven ? trimmed : "mqtt://" + trimmed, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new ArgumentException($"--broker {text}: not a host, host:port, mqtt://host:port or mqtts://host:port.");
        }

        var tls = uri.Scheme switch
        {
            "mqtt" => false,
            "mqtts" => true,
            _ => throw new ArgumentException($"--broker {text}: the scheme '{uri.Scheme}' is not mqtt:// or mqtts://."),
        };
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
        {
            throw new ArgumentException($"--broker {text}: give only the host and port (credentials go in --username and --password).");
        }

        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host;
        var port = uri.IsDefaultPort || uri.Port < 0 ? (tls ? TlsPort : PlainPort) : uri.Port;
        if (port == 0)
        {
            throw new ArgumentException($"--broker {text}: port 0 is not a broker's port.");
        }

        return new BrokerAddress(host, port, tls, schemeGiven);
    }
}
