using System.Globalization;
using EdgeBci.Telemetry;

namespace EdgeBci.Cli.Monitor;

/// <summary>Where the broker is: <c>host</c>, <c>host:port</c>, <c>mqtt://host:port</c> or <c>mqtts://host:port</c>.</summary>
internal sealed record BrokerAddress(string Host, int Port, bool Tls, bool SchemeGiven)
{
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
        var parsed = BrokerUri.Parse(schemeGiven ? trimmed : "mqtt://" + trimmed);
        return parsed.Problem switch
        {
            BrokerUriProblem.None => new BrokerAddress(parsed.Host, parsed.Port, parsed.Tls, schemeGiven),
            BrokerUriProblem.Scheme => throw new ArgumentException($"--broker {text}: the scheme '{parsed.Scheme}' is not mqtt:// or mqtts://."),
            BrokerUriProblem.ExtraParts => throw new ArgumentException($"--broker {text}: give only the host and port (credentials go in --username and --password)."),
            BrokerUriProblem.Port => throw new ArgumentException($"--broker {text}: port 0 is not a broker's port."),
            _ => throw new ArgumentException($"--broker {text}: not a host, host:port, mqtt://host:port or mqtts://host:port."),
        };
    }
}
