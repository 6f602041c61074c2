using System.Globalization;
using System.Text;
using EdgeBci.Telemetry;
using EdgeBci.Telemetry.Commands;
using EdgeBci.Telemetry.Payloads;

namespace EdgeBci.Firmware.Tests;

/// <summary>
/// A seeded hostile command for the firmware: unknown, forbidden or mangled names with payloads that are each broken in
/// one known way (not JSON, nested too deep, too large, the wrong shape, wrong or unknown arguments, a lone surrogate).
/// None is a well-formed request, so none may be honoured; in particular no generated stop or disarm is valid (the
/// firmware's stop and disarm take no arguments), and the answer each must get follows from the dispatcher's documented
/// order of checks: size, name, then the JSON, its shape and the arguments.
/// </summary>
internal sealed record HostileCommand(string Name, byte[] Payload, string ExpectedCode)
{
    private static readonly string[] Names =
        ["stop", "disarm", "arm", "move", "drive", "self-test", "set-log-level", "report-configuration", "start-recording", "stop-recording", "STOP", "stop/../arm", "%00", ""];

    private static readonly int MaxCommandBytes = new MqttOptions().MaxCommandBytes;

    /// <summary>False for a name with a '/': a deeper topic than the unit's cmd/+ subscription, never delivered to it.</summary>
    public bool Routed => !Name.Contains('/', StringComparison.Ordinal);

    public static HostileCommand Next(Random random, int i)
    {
        var name = Names[random.Next(Names.Length)];
        if (name.Length == 0)
        {
            name = "x" + i.ToString(CultureInfo.InvariantCulture);
        }

        var (payload, flaw) = (i % 10) switch
        {
            0 => (Utf8("{"), CommandErrorCodes.BadJson),
            1 => (Utf8(new string('[', 64)), CommandErrorCodes.BadJson),
            2 => (Utf8("{\"args\":\"" + new string('x', 10_000) + "\"}"), CommandErrorCodes.TooLarge),
            3 => (Utf8("{\"args\":{\"level\":42,\"seconds\":\"forever\"}}"), CommandErrorCodes.BadArguments),
            4 => (Utf8("{\"args\":[1,2,3]}"), CommandErrorCodes.BadArguments),
            5 => (Utf8("{\"args\":{},\"move\":\"forward\"}"), CommandErrorCodes.BadArguments),
            6 => (RandomBytes(random), CommandErrorCodes.BadJson),
            7 => (Utf8("{\"args\":{\"level\":\"\\ud800\"}}"), CommandErrorCodes.BadArguments),
            8 => (Utf8("{\"args\":{\"unknown\":true}}"), CommandErrorCodes.BadArguments),
            _ => (Utf8("{\"args\":{},\"args\":{}}"), CommandErrorCodes.BadJson),
        };

        var expected = payload.Length > MaxCommandBytes ? CommandErrorCodes.TooLarge
            : !CommandNames.IsKnown(name) ? CommandErrorCodes.UnknownCommand
            : flaw;
        return new HostileCommand(name, payload, expected);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Up to 300 random bytes, never one starting with '{' (so never, by chance, a JSON object).</summary>
    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 300)];
        random.NextBytes(bytes);
        bytes[0] = bytes[0] == (byte)'{' ? (byte)'}' : bytes[0];
        return bytes;
    }
}
