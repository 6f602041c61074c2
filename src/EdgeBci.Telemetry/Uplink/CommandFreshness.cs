using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Telemetry.Uplink;

/// <summary>
/// The MQTT-level rules a command must meet before it is even parsed: it is live (not a retained message replayed
/// from the broker's store) and fresh (an MQTT 5 message expiry, at most <see cref="MqttOptions.CommandMaxExpirySeconds"/>).
/// A stop is exempt: refusing a stop because of how it travelled would be the wrong way to fail.
/// </summary>
internal static class CommandFreshness
{
    /// <summary>Null when <paramref name="name"/> may go on, else the refusal's code and message.</summary>
    public static (string Code, string Message)? Check(string name, bool retained, uint expirySeconds, int maxExpirySeconds)
    {
        if (string.Equals(name, CommandNames.Stop, StringComparison.Ordinal))
        {
            return null;
        }

        if (retained)
        {
            return (CommandErrorCodes.Retained,
                "the request is a retained message (replayed from the broker's store, or published with the retain flag): commands are never retained; publish it without retain");
        }

        if (expirySeconds == 0)
        {
            return (CommandErrorCodes.Stale,
                $"the request has no MQTT 5 message expiry: set MessageExpiryInterval to 1..{maxExpirySeconds} s so a delayed request cannot run late");
        }

        return expirySeconds > maxExpirySeconds
            ? (CommandErrorCodes.Stale, $"the request's message expiry is {expirySeconds} s; at most {maxExpirySeconds} s ({MqttOptions.SectionName}:CommandMaxExpirySeconds) are accepted")
            : null;
    }
}
