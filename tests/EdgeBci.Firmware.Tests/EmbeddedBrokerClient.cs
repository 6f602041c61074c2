using System.Globalization;
using System.Text.RegularExpressions;
using EdgeBci.Telemetry.Broker;
using EdgeBci.Tests.Shared.Mosquitto;
using MQTTnet;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// A test's way onto a firmware's embedded broker, as a dashboard or observer would come: the port from the firmware's
/// log line, the user name and password from the credentials file the firmware wrote (the one reader of that file,
/// <see cref="BrokerCredentials"/>).
/// </summary>
internal static partial class EmbeddedBrokerClient
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(60);

    /// <summary>Waits for the broker's "listening on" line and returns its port.</summary>
    public static int Port(FirmwareProcess firmware)
    {
        if (!firmware.WaitUntil(output => ListeningLine().IsMatch(output), Startup))
        {
            throw new InvalidOperationException("the firmware's embedded broker did not start:\n" + firmware.Output);
        }

        return int.Parse(ListeningLine().Match(firmware.Output).Groups["port"].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>The credentials file the firmware wrote (it exists once the broker listens).</summary>
    public static BrokerCredentials Credentials(FirmwareProcess firmware)
    {
        Port(firmware);
        return BrokerCredentials.Load(firmware.BrokerCredentialsFile ?? throw new InvalidOperationException("this firmware was given its own credentials file"));
    }

    /// <summary>MQTT 5 options for <paramref name="identity"/> ("dashboard", "observer" or the unit's id) with its password.</summary>
    public static MqttClientOptionsBuilder Options(FirmwareProcess firmware, string identity, string? clientId = null)
    {
        var port = Port(firmware);
        var password = Credentials(firmware).For(identity).Password;
        return new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId ?? $"{identity}-{Guid.NewGuid():N}")
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithCredentials(identity, password);
    }

    /// <summary>Connects as <paramref name="identity"/>; throws when the broker refuses.</summary>
    public static Task<MqttTestClient> ConnectAsync(FirmwareProcess firmware, string identity, string? clientId = null) =>
        MqttTestClient.ConnectAsync(Options(firmware, identity, clientId).Build());

    [GeneratedRegex(@"mqtt: embedded broker listening on [0-9.:a-f\[\]]+?:(?<port>\d+) ")]
    private static partial Regex ListeningLine();
}
